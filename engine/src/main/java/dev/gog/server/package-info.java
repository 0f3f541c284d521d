/**
 * The HTTP front end of the engine: {@link dev.gog.server.GogServer} serves {@code POST /v1/ask},
 * {@code GET /health} and {@code GET /metrics} on the JDK's built-in HTTP server, one virtual
 * thread per exchange, configured by {@link dev.gog.server.ServerConfig}. When a request names
 * its image by URL (and fetching is enabled), {@link dev.gog.server.ImageFetcher} downloads it
 * behind a guard that refuses non-HTTP schemes and every loopback, private, link-local,
 * multicast and otherwise non-public address, re-checks every redirect hop, and caps size and
 * time; a refusal is a {@link dev.gog.server.FetchRefusedException} (HTTP 422).
 *
 * <p>The wire format is documented in {@code docs/cli.md (gog serve)}; request bodies follow
 * {@code docs/schema/ask-request.schema.json}, answers {@code docs/schema/ask.schema.json}.
 */
package dev.gog.server;
