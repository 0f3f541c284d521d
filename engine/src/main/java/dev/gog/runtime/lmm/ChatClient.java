package dev.gog.runtime.lmm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import dev.gog.search.web.CappedBody;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of an OpenAI-compatible chat completions endpoint ({@code POST {base}/chat/completions},
 * as served by vLLM, SGLang or OpenAI), on the JDK's {@link HttpClient}: asynchronous, one
 * time-out per call that bounds the whole exchange (headers and body), a cap on the response
 * size, and cancellation that aborts the exchange in flight. Every failure is an
 * {@link LmmException} naming the endpoint (plus the status and a short body excerpt for a
 * non-2xx answer). The API key is sent as {@code Authorization: Bearer} and never logged or put
 * in a message. Thread-safe; one client serves any number of concurrent calls.
 */
public final class ChatClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChatClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EXCERPT_CHARS = 300;
    private static final java.util.regex.Pattern BASE64_DATA = java.util.regex.Pattern.compile("base64,[A-Za-z0-9+/=]{8,}");

    /** The default cap on a response body: 4 MiB. */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 4L << 20;

    private final URI endpoint;
    private final String apiKey;
    private final long maxResponseBytes;
    private final HttpClient http;

    /**
     * A client of {@code baseUrl + "/chat/completions"}.
     *
     * @param baseUrl the API's base URL, e.g. {@code http://localhost:8000/v1} (http or https)
     * @param apiKey the bearer token, or null (or blank) to send none
     * @param maxResponseBytes a larger response body fails the call, &gt;= 1
     * @param connectTimeout the time-out for opening a connection (positive)
     * @throws IllegalArgumentException if the URL is not absolute http(s), or a limit is not positive
     * @throws NullPointerException if {@code baseUrl} or {@code connectTimeout} is null
     */
    public ChatClient(URI baseUrl, String apiKey, long maxResponseBytes, Duration connectTimeout) {
        this.endpoint = endpoint(baseUrl);
        this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
        if (maxResponseBytes < 1) throw new IllegalArgumentException("maxResponseBytes must be >= 1, got " + maxResponseBytes);
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, got " + connectTimeout);
        }
        this.maxResponseBytes = maxResponseBytes;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .build();
    }

    /**
     * {@code baseUrl} + {@code /chat/completions}.
     *
     * @throws IllegalArgumentException if the URL is not absolute http(s)
     */
    static URI endpoint(URI baseUrl) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String scheme = baseUrl.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("LMM base URL must be an absolute http(s) URL like http://host:8000/v1, got "
                    + baseUrl);
        }
        String s = baseUrl.toString();
        while (s.endsWith("/")) s = s.substring(0, s.length() - 1);
        return URI.create(s + "/chat/completions");
    }

    /** The URL calls go to. */
    public URI endpoint() {
        return endpoint;
    }

    /** Whether calls carry an {@code Authorization} header. */
    public boolean hasApiKey() {
        return apiKey != null;
    }

    /**
     * Sends one chat completion request.
     *
     * @param body the request body ({@code model}, {@code messages}, ...); serialised at once, not
     *     retained
     * @param timeout the limit for the whole exchange, from sending to the last body byte (positive)
     * @return a future of the first choice, owned by the caller; it completes exceptionally with an
     *     {@link LmmException} on any failure. Cancelling it aborts the exchange.
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public CompletableFuture<ChatResponse> complete(ObjectNode body, Duration timeout) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        CompletableFuture<ChatResponse> result = new CompletableFuture<>();
        byte[] payload;
        try {
            payload = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            result.completeExceptionally(new LmmException("cannot serialise the request to " + endpoint + ": "
                    + e.getOriginalMessage(), e));
            return result;
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(payload));
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> exchange;
        try {
            exchange = http.sendAsync(b.build(), info -> new CappedBody(maxResponseBytes,
                    info.headers().firstValueAsLong("Content-Length").orElse(-1)));
        } catch (RuntimeException e) { // a closed client
            result.completeExceptionally(new LmmException("cannot call " + endpoint + ": " + e, e));
            return result;
        }
        LOG.debug("POST {}: {} request bytes, timeout {} ms", endpoint, payload.length, timeout.toMillis());
        // HttpRequest.timeout bounds the wait for the headers; this bounds the body as well
        AtomicBoolean timedOut = new AtomicBoolean();
        CompletableFuture.delayedExecutor(timeout.toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
            if (!exchange.isDone()) {
                timedOut.set(true);
                exchange.cancel(true);
            }
        });
        result.whenComplete((v, e) -> {
            if (result.isCancelled()) exchange.cancel(true);
        });
        exchange.whenComplete((resp, err) -> {
            if (result.isDone()) return;
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            try {
                if (err != null) throw failure(err, timedOut.get(), timeout);
                int status = resp.statusCode();
                LOG.debug("POST {} -> HTTP {}: {} response bytes in {} ms", endpoint, status, resp.body().length, ms);
                if (status < 200 || status >= 300) {
                    throw new LmmException("LMM call to " + endpoint + " failed: HTTP " + status + excerpt(resp.body()),
                            status, null);
                }
                result.complete(parse(resp.body()));
            } catch (LmmException e) {
                result.completeExceptionally(e);
            } catch (RuntimeException e) {
                result.completeExceptionally(new LmmException("LMM call to " + endpoint + " failed: " + e, e));
            }
        });
        return result;
    }

    private LmmException failure(Throwable err, boolean timedOut, Duration timeout) {
        Throwable e = err;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) e = e.getCause();
        if (timedOut || e instanceof HttpTimeoutException) {
            return new LmmException("LMM call to " + endpoint + " timed out after " + timeout.toMillis() + " ms", e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CappedBody.TooLargeException) {
                return new LmmException("LMM response from " + endpoint + " is over the cap of " + maxResponseBytes
                        + " bytes", e);
            }
        }
        if (e instanceof ConnectException) {
            return new LmmException("cannot connect to the LMM server at " + endpoint + ": " + e, e);
        }
        return new LmmException("LMM call to " + endpoint + " failed: " + e, e);
    }

    /** Parses the first choice of a chat completion body. */
    ChatResponse parse(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new LmmException("LMM response from " + endpoint + " is not JSON" + excerpt(body), e);
        }
        JsonNode choices = root == null ? null : root.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty() || !choices.get(0).isObject()) {
            throw new LmmException("LMM response from " + endpoint + " has no choices" + excerpt(body), null);
        }
        JsonNode choice = choices.get(0);
        JsonNode msg = choice.path("message");
        String content = text(msg.get("content"));
        String reasoning = text(msg.get("reasoning_content"));
        if (reasoning == null) reasoning = text(msg.get("reasoning"));
        List<ChatResponse.ToolCall> calls = new ArrayList<>();
        JsonNode tc = msg.get("tool_calls");
        if (tc != null && tc.isArray()) {
            for (JsonNode c : tc) {
                JsonNode fn = c.path("function");
                JsonNode args = fn.get("arguments");
                String a = args == null || args.isNull() ? "" : args.isTextual() ? args.asText() : args.toString();
                calls.add(new ChatResponse.ToolCall(c.path("id").asText(""), fn.path("name").asText(""), a));
            }
        }
        String finish = choice.hasNonNull("finish_reason") ? choice.get("finish_reason").asText() : null;
        JsonNode usage = root.path("usage");
        return new ChatResponse(content, reasoning, calls, finish, usage.path("prompt_tokens").asInt(-1),
                usage.path("completion_tokens").asInt(-1), body.length);
    }

    /** A content field as text: a string, or the text parts of an array; null when absent. */
    private static String text(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        if (n.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode p : n) {
                if (p.isTextual()) sb.append(p.asText());
                else if (p.path("text").isTextual()) sb.append(p.get("text").asText());
            }
            return sb.toString();
        }
        return n.toString();
    }

    /** A short, one-line excerpt of a body for a message, with image data and the API key masked. */
    private String excerpt(byte[] body) {
        if (body == null || body.length == 0) return "";
        String s = new String(body, 0, Math.min(body.length, EXCERPT_CHARS * 4), StandardCharsets.UTF_8).strip();
        s = BASE64_DATA.matcher(s.replaceAll("\\s+", " ")).replaceAll("base64,...");
        if (apiKey != null) s = s.replace(apiKey, "***");
        if (s.length() > EXCERPT_CHARS) s = s.substring(0, EXCERPT_CHARS) + "...";
        return s.isEmpty() ? "" : ": " + s;
    }

    /** Shuts the HTTP client down, aborting exchanges in flight; idempotent. */
    @Override
    public void close() {
        http.shutdownNow();
    }

    @Override
    public String toString() {
        return "ChatClient[" + endpoint + (apiKey != null ? ", with API key" : "") + "]";
    }
}
