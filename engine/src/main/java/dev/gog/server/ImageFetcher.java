package dev.gog.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.Proxy;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Call;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads the image a request names by URL, behind a guard against server-side request
 * forgery:
 * <ul>
 *   <li>only {@code http} and {@code https} URLs;</li>
 *   <li>only public unicast addresses: a host that is, or resolves to, a loopback, private
 *       (RFC 1918, {@code fc00::/7}), shared ({@code 100.64.0.0/10}), link-local (cloud metadata
 *       {@code 169.254.169.254} included), multicast, broadcast, unspecified or reserved
 *       address is refused, IPv6 forms that embed such an IPv4 address too; literal IP hosts
 *       are checked without DNS;</li>
 *   <li>the connection goes only to the addresses that were checked: the HTTP client resolves
 *       names through a filtering {@link Dns} that returns only allowed addresses, so nothing is
 *       resolved twice; no proxy is used;</li>
 *   <li>redirects are followed here, not by the client, at most {@link Config#maxRedirects()}
 *       of them, each hop's scheme and host checked again;</li>
 *   <li>the body is capped at {@link Config#maxBytes()} (by {@code Content-Length} first, then
 *       counted while streaming, so no more than the cap is ever held); the whole fetch,
 *       redirects included, is capped at {@link Config#totalTimeout()};</li>
 *   <li>the response must be {@code image/*} or {@code application/octet-stream}.</li>
 * </ul>
 * Every refusal or failure is a {@link FetchRefusedException} with a reason. Thread-safe; one
 * instance serves all requests of a server. Close it to release its connection pool.
 */
public final class ImageFetcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFetcher.class);
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):");

    /**
     * The fetcher's limits.
     *
     * @param maxBytes the largest body accepted, 1 byte..1 GiB
     * @param connectTimeout the limit on opening one connection, 1 ms..10 min
     * @param readTimeout the limit on one read while receiving, 1 ms..10 min
     * @param totalTimeout the limit on the whole fetch, redirects included, 1 ms..10 min
     * @param maxRedirects redirects followed at most, 0..20
     */
    public record Config(long maxBytes, Duration connectTimeout, Duration readTimeout, Duration totalTimeout,
                         int maxRedirects) {
        /** The default size cap: 20 MiB. */
        public static final long DEFAULT_MAX_BYTES = 20L << 20;

        /**
         * Validates.
         *
         * @throws IllegalArgumentException if a value is out of range
         * @throws NullPointerException if a duration is null
         */
        public Config {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(readTimeout, "readTimeout");
            Objects.requireNonNull(totalTimeout, "totalTimeout");
            if (maxBytes < 1 || maxBytes > (1L << 30)) {
                throw new IllegalArgumentException("fetch maxBytes must be in [1, 1 GiB], got " + maxBytes);
            }
            checkDuration("connectTimeout", connectTimeout);
            checkDuration("readTimeout", readTimeout);
            checkDuration("totalTimeout", totalTimeout);
            if (maxRedirects < 0 || maxRedirects > 20) {
                throw new IllegalArgumentException("fetch maxRedirects must be in [0, 20], got " + maxRedirects);
            }
        }

        private static void checkDuration(String name, Duration d) {
            if (d.compareTo(Duration.ofMillis(1)) < 0 || d.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("fetch " + name + " must be in [1 ms, 10 min], got " + d);
            }
        }

        /** 20 MiB, connect 5 s, read 10 s, 20 s in all, 5 redirects. */
        public static Config defaults() {
            return new Config(DEFAULT_MAX_BYTES, Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20), 5);
        }

        /**
         * These limits with another size cap.
         *
         * @throws IllegalArgumentException if a value is out of range
         */
        public Config withMaxBytes(long n) {
            return new Config(n, connectTimeout, readTimeout, totalTimeout, maxRedirects);
        }

        /**
         * These limits with other time-outs.
         *
         * @throws IllegalArgumentException if a value is out of range
         */
        public Config withTimeouts(Duration connect, Duration read, Duration total) {
            return new Config(maxBytes, connect, read, total, maxRedirects);
        }

        /**
         * These limits with another redirect cap.
         *
         * @throws IllegalArgumentException if a value is out of range
         */
        public Config withMaxRedirects(int n) {
            return new Config(maxBytes, connectTimeout, readTimeout, totalTimeout, n);
        }
    }

    private final Config config;
    private final boolean allowLoopback;
    private final OkHttpClient client;

    /**
     * A fetcher that resolves names with the system resolver.
     *
     * @param config the limits
     * @throws NullPointerException if {@code config} is null
     */
    public ImageFetcher(Config config) {
        this(config, Dns.SYSTEM, false);
    }

    /**
     * For tests: a fetcher with another resolver, and optionally loopback allowed so that a
     * public-looking test name can point at a local server. Never exposed publicly.
     *
     * @param config the limits
     * @param delegate the resolver whose answers are filtered
     * @param allowLoopbackForTest true to let loopback addresses through (every other block stays)
     */
    ImageFetcher(Config config, Dns delegate, boolean allowLoopbackForTest) {
        this.config = Objects.requireNonNull(config, "config");
        this.allowLoopback = allowLoopbackForTest;
        Objects.requireNonNull(delegate, "delegate");
        this.client = new OkHttpClient.Builder()
                .dns(new GuardedDns(delegate, allowLoopbackForTest))
                .proxy(Proxy.NO_PROXY)
                .followRedirects(false)
                .followSslRedirects(false)
                .connectTimeout(config.connectTimeout())
                .readTimeout(config.readTimeout())
                .writeTimeout(config.readTimeout())
                .callTimeout(config.totalTimeout())
                .build();
    }

    /** The limits. */
    public Config config() {
        return config;
    }

    /**
     * Downloads the body of {@code url} under the guard. Blocks the calling thread (meant for a
     * virtual thread) for at most about {@link Config#totalTimeout()}.
     *
     * @param url an absolute {@code http} or {@code https} URL
     * @return the body bytes, owned by the caller (at most {@link Config#maxBytes()})
     * @throws FetchRefusedException if the guard refuses the URL, a redirect, the address, the
     *     size or the content type, or the download fails or times out
     */
    public byte[] fetch(String url) throws FetchRefusedException {
        Objects.requireNonNull(url, "url");
        HttpUrl current = parse(url.strip(), null);
        long deadline = System.nanoTime() + config.totalTimeout().toNanos();
        for (int hop = 0; ; hop++) {
            checkHost(current);
            long left = deadline - System.nanoTime();
            if (left <= 0) throw timeout(null);
            Request req = new Request.Builder()
                    .url(current)
                    .get()
                    .header("Accept", "image/*, application/octet-stream;q=0.5")
                    .header("User-Agent", "gog-image-fetcher")
                    .build();
            Call call = client.newCall(req);
            call.timeout().timeout(left, TimeUnit.NANOSECONDS);
            try (Response r = call.execute()) {
                if (r.isRedirect()) {
                    if (hop >= config.maxRedirects()) {
                        throw new FetchRefusedException(FetchRefusedException.Reason.REDIRECTS,
                                "more than " + config.maxRedirects() + " redirects");
                    }
                    String location = r.header("Location");
                    if (location == null || location.isBlank()) {
                        throw new FetchRefusedException(FetchRefusedException.Reason.REDIRECTS,
                                "HTTP " + r.code() + " redirect without a Location header from " + current.host());
                    }
                    HttpUrl next = parse(location.strip(), current);
                    LOG.debug("image fetch: {} redirects to {}", current, next);
                    current = next;
                    continue;
                }
                if (!r.isSuccessful()) {
                    throw new FetchRefusedException(FetchRefusedException.Reason.HTTP_STATUS,
                            "the image server answered HTTP " + r.code() + " for " + current.host());
                }
                return readBody(r);
            } catch (FetchRefusedException e) {
                throw e;
            } catch (IOException e) {
                throw failure(current, e);
            }
        }
    }

    private static HttpUrl parse(String url, HttpUrl base) throws FetchRefusedException {
        Matcher m = SCHEME.matcher(url);
        if (m.find()) {
            String scheme = m.group(1).toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new FetchRefusedException(FetchRefusedException.Reason.SCHEME,
                        (base == null ? "" : "redirect to ") + "scheme '" + scheme + ":' is not allowed (only http and https)");
            }
        } else if (base == null) {
            throw new FetchRefusedException(FetchRefusedException.Reason.BAD_URL,
                    "not an absolute http(s) URL: " + abbreviate(url));
        }
        HttpUrl u = base == null ? HttpUrl.parse(url) : base.resolve(url);
        if (u == null) {
            throw new FetchRefusedException(FetchRefusedException.Reason.BAD_URL,
                    (base == null ? "malformed URL: " : "malformed redirect Location: ") + abbreviate(url));
        }
        return u;
    }

    private void checkHost(HttpUrl u) throws FetchRefusedException {
        InetAddress literal = AddressGuard.literal(u.host());
        if (literal != null) {
            String why = AddressGuard.blockReason(literal, allowLoopback);
            if (why != null) {
                throw new FetchRefusedException(FetchRefusedException.Reason.BLOCKED_ADDRESS,
                        "host " + u.host() + " is a " + why + " address (only public addresses may be fetched)");
            }
        }
    }

    private byte[] readBody(Response r) throws IOException, FetchRefusedException {
        ResponseBody body = r.body();
        if (body == null) throw new FetchRefusedException(FetchRefusedException.Reason.NETWORK, "the response has no body");
        MediaType type = body.contentType();
        boolean image = type != null && type.type().equalsIgnoreCase("image");
        boolean octets = type != null && type.type().equalsIgnoreCase("application")
                && type.subtype().equalsIgnoreCase("octet-stream");
        if (!image && !octets) {
            throw new FetchRefusedException(FetchRefusedException.Reason.CONTENT_TYPE,
                    "the URL's content type is " + (type == null ? "missing" : "'" + type.type() + "/" + type.subtype() + "'")
                            + ", not image/* or application/octet-stream");
        }
        long max = config.maxBytes();
        long declared = body.contentLength();
        if (declared > max) {
            throw new FetchRefusedException(FetchRefusedException.Reason.TOO_LARGE,
                    "the image is " + declared + " bytes, over the limit of " + max);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(max, declared > 0 ? declared : 64 << 10));
        byte[] buf = new byte[64 << 10];
        long total = 0;
        try (InputStream in = body.byteStream()) {
            while (true) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, max + 1 - total));
                if (n < 0) break;
                total += n;
                if (total > max) {
                    throw new FetchRefusedException(FetchRefusedException.Reason.TOO_LARGE,
                            "the image is over the limit of " + max + " bytes");
                }
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    private FetchRefusedException failure(HttpUrl u, IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BlockedHostException b) {
                return new FetchRefusedException(FetchRefusedException.Reason.BLOCKED_ADDRESS, b.getMessage(), e);
            }
        }
        for (Throwable s : e.getSuppressed()) {
            if (s instanceof BlockedHostException b) {
                return new FetchRefusedException(FetchRefusedException.Reason.BLOCKED_ADDRESS, b.getMessage(), e);
            }
        }
        if (e instanceof UnknownHostException) {
            return new FetchRefusedException(FetchRefusedException.Reason.UNKNOWN_HOST,
                    "host " + u.host() + " does not resolve", e);
        }
        if (e instanceof InterruptedIOException) return timeout(e);
        LOG.debug("image fetch from {} failed", u.host(), e);
        return new FetchRefusedException(FetchRefusedException.Reason.NETWORK,
                "fetching from " + u.host() + " failed: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
    }

    private FetchRefusedException timeout(Throwable cause) {
        return new FetchRefusedException(FetchRefusedException.Reason.TIMEOUT,
                "fetching the image took too long (limits: connect " + config.connectTimeout().toMillis() + " ms, read "
                        + config.readTimeout().toMillis() + " ms, total " + config.totalTimeout().toMillis() + " ms)", cause);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    /** Releases the connection pool and threads; idempotent. */
    @Override
    public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    /** Thrown by {@link GuardedDns} when no allowed address is left; carries the client-facing reason. */
    static final class BlockedHostException extends UnknownHostException {
        private static final long serialVersionUID = 1L;

        BlockedHostException(String message) {
            super(message);
        }
    }

    /**
     * Resolves through the delegate and keeps only allowed addresses; OkHttp connects to
     * exactly what this returns, so the check and the connection use the same addresses.
     */
    private record GuardedDns(Dns delegate, boolean allowLoopback) implements Dns {
        @Override
        public List<InetAddress> lookup(String host) throws UnknownHostException {
            List<InetAddress> all = delegate.lookup(host);
            List<InetAddress> ok = new ArrayList<>(all.size());
            List<String> refused = new ArrayList<>();
            for (InetAddress a : all) {
                String why = AddressGuard.blockReason(a, allowLoopback);
                if (why == null) ok.add(a);
                else refused.add(a.getHostAddress() + " is " + why);
            }
            if (ok.isEmpty()) {
                throw new BlockedHostException(refused.isEmpty()
                        ? "host " + host + " resolves to no address"
                        : "host " + host + " resolves only to refused addresses: " + String.join("; ", refused)
                                + " (only public addresses may be fetched)");
            }
            if (!refused.isEmpty()) LOG.debug("image fetch: {}: dropped {}", host, refused);
            return List.copyOf(ok);
        }
    }
}
