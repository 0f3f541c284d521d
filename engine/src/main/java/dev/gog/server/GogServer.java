package dev.gog.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.gog.bindings.GogErrorCode;
import dev.gog.bindings.GogException;
import dev.gog.runtime.Answer;
import dev.gog.runtime.AnswerJson;
import dev.gog.runtime.AskOptions;
import dev.gog.runtime.GogEngine;
import dev.gog.runtime.RejectedRequestException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's HTTP server: {@code POST /v1/ask}, {@code GET /health} and {@code GET /metrics}
 * (documented in {@code docs/cli.md (gog serve)}) on the JDK's {@link HttpServer}, one virtual thread per
 * exchange. Start it with {@link #start(GogEngine, ServerConfig)}; it serves until
 * {@link #close()}. It does not own the engine: close the server first, then the engine.
 *
 * <p>An ask reads its body up to {@link ServerConfig#maxBodyBytes()} (refusing a larger
 * {@code Content-Length} before reading, and counting a chunked body), decodes the image
 * (base64, raw bytes, or a URL fetched by {@link ImageFetcher} when enabled), merges the
 * request's options over the engine's defaults, and waits for the engine's answer. The engine's
 * future is cancelled whenever the exchange ends without it (an error, an interrupted handler,
 * the server closing). The JDK server does not report a client that disconnects while its
 * request is being worked on; such a request runs until its deadline.
 */
public final class GogServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GogServer.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** How long past a request's deadline the server waits for the engine before giving up (an engine bug). */
    static final Duration DEFAULT_ANSWER_SLACK = Duration.ofSeconds(30);
    private static final Set<String> JSON_FIELDS = Set.of("question", "image", "options");
    private static final Set<String> OPTION_FIELDS = Set.of("max_turns", "max_searches", "deadline_ms", "top_k");

    private final HttpServer http;
    private final ExecutorService executor;
    private final AskHandler handler;
    private final ServerConfig config;
    private final ImageFetcher fetcher;
    private final Duration answerSlack;
    private final Set<CompletableFuture<Answer>> inflight = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean closing;
    private volatile InetSocketAddress bound;

    private GogServer(HttpServer http, ExecutorService executor, AskHandler handler, ServerConfig config,
                      ImageFetcher fetcher, Duration answerSlack) {
        this.http = http;
        this.executor = executor;
        this.handler = handler;
        this.config = config;
        this.fetcher = fetcher;
        this.answerSlack = answerSlack;
    }

    /**
     * Binds and starts serving {@code engine}.
     *
     * @param engine the engine; not owned (close it after the server)
     * @param config where to listen and the limits
     * @return the running server, owned by the caller (close it)
     * @throws IOException if the address cannot be bound (in use, not local, unresolvable)
     * @throws NullPointerException if an argument is null
     */
    public static GogServer start(GogEngine engine, ServerConfig config) throws IOException {
        return start(new EngineAskHandler(Objects.requireNonNull(engine, "engine")), config, null, DEFAULT_ANSWER_SLACK);
    }

    /**
     * Binds and starts serving {@code handler}; for tests, which inject a fake engine and a
     * fetcher with a test resolver.
     *
     * @param fetcher the URL fetcher to use when {@link ServerConfig#fetchUrls()}, or null to
     *     build one from {@link ServerConfig#fetch()}; owned by the server from now on
     * @param answerSlack how long past a request's deadline to wait for the engine
     */
    static GogServer start(AskHandler handler, ServerConfig config, ImageFetcher fetcher, Duration answerSlack)
            throws IOException {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(answerSlack, "answerSlack");
        ImageFetcher f = null;
        if (config.fetchUrls()) f = fetcher != null ? fetcher : new ImageFetcher(config.fetch());
        else if (fetcher != null) fetcher.close();
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (address.isUnresolved()) {
            if (f != null) f.close();
            throw new IOException("cannot bind " + config.host() + ":" + config.port() + ": the host does not resolve");
        }
        HttpServer http;
        try {
            http = HttpServer.create(address, 0);
        } catch (IOException e) {
            if (f != null) f.close();
            throw new IOException("cannot bind " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("gog-http-", 0).factory());
        GogServer server = new GogServer(http, executor, handler, config, f, answerSlack);
        http.createContext("/", server::handle);
        http.setExecutor(executor);
        http.start();
        server.bound = http.getAddress();
        LOG.info("serving on http://{}:{} (max body {} bytes, URL fetching {})", config.host(), server.port(),
                config.maxBodyBytes(), config.fetchUrls() ? "on" : "off");
        return server;
    }

    /** The port the server listens on (the chosen one when the configuration said 0). */
    public int port() {
        return bound.getPort();
    }

    /** The address the server listens on. */
    public InetSocketAddress address() {
        return bound;
    }

    /** True once {@link #close()} has begun; for tests. */
    boolean closing() {
        return closing;
    }

    /** The configuration it was started with. */
    public ServerConfig config() {
        return config;
    }

    /**
     * Stops accepting connections, answers {@code /health} with 503 and new asks with 503, lets
     * in-flight requests finish for up to {@link ServerConfig#shutdownGrace()}, then cancels
     * what is left (those requests are answered 503), closes the connections and the URL
     * fetcher. Idempotent; does not close the engine. Blocks until done.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        closing = true;
        Duration grace = config.shutdownGrace();
        // HttpServer.stop closes the listener at once, returns as soon as no exchange is left and
        // force-closes connections after its (whole-second) delay: the grace, rounded up, plus a
        // second for the requests cancelled at the end of the grace to send their 503
        long stopSeconds = (grace.toMillis() + 999) / 1000 + 1;
        Thread stopper = Thread.ofVirtual().name("gog-http-stop").start(() -> http.stop((int) stopSeconds));
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            while (active.get() > 0 && System.nanoTime() < deadline) Thread.sleep(5);
            if (!inflight.isEmpty()) {
                LOG.warn("closing: cancelling {} request(s) still running after the {} ms grace", inflight.size(),
                        grace.toMillis());
                for (CompletableFuture<Answer> f : List.copyOf(inflight)) f.cancel(true);
            }
            stopper.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            for (CompletableFuture<Answer> f : List.copyOf(inflight)) f.cancel(true);
        }
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) LOG.warn("closing: handler threads still running");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (fetcher != null) fetcher.close();
        LOG.info("server on port {} closed", port());
    }

    // ---------------------------------------------------------------------------------------
    // dispatch

    private void handle(HttpExchange ex) {
        active.incrementAndGet();
        long start = System.nanoTime();
        String path = Objects.requireNonNullElse(ex.getRequestURI().getPath(), "");
        String endpoint = switch (path) {
            case "/v1/ask", "/health", "/metrics" -> path;
            default -> "other";
        };
        try {
            try {
                switch (endpoint) {
                    case "/v1/ask" -> ask(ex);
                    case "/health" -> health(ex);
                    case "/metrics" -> metrics(ex);
                    default -> throw new ApiError(404, "not_found",
                            "no such endpoint: " + path + " (the server has POST /v1/ask, GET /health, GET /metrics)");
                }
            } catch (ApiError e) {
                sendError(ex, e);
            }
        } catch (IOException e) {
            LOG.debug("{} {}: connection failed: {}", ex.getRequestMethod(), path, e.toString());
        } catch (RuntimeException e) {
            LOG.error("{} {}: internal error", ex.getRequestMethod(), path, e);
            if (ex.getResponseCode() == -1) {
                try {
                    sendError(ex, new ApiError(500, "internal", "internal server error; the server log has the details"));
                } catch (IOException ignored) {
                    // the client is gone
                }
            }
        } finally {
            ex.close();
            active.decrementAndGet();
            int status = ex.getResponseCode();
            record(endpoint, status == -1 ? "none" : Integer.toString(status), System.nanoTime() - start);
        }
    }

    /** Counts a request; {@code status} is the status sent, or {@code none} when the client went away first. */
    private void record(String endpoint, String status, long nanos) {
        try {
            Timer.builder("gog.http.server.requests")
                    .description("HTTP requests served, by endpoint and status")
                    .tag("endpoint", endpoint)
                    .tag("status", status)
                    .register(handler.meters())
                    .record(nanos, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            LOG.debug("cannot record the request metric", e);
        }
    }

    private void health(HttpExchange ex) throws IOException, ApiError {
        requireMethod(ex, "GET");
        boolean down = closing;
        ObjectNode body = JSON.createObjectNode().put("status", down ? "closing" : "ok");
        send(ex, down ? 503 : 200, JSON_TYPE, JSON.writeValueAsBytes(body));
    }

    private void metrics(HttpExchange ex) throws IOException, ApiError {
        requireMethod(ex, "GET");
        MeterRegistry registry = handler.meters();
        if (!(registry instanceof PrometheusMeterRegistry prometheus)) {
            throw new ApiError(404, "metrics_unavailable", "metrics are not available in Prometheus format: the engine's"
                    + " meter registry is " + (registry == null ? "missing" : registry.getClass().getSimpleName())
                    + ", not a PrometheusMeterRegistry");
        }
        send(ex, 200, PROMETHEUS_TYPE, prometheus.scrape().getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------------------------------
    // POST /v1/ask

    /** A parsed ask: the image bytes or its URL, the question, the option overrides. */
    private record AskRequest(byte[] image, String url, String question, Map<String, Long> options) {}

    private void ask(HttpExchange ex) throws IOException, ApiError {
        requireMethod(ex, "POST");
        if (closing) throw closingError();
        String type = mediaType(ex.getRequestHeaders().getFirst("Content-Type"));
        if (type == null) {
            throw new ApiError(415, "unsupported_media_type",
                    "missing Content-Type: send application/json, or image/jpeg or image/png with ?question=...");
        }
        AskRequest req = switch (type) {
            case "application/json" -> parseJson(readBody(ex));
            case "image/jpeg", "image/png" -> parseRaw(ex.getRequestURI().getRawQuery(), readBody(ex));
            default -> throw new ApiError(415, "unsupported_media_type", "unsupported Content-Type '" + type
                    + "': send application/json, or image/jpeg or image/png with ?question=...");
        };
        AskOptions options = options(req.options());
        byte[] image = req.image() != null ? req.image() : fetch(req.url());
        if (image.length == 0) throw new ApiError(400, "invalid_image", "the image is empty");

        CompletableFuture<Answer> future;
        try {
            future = handler.ask(image, req.question(), options);
        } catch (RuntimeException e) {
            throw failure(e);
        }
        inflight.add(future);
        try {
            if (closed.get()) future.cancel(true); // raced with close(): it may have missed this one
            Answer answer = future.get(options.deadline().toMillis() + answerSlack.toMillis(), TimeUnit.MILLISECONDS);
            send(ex, 200, JSON_TYPE, JSON.writeValueAsBytes(AnswerJson.toJson(answer)));
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        } catch (CancellationException e) {
            throw failure(e);
        } catch (TimeoutException e) {
            LOG.error("the engine did not answer within {} ms past the request's {} ms deadline; cancelling it",
                    answerSlack.toMillis(), options.deadline().toMillis());
            throw new ApiError(500, "internal", "internal server error: the engine did not answer in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw closingError();
        } finally {
            inflight.remove(future);
            if (!future.isDone()) future.cancel(true);
        }
    }

    private byte[] fetch(String url) throws ApiError {
        if (fetcher == null) {
            throw new ApiError(422, "url_fetch_disabled", "this server does not fetch image URLs (URL fetching is"
                    + " disabled); send the image as image.base64 or as a raw image/jpeg or image/png body");
        }
        try {
            return fetcher.fetch(url);
        } catch (FetchRefusedException e) {
            boolean refused = switch (e.reason()) {
                case BAD_URL, SCHEME, BLOCKED_ADDRESS, REDIRECTS, TOO_LARGE, CONTENT_TYPE -> true;
                case UNKNOWN_HOST, HTTP_STATUS, TIMEOUT, NETWORK -> false;
            };
            LOG.info("image URL {}: {} ({})", refused ? "refused" : "not fetched", e.getMessage(), e.reason());
            throw new ApiError(422, refused ? "url_refused" : "url_fetch_failed",
                    (refused ? "image URL refused: " : "image URL could not be fetched: ") + e.getMessage());
        }
    }

    /** Maps a failure of the engine (thrown or completing the future) to an error response. */
    private ApiError failure(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RejectedRequestException r) {
            return r.reason() == RejectedRequestException.Reason.OVERLOADED
                    ? new ApiError(503, "overloaded", "the server is busy: " + r.getMessage() + "; retry later", "Retry-After", "1")
                    : new ApiError(503, "closing", "the engine is closing: " + r.getMessage(), "Retry-After", "1");
        }
        if (t instanceof IllegalArgumentException) {
            return new ApiError(400, "invalid_input", "invalid request: " + t.getMessage());
        }
        if (t instanceof GogException g && isInputError(g.code())) {
            return new ApiError(400, "invalid_image", "the image cannot be used: " + g.getMessage());
        }
        if (t instanceof CancellationException && closing) return closingError();
        LOG.error("the engine failed a request", t);
        return new ApiError(500, "internal", "internal server error; the server log has the details");
    }

    private static boolean isInputError(GogErrorCode code) {
        return switch (code) {
            case INVALID_ARGUMENT, DECODE, UNSUPPORTED, LIMIT_EXCEEDED -> true;
            default -> false;
        };
    }

    private static ApiError closingError() {
        return new ApiError(503, "closing", "the server is shutting down", "Retry-After", "1");
    }

    private AskOptions options(Map<String, Long> overrides) throws ApiError {
        AskOptions o = handler.defaults();
        try {
            for (Map.Entry<String, Long> e : overrides.entrySet()) {
                long v = e.getValue();
                o = switch (e.getKey()) {
                    case "max_turns" -> o.withMaxTurns(toInt(e.getKey(), v));
                    case "max_searches" -> o.withMaxSearches(toInt(e.getKey(), v));
                    case "deadline_ms" -> o.withDeadline(Duration.ofMillis(v));
                    case "top_k" -> o.withTopK(toInt(e.getKey(), v));
                    default -> throw new IllegalStateException("unexpected option " + e.getKey());
                };
            }
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "invalid_option", "invalid options: " + e.getMessage());
        }
        return o;
    }

    private static int toInt(String name, long v) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new IllegalArgumentException(name + " is out of range: " + v);
        return (int) v;
    }

    private static AskRequest parseJson(byte[] body) throws ApiError {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "invalid_json", "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiError(400, "invalid_json", "the body is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new ApiError(400, "invalid_json", "the body must be a JSON object");
        unknownFields(root, JSON_FIELDS, "");
        JsonNode q = root.get("question");
        if (q == null || q.isNull()) throw new ApiError(400, "missing_field", "missing field 'question'");
        if (!q.isTextual()) throw new ApiError(400, "invalid_field", "'question' must be a string");
        String question = question(q.asText());

        JsonNode img = root.get("image");
        if (img == null || img.isNull()) {
            throw new ApiError(400, "missing_field", "missing field 'image' ({\"base64\": ...} or {\"url\": ...})");
        }
        if (!img.isObject()) throw new ApiError(400, "invalid_field", "'image' must be an object: {\"base64\": ...} or {\"url\": ...}");
        unknownFields(img, Set.of("base64", "url"), "image.");
        JsonNode b64 = img.get("base64");
        JsonNode url = img.get("url");
        if ((b64 == null) == (url == null)) {
            throw new ApiError(400, b64 == null ? "missing_field" : "invalid_field",
                    "'image' needs exactly one of 'base64' and 'url'");
        }
        byte[] image = null;
        String link = null;
        if (b64 != null) {
            if (!b64.isTextual()) throw new ApiError(400, "invalid_field", "'image.base64' must be a string");
            image = base64(b64.asText());
        } else {
            if (!url.isTextual() || url.asText().isBlank()) {
                throw new ApiError(400, "invalid_field", "'image.url' must be a non-empty string");
            }
            link = url.asText();
        }

        Map<String, Long> options = new LinkedHashMap<>();
        JsonNode opts = root.get("options");
        if (opts != null && !opts.isNull()) {
            if (!opts.isObject()) throw new ApiError(400, "invalid_field", "'options' must be an object");
            unknownFields(opts, OPTION_FIELDS, "options.");
            for (Iterator<Map.Entry<String, JsonNode>> it = opts.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                    throw new ApiError(400, "invalid_option", "'options." + e.getKey() + "' must be an integer");
                }
                options.put(e.getKey(), v.longValue());
            }
        }
        return new AskRequest(image, link, question, options);
    }

    private static void unknownFields(JsonNode node, Set<String> known, String prefix) throws ApiError {
        List<String> unknown = new ArrayList<>();
        node.fieldNames().forEachRemaining(n -> {
            if (!known.contains(n)) unknown.add("'" + prefix + n + "'");
        });
        if (!unknown.isEmpty()) {
            throw new ApiError(400, "invalid_field", "unknown field" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown));
        }
    }

    private static String question(String q) throws ApiError {
        if (q.isBlank()) throw new ApiError(400, "invalid_field", "'question' must not be blank");
        return q.strip();
    }

    private static byte[] base64(String text) throws ApiError {
        String s = text;
        if (s.startsWith("data:")) { // tolerate a data URL: data:image/png;base64,....
            int comma = s.indexOf(',');
            if (comma < 0 || !s.substring(0, comma).endsWith(";base64")) {
                throw new ApiError(400, "invalid_base64", "'image.base64' is a data URL without ';base64,'");
            }
            s = s.substring(comma + 1);
        }
        StringBuilder clean = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\n' && c != '\r' && c != ' ' && c != '\t') clean.append(c);
        }
        try {
            byte[] bytes = Base64.getDecoder().decode(clean.toString());
            if (bytes.length == 0) throw new ApiError(400, "invalid_image", "'image.base64' is empty");
            return bytes;
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "invalid_base64", "'image.base64' is not valid base64: " + e.getMessage());
        }
    }

    private static AskRequest parseRaw(String rawQuery, byte[] body) throws ApiError {
        Map<String, String> params = new LinkedHashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (params.put(name, value) != null) {
                    throw new ApiError(400, "invalid_field", "query parameter '" + name + "' is given twice");
                }
            }
        }
        List<String> unknown = new ArrayList<>();
        for (String name : params.keySet()) {
            if (!name.equals("question") && !OPTION_FIELDS.contains(name)) unknown.add("'" + name + "'");
        }
        if (!unknown.isEmpty()) {
            throw new ApiError(400, "invalid_field", "unknown query parameter" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + " (known: question, max_turns, max_searches, deadline_ms, top_k)");
        }
        String q = params.get("question");
        if (q == null) throw new ApiError(400, "missing_field", "missing query parameter 'question'");
        String question = question(q);
        Map<String, Long> options = new LinkedHashMap<>();
        for (String name : OPTION_FIELDS) {
            String v = params.get(name);
            if (v == null) continue;
            try {
                options.put(name, Long.parseLong(v.strip()));
            } catch (NumberFormatException e) {
                throw new ApiError(400, "invalid_option", "query parameter '" + name + "' must be an integer, got '" + v + "'");
            }
        }
        if (body.length == 0) throw new ApiError(400, "invalid_image", "the request body (the image) is empty");
        return new AskRequest(body, null, question, options);
    }

    private static String decode(String s) throws ApiError {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "invalid_field", "malformed percent-encoding in the query string: " + e.getMessage());
        }
    }

    /**
     * Reads the request body, refusing (413) a declared length over the limit before reading
     * and a counted one as soon as it passes the limit: never more than the limit is buffered.
     */
    private byte[] readBody(HttpExchange ex) throws IOException, ApiError {
        long max = config.maxBodyBytes();
        Headers h = ex.getRequestHeaders();
        String te = h.getFirst("Transfer-Encoding");
        String cl = h.getFirst("Content-Length");
        long declared = -1;
        if (te == null && cl != null) {
            try {
                declared = Long.parseLong(cl.strip());
            } catch (NumberFormatException e) {
                throw new ApiError(400, "bad_request", "malformed Content-Length: " + cl);
            }
            if (declared > max) throw tooLarge(max);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(max, declared >= 0 ? declared : 64 << 10));
        byte[] buf = new byte[64 << 10];
        long total = 0;
        try (InputStream in = ex.getRequestBody()) {
            while (true) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, max + 1 - total));
                if (n < 0) break;
                total += n;
                if (total > max) throw tooLarge(max);
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    private static ApiError tooLarge(long max) {
        // the rest of the body stays unread: close the connection after the answer
        return new ApiError(413, "payload_too_large", "the request body is over the limit of " + max + " bytes",
                "Connection", "close");
    }

    private static String mediaType(String header) {
        if (header == null) return null;
        int semi = header.indexOf(';');
        String t = (semi < 0 ? header : header.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        return t.isEmpty() ? null : t;
    }

    private static void requireMethod(HttpExchange ex, String method) throws ApiError {
        if (!ex.getRequestMethod().equals(method)) {
            throw new ApiError(405, "method_not_allowed",
                    ex.getRequestMethod() + " is not allowed on " + ex.getRequestURI().getPath() + "; use " + method,
                    "Allow", method);
        }
    }

    // ---------------------------------------------------------------------------------------
    // responses

    private static void sendError(HttpExchange ex, ApiError e) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode err = body.putObject("error");
        err.put("code", e.code);
        err.put("message", e.getMessage());
        for (int i = 0; i + 1 < e.headers.length; i += 2) ex.getResponseHeaders().set(e.headers[i], e.headers[i + 1]);
        send(ex, e.status, JSON_TYPE, JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }

    /** An error answered to the client: status, machine-readable code, message, extra headers. */
    private static final class ApiError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;
        final String[] headers;

        ApiError(int status, String code, String message, String... headers) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
            this.headers = headers;
        }
    }
}
