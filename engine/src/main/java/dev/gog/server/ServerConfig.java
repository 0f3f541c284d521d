package dev.gog.server;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link GogServer} listens and what it accepts.
 *
 * @param host the address to bind, default {@code 127.0.0.1} (a name or an IP literal)
 * @param port the TCP port, 0..65535, default 8080; 0 picks a free port ({@link GogServer#port()})
 * @param maxBodyBytes the largest request body accepted, 1 byte..2 GiB, default 32 MiB; a larger
 *     body is answered 413 without being read past the limit
 * @param fetchUrls whether a request may name its image by URL, default false (such a request
 *     is then answered 422)
 * @param fetch the limits of the URL fetcher (used only when {@code fetchUrls})
 * @param shutdownGrace how long {@link GogServer#close()} lets in-flight requests finish before
 *     cancelling them, 0..10 min, default 10 s
 */
public record ServerConfig(String host, int port, long maxBodyBytes, boolean fetchUrls, ImageFetcher.Config fetch,
                           Duration shutdownGrace) {
    /** The default bind address: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The default port. */
    public static final int DEFAULT_PORT = 8080;
    /** The default body limit: 32 MiB. */
    public static final long DEFAULT_MAX_BODY_BYTES = 32L << 20;
    /** The default shutdown grace. */
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);

    /**
     * Validates.
     *
     * @throws IllegalArgumentException if a value is out of range or the host is blank
     * @throws NullPointerException if {@code host}, {@code fetch} or {@code shutdownGrace} is null
     */
    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(fetch, "fetch");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (host.isBlank()) throw new IllegalArgumentException("host must not be blank");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxBodyBytes must be in [1, 2 GiB), got " + maxBodyBytes);
        }
        if (shutdownGrace.isNegative() || shutdownGrace.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("shutdownGrace must be in [0, 10 min], got " + shutdownGrace);
        }
    }

    /** 127.0.0.1:8080, 32 MiB bodies, URL fetching off (with the default fetch limits), 10 s grace. */
    public static ServerConfig defaults() {
        return new ServerConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_BODY_BYTES, false, ImageFetcher.Config.defaults(),
                DEFAULT_SHUTDOWN_GRACE);
    }

    /**
     * This configuration with another bind address and port.
     *
     * @throws IllegalArgumentException if a value is out of range
     */
    public ServerConfig withAddress(String newHost, int newPort) {
        return new ServerConfig(newHost, newPort, maxBodyBytes, fetchUrls, fetch, shutdownGrace);
    }

    /**
     * This configuration with another body limit.
     *
     * @throws IllegalArgumentException if a value is out of range
     */
    public ServerConfig withMaxBodyBytes(long n) {
        return new ServerConfig(host, port, n, fetchUrls, fetch, shutdownGrace);
    }

    /** This configuration with URL fetching switched on or off. */
    public ServerConfig withFetchUrls(boolean on) {
        return new ServerConfig(host, port, maxBodyBytes, on, fetch, shutdownGrace);
    }

    /**
     * This configuration with other fetch limits.
     *
     * @throws NullPointerException if {@code limits} is null
     */
    public ServerConfig withFetch(ImageFetcher.Config limits) {
        return new ServerConfig(host, port, maxBodyBytes, fetchUrls, limits, shutdownGrace);
    }

    /**
     * This configuration with another shutdown grace.
     *
     * @throws IllegalArgumentException if a value is out of range
     */
    public ServerConfig withShutdownGrace(Duration grace) {
        return new ServerConfig(host, port, maxBodyBytes, fetchUrls, fetch, grace);
    }
}
