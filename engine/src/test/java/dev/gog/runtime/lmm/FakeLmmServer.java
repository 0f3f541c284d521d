package dev.gog.runtime.lmm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A fake OpenAI-compatible chat completions server on 127.0.0.1: replays scripted replies in
 * order (or answers every request with a function), and records each request's path,
 * {@code Authorization} header and JSON body.
 */
final class FakeLmmServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** How the server answers one request. */
    sealed interface Reply {}

    /** A complete response. */
    record Full(int status, String body) implements Reply {}

    /** Never answers (until the server closes). */
    record Hang() implements Reply {}

    /** Sends 200 headers, then a byte every 20 ms until the client goes away (counts down {@link #clientGone}). */
    record Trickle() implements Reply {}

    /** A request as the server saw it. */
    record Recorded(String path, String authorization, JsonNode body) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-lmm");
        t.setDaemon(true);
        return t;
    });
    private final Deque<Reply> script = new ArrayDeque<>();
    private volatile Function<JsonNode, Reply> responder;
    final List<Recorded> requests = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch clientGone = new CountDownLatch(1);
    final CountDownLatch received = new CountDownLatch(1);

    FakeLmmServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The base URL, ending in /v1. */
    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
    }

    synchronized FakeLmmServer then(Reply r) {
        script.add(r);
        return this;
    }

    /** Replies 200 with a chat completion whose message is {@code message}. */
    FakeLmmServer reply(ObjectNode message, String finishReason) {
        return then(new Full(200, completion(message, finishReason)));
    }

    /** Replies 200 with a text message. */
    FakeLmmServer text(String content, String finishReason) {
        return reply(message(content), finishReason);
    }

    /** Replies 200 with tool calls {@code (name, argumentsJson)} pairs. */
    FakeLmmServer tools(String content, String... nameArgs) {
        ObjectNode m = message(content);
        ArrayNode calls = m.putArray("tool_calls");
        for (int i = 0; i < nameArgs.length; i += 2) {
            ObjectNode c = calls.addObject();
            c.put("id", "chatcmpl-tool-" + i);
            c.put("type", "function");
            c.putObject("function").put("name", nameArgs[i]).put("arguments", nameArgs[i + 1]);
        }
        return reply(m, "tool_calls");
    }

    /** Answers every request (instead of the script) with {@code fn} of its body. */
    void respondWith(Function<JsonNode, Reply> fn) {
        responder = fn;
    }

    static ObjectNode message(String content) {
        ObjectNode m = F.objectNode();
        m.put("role", "assistant");
        if (content == null) m.putNull("content");
        else m.put("content", content);
        return m;
    }

    static String completion(ObjectNode message, String finishReason) {
        ObjectNode root = F.objectNode();
        root.put("id", "chatcmpl-1");
        root.put("object", "chat.completion");
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("message", message);
        choice.put("finish_reason", finishReason);
        root.putObject("usage").put("prompt_tokens", 100).put("completion_tokens", 20);
        return root.toString();
    }

    /** The recorded request {@code i}. */
    Recorded request(int i) {
        return requests.get(i);
    }

    private synchronized Reply next(JsonNode body) {
        Function<JsonNode, Reply> fn = responder;
        if (fn != null) return fn.apply(body);
        Reply r = script.poll();
        if (r == null) throw new IllegalStateException("the fake LMM server has no scripted reply left");
        return r;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] in = ex.getRequestBody().readAllBytes();
            JsonNode body;
            try {
                body = JSON.readTree(in);
            } catch (IOException e) {
                body = F.textNode(new String(in, StandardCharsets.UTF_8));
            }
            requests.add(new Recorded(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Authorization"), body));
            received.countDown();
            Reply r;
            try {
                r = next(body);
            } catch (IllegalStateException e) {
                r = new Full(500, "{\"error\":\"" + e.getMessage() + "\"}");
            }
            switch (r) {
                case Full f -> {
                    byte[] b = f.body().getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    ex.sendResponseHeaders(f.status(), b.length == 0 ? -1 : b.length);
                    try (OutputStream os = ex.getResponseBody()) {
                        os.write(b);
                    }
                }
                case Hang h -> Thread.sleep(60_000);
                case Trickle t -> {
                    ex.sendResponseHeaders(200, 0);
                    OutputStream os = ex.getResponseBody();
                    try {
                        for (int i = 0; i < 3000; i++) {
                            os.write(' ');
                            os.flush();
                            Thread.sleep(20);
                        }
                    } catch (IOException e) {
                        clientGone.countDown();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client went away
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
