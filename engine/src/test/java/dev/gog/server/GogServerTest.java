package dev.gog.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.gog.bindings.GogErrorCode;
import dev.gog.bindings.GogException;
import dev.gog.runtime.Answer;
import dev.gog.runtime.RejectedRequestException;
import dev.gog.testing.TestData;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockWebServer;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link GogServer} over HTTP against a fake engine: every endpoint, status code and limit. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GogServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PHOTO = TestData.bytes("photos/sample-1.jpg");
    private static HttpClient client;

    private FakeAsk fake;
    private GogServer server;

    @BeforeAll
    static void client() {
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void closeClient() {
        client.close();
    }

    @BeforeEach
    void start() throws IOException {
        fake = new FakeAsk();
        server = start(base());
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private static ServerConfig base() {
        return ServerConfig.defaults().withAddress("127.0.0.1", 0).withShutdownGrace(Duration.ofMillis(200));
    }

    private GogServer start(ServerConfig cfg) throws IOException {
        return GogServer.start(fake, cfg, null, GogServer.DEFAULT_ANSWER_SLACK);
    }

    private void restart(ServerConfig cfg, ImageFetcher fetcher, Duration slack) throws IOException {
        server.close();
        server = GogServer.start(fake, cfg, fetcher, slack);
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }

    private HttpRequest.Builder req(String pathAndQuery) {
        return HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(10));
    }

    private static HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        return client.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postJson(String body) throws IOException, InterruptedException {
        return send(req("/v1/ask").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static String askBody(String question, byte[] image, String options) {
        ObjectNode o = JSON.createObjectNode();
        o.put("question", question);
        o.putObject("image").put("base64", Base64.getEncoder().encodeToString(image));
        String s = o.toString();
        return options == null ? s : s.substring(0, s.length() - 1) + ",\"options\":" + options + "}";
    }

    /** Asserts an error response: status, JSON error code, and returns the message. */
    private static String assertError(HttpResponse<String> r, int status, String code) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        JsonNode j = JSON.readTree(r.body());
        assertEquals(code, j.path("error").path("code").asText(), r.body());
        String message = j.path("error").path("message").asText();
        assertFalse(message.isBlank(), r.body());
        return message;
    }

    // ---------------------------------------------------------------- health, metrics, routing

    @Test
    void healthIsOk() throws Exception {
        HttpResponse<String> r = send(req("/health").GET().build());
        assertEquals(200, r.statusCode());
        assertEquals("ok", JSON.readTree(r.body()).get("status").asText());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
        assertError(send(req("/health").POST(HttpRequest.BodyPublishers.noBody()).build()), 405, "method_not_allowed");
    }

    @Test
    void metricsScrapeTheEngineRegistryAndCountRequests() throws Exception {
        fake.registry.counter("test.widgets").increment(3);
        send(req("/v1/ask").GET().build()); // a 405, counted
        // the server counts a request after its response is sent: poll until the 405 shows
        String counted = "gog_http_server_requests_seconds_count{endpoint=\"/v1/ask\",status=\"405\"} 1";
        HttpResponse<String> r = send(req("/metrics").GET().build());
        for (int i = 0; i < 100 && !r.body().contains(counted); i++) {
            Thread.sleep(20);
            r = send(req("/metrics").GET().build());
        }
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"), r.headers().toString());
        assertTrue(r.body().contains("test_widgets_total 3.0"), r.body());
        assertTrue(r.body().contains(counted), r.body());
    }

    @Test
    void metricsWithoutAPrometheusRegistryAre404() throws Exception {
        fake.registry = new SimpleMeterRegistry();
        String msg = assertError(send(req("/metrics").GET().build()), 404, "metrics_unavailable");
        assertTrue(msg.contains("PrometheusMeterRegistry"), msg);
    }

    @Test
    void unknownPathsAre404AndWrongMethods405() throws Exception {
        assertError(send(req("/v2/ask").GET().build()), 404, "not_found");
        assertError(send(req("/v1/ask/more").POST(HttpRequest.BodyPublishers.ofString("{}")).build()), 404, "not_found");
        assertError(send(req("/").GET().build()), 404, "not_found");
        HttpResponse<String> r = send(req("/v1/ask").GET().build());
        assertError(r, 405, "method_not_allowed");
        assertEquals("POST", r.headers().firstValue("Allow").orElseThrow());
        assertError(send(req("/metrics").DELETE().build()), 405, "method_not_allowed");
        assertTrue(fake.calls.isEmpty());
    }

    // ---------------------------------------------------------------- ask: success

    @Test
    void jsonAskAnswersWithTheAnswerJsonAndMergesOptions() throws Exception {
        HttpResponse<String> r = postJson(askBody("  What is this?  ", PHOTO, "{\"max_turns\": 3, \"deadline_ms\": 1500}"));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
        JsonNode j = JSON.readTree(r.body());
        assertEquals("a red bicycle", j.get("answer").asText());
        assertEquals("answered", j.get("outcome").asText());
        assertTrue(j.get("error").isNull());
        assertEquals("Red bicycle", j.get("evidence").get(0).get("title").asText());
        assertEquals(0.87, j.get("evidence").get(0).get("score").asDouble(), 1e-9);
        JsonNode trace = j.get("trace");
        assertEquals("r1", trace.get("request_id").asText());
        assertEquals(2, trace.get("steps").size());
        assertEquals("gaze", trace.get("steps").get(0).get("action").asText());
        assertEquals("[[1.0,2.0,30.0,40.0]]", trace.get("steps").get(0).get("boxes").toString());
        assertEquals(12.346, trace.get("total_ms").asDouble(), 1e-9);
        try (InputStream in = Files.newInputStream(TestData.repoDir().resolve("docs/schema/ask.schema.json"))) {
            var errors = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in).validate(j);
            assertTrue(errors.isEmpty(), "schema violations (docs/schema/ask.schema.json): " + errors);
        }

        assertEquals(1, fake.calls.size());
        FakeAsk.Call c = fake.calls.get(0);
        assertArrayEquals(PHOTO, c.image());
        assertEquals("What is this?", c.question());
        assertEquals(3, c.options().maxTurns());
        assertEquals(Duration.ofMillis(1500), c.options().deadline());
        assertEquals(fake.defaults.maxSearches(), c.options().maxSearches());
        assertEquals(fake.defaults.topK(), c.options().topK());
    }

    @Test
    void rawImageAskTakesTheQuestionAndOptionsFromTheQuery() throws Exception {
        HttpResponse<String> r = send(req("/v1/ask?question=What+is%20this%3F&top_k=7&max_searches=0")
                .header("Content-Type", "image/jpeg").POST(HttpRequest.BodyPublishers.ofByteArray(PHOTO)).build());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("a red bicycle", JSON.readTree(r.body()).get("answer").asText());
        FakeAsk.Call c = fake.calls.get(0);
        assertArrayEquals(PHOTO, c.image());
        assertEquals("What is this?", c.question());
        assertEquals(7, c.options().topK());
        assertEquals(0, c.options().maxSearches());
        assertEquals(fake.defaults.maxTurns(), c.options().maxTurns());

        byte[] png = TestData.bytes("photos/sample-2.jpg"); // the content type is the client's claim; the engine decodes
        assertEquals(200, send(req("/v1/ask?question=q").header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build()).statusCode());
        assertArrayEquals(png, fake.calls.get(1).image());
    }

    // ---------------------------------------------------------------- ask: client errors

    @Test
    void bodiesOverTheLimitAre413ByContentLengthAndByCount() throws Exception {
        restart(base().withMaxBodyBytes(1024), null, GogServer.DEFAULT_ANSWER_SLACK);
        byte[] exact = Arrays.copyOf(PHOTO, 1024);
        byte[] over = Arrays.copyOf(PHOTO, 1025);
        byte[] big = Arrays.copyOf(PHOTO, 8192);
        // the limit itself is allowed
        assertEquals(200, send(req("/v1/ask?question=q").header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(exact)).build()).statusCode());
        // declared too large: refused before reading
        assertError(send(req("/v1/ask?question=q").header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(over)).build()), 413, "payload_too_large");
        assertError(postJson(askBody("q", big, null)), 413, "payload_too_large");
        // chunked (no Content-Length): refused while counting
        for (byte[] body : List.of(over, big)) {
            HttpResponse<String> r = send(req("/v1/ask?question=q").header("Content-Type", "image/jpeg")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build());
            assertError(r, 413, "payload_too_large");
        }
        assertEquals(200, send(req("/v1/ask?question=q").header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(exact))).build()).statusCode());
        assertEquals(2, fake.calls.size(), "only the bodies within the limit reach the engine");
        assertArrayEquals(exact, fake.calls.get(1).image());
    }

    @Test
    void aDeclaredOversizeBodyIsRefusedBeforeItIsSent() throws Exception {
        // the client declares 1 GiB and sends none of it: the 413 comes anyway
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(10_000);
            RawResponse r = RawResponse.exchange(socket, "POST /v1/ask?question=q HTTP/1.1\r\nHost: test\r\n"
                    + "Content-Type: image/jpeg\r\nContent-Length: 1073741824\r\n\r\n");
            assertEquals(413, r.status(), r.body());
            assertEquals("payload_too_large", JSON.readTree(r.body()).get("error").get("code").asText());
        }
        assertTrue(fake.calls.isEmpty());
    }

    @Test
    void malformedRequestsAre400() throws Exception {
        String img = Base64.getEncoder().encodeToString(PHOTO);
        assertError(postJson("{\"question\": \"q\", \"image\": {\"base64\""), 400, "invalid_json");
        assertError(postJson("[1, 2]"), 400, "invalid_json");
        assertError(postJson(""), 400, "invalid_json");
        assertError(postJson("{\"question\":\"q\",\"image\":{\"base64\":\"" + img + "\"}} trailing"), 400, "invalid_json");
        assertTrue(assertError(postJson("{\"image\": {\"base64\": \"" + img + "\"}}"), 400, "missing_field").contains("question"));
        assertError(postJson("{\"question\": 5, \"image\": {\"base64\": \"" + img + "\"}}"), 400, "invalid_field");
        assertError(postJson("{\"question\": \"   \", \"image\": {\"base64\": \"" + img + "\"}}"), 400, "invalid_field");
        assertTrue(assertError(postJson("{\"question\": \"q\"}"), 400, "missing_field").contains("image"));
        assertError(postJson("{\"question\": \"q\", \"image\": {}}"), 400, "missing_field");
        assertError(postJson("{\"question\": \"q\", \"image\": {\"base64\": \"" + img + "\", \"url\": \"https://x.test/a.jpg\"}}"),
                400, "invalid_field");
        assertError(postJson("{\"question\": \"q\", \"image\": {\"base64\": \"@@not base64@@\"}}"), 400, "invalid_base64");
        assertError(postJson("{\"question\": \"q\", \"image\": {\"base64\": \"abcde\"}}"), 400, "invalid_base64");
        String unknown = assertError(postJson("{\"question\": \"q\", \"imgae\": {}, \"image\": {\"base64\": \"" + img + "\"}}"),
                400, "invalid_field");
        assertTrue(unknown.contains("imgae"), unknown);
        assertError(postJson(askBody("q", PHOTO, "{\"max_turns\": \"3\"}")), 400, "invalid_option");
        assertError(postJson(askBody("q", PHOTO, "{\"max_turns\": 2.5}")), 400, "invalid_option");
        String range = assertError(postJson(askBody("q", PHOTO, "{\"max_turns\": 0}")), 400, "invalid_option");
        assertTrue(range.contains("maxTurns"), range);
        assertError(postJson(askBody("q", PHOTO, "{\"top_k\": 1, \"budget\": 3}")), 400, "invalid_field");
        // raw bodies
        assertError(send(req("/v1/ask").header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(PHOTO)).build()), 400, "missing_field");
        assertError(send(req("/v1/ask?question=q&top_k=many").header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(PHOTO)).build()), 400, "invalid_option");
        assertError(send(req("/v1/ask?question=q&topk=3").header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.ofByteArray(PHOTO)).build()), 400, "invalid_field");
        assertError(send(req("/v1/ask?question=q").header("Content-Type", "image/jpeg")
                .POST(HttpRequest.BodyPublishers.noBody()).build()), 400, "invalid_image");
        assertTrue(fake.calls.isEmpty(), "no malformed request reaches the engine");
    }

    @Test
    void wrongContentTypesAre415() throws Exception {
        assertError(send(req("/v1/ask?question=q").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("hello")).build()), 415, "unsupported_media_type");
        assertError(send(req("/v1/ask?question=q").POST(HttpRequest.BodyPublishers.ofByteArray(PHOTO)).build()),
                415, "unsupported_media_type");
        assertEquals(200, send(req("/v1/ask").header("Content-Type", "Application/JSON; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(askBody("q", PHOTO, null))).build()).statusCode());
    }

    @Test
    void engineInputErrorsAre400() throws Exception {
        fake.behaviour = c -> CompletableFuture.failedFuture(new GogException(GogErrorCode.DECODE, "gog_image_decode", "not a JPEG"));
        assertTrue(assertError(postJson(askBody("q", PHOTO, null)), 400, "invalid_image").contains("not a JPEG"));
        fake.behaviour = c -> CompletableFuture.failedFuture(new IllegalArgumentException("question is too long"));
        assertTrue(assertError(postJson(askBody("q", PHOTO, null)), 400, "invalid_input").contains("too long"));
        fake.behaviour = c -> {
            throw new IllegalArgumentException("empty image");
        };
        assertError(postJson(askBody("q", PHOTO, null)), 400, "invalid_input");
    }

    // ---------------------------------------------------------------- ask: server side

    @Test
    void rejectionIs503WithRetryAfter() throws Exception {
        fake.behaviour = c -> CompletableFuture.failedFuture(
                new RejectedRequestException(RejectedRequestException.Reason.OVERLOADED, "queue full"));
        HttpResponse<String> r = postJson(askBody("q", PHOTO, null));
        assertError(r, 503, "overloaded");
        assertEquals("1", r.headers().firstValue("Retry-After").orElseThrow());
        fake.behaviour = c -> {
            throw new RejectedRequestException(RejectedRequestException.Reason.CLOSED, "closed");
        };
        r = postJson(askBody("q", PHOTO, null));
        assertError(r, 503, "closing");
        assertEquals("1", r.headers().firstValue("Retry-After").orElseThrow());
    }

    @Test
    void unexpectedEngineFailuresAre500WithoutDetails() throws Exception {
        fake.behaviour = c -> CompletableFuture.failedFuture(new IllegalStateException("secret internal detail"));
        String msg = assertError(postJson(askBody("q", PHOTO, null)), 500, "internal");
        assertFalse(msg.contains("secret"), msg);
        fake.behaviour = c -> CompletableFuture.failedFuture(new GogException(GogErrorCode.CUDA, "gog_encode", "device lost"));
        assertError(postJson(askBody("q", PHOTO, null)), 500, "internal");
    }

    @Test
    void anEngineThatMissesItsDeadlineIsCancelledAnd500() throws Exception {
        restart(base(), null, Duration.ofMillis(100));
        fake.behaviour = c -> null; // never completes
        HttpResponse<String> r = postJson(askBody("q", PHOTO, "{\"deadline_ms\": 50}"));
        assertError(r, 500, "internal");
        CompletableFuture<Answer> f = fake.calls.get(0).future();
        assertTrue(f.isCancelled(), "the engine's future is cancelled when the exchange ends without it");
    }

    @Test
    void closingCancelsInFlightRequestsAndAnswers503() throws Exception {
        fake.behaviour = c -> null; // never completes
        CompletableFuture<HttpResponse<String>> pending = client.sendAsync(req("/v1/ask")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(askBody("q", PHOTO, null))).build(),
                HttpResponse.BodyHandlers.ofString());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (fake.calls.isEmpty() && System.nanoTime() < until) Thread.sleep(5);
        assertEquals(1, fake.calls.size(), "the request reached the engine");
        server.close();
        assertTrue(fake.calls.get(0).future().isCancelled(), "close cancels what is still running after the grace");
        HttpResponse<String> r = pending.get(10, TimeUnit.SECONDS);
        assertError(r, 503, "closing");
        server = null;
    }

    @Test
    void whileClosingHealthAndNewAsksAre503OnOpenConnections() throws Exception {
        restart(base().withShutdownGrace(Duration.ofMillis(500)), null, GogServer.DEFAULT_ANSWER_SLACK);
        fake.behaviour = c -> null; // never completes
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(10_000);
            RawResponse ok = RawResponse.exchange(socket, "GET /health HTTP/1.1\r\nHost: test\r\n\r\n");
            assertEquals(200, ok.status(), ok.body());
            CompletableFuture<HttpResponse<String>> pending = client.sendAsync(req("/v1/ask")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(askBody("q", PHOTO, null))).build(),
                    HttpResponse.BodyHandlers.ofString());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (fake.calls.isEmpty() && System.nanoTime() < until) Thread.sleep(5);
            GogServer closingServer = server;
            Thread closer = Thread.ofVirtual().start(closingServer::close);
            while (!closingServer.closing() && System.nanoTime() < until) Thread.sleep(1);
            RawResponse health = RawResponse.exchange(socket, "GET /health HTTP/1.1\r\nHost: test\r\n\r\n");
            assertEquals(503, health.status(), health.body());
            assertEquals("closing", JSON.readTree(health.body()).get("status").asText());
            String body = askBody("q", PHOTO, null);
            RawResponse ask = RawResponse.exchange(socket, "POST /v1/ask HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body);
            assertEquals(503, ask.status(), ask.body());
            assertEquals("closing", JSON.readTree(ask.body()).get("error").get("code").asText());
            assertFalse(fake.calls.get(0).future().isDone(), "the in-flight request runs on during the grace");
            closer.join(10_000);
            assertFalse(closer.isAlive());
            assertTrue(fake.calls.get(0).future().isCancelled());
            assertError(pending.get(10, TimeUnit.SECONDS), 503, "closing");
            assertEquals(1, fake.calls.size());
            server = null;
        }
    }

    /** A response read off a raw keep-alive socket (Content-Length bodies only). */
    private record RawResponse(int status, String body) {
        static RawResponse exchange(Socket s, String request) throws IOException {
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) throw new IOException("connection closed after: " + head);
                head.append((char) c);
            }
            int status = Integer.parseInt(head.substring(9, 12));
            int length = 0;
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).strip());
                }
            }
            return new RawResponse(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }
    }

    // ---------------------------------------------------------------- ask by URL

    @Test
    void urlImagesAre422WhenFetchingIsOff() throws Exception {
        String msg = assertError(postJson("{\"question\": \"q\", \"image\": {\"url\": \"https://example.com/a.jpg\"}}"),
                422, "url_fetch_disabled");
        assertTrue(msg.contains("disabled"), msg);
        assertTrue(fake.calls.isEmpty());
    }

    @Test
    void urlImagesAreFetchedThroughTheGuard() throws Exception {
        try (MockWebServer web = new MockWebServer()) {
            web.start(InetAddress.getLoopbackAddress(), 0);
            web.enqueue(new okhttp3.mockwebserver.MockResponse().setHeader("Content-Type", "image/jpeg")
                    .setBody(new Buffer().write(PHOTO)));
            ImageFetcher fetcher = new ImageFetcher(ImageFetcher.Config.defaults(),
                    host -> List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})), true);
            restart(base().withFetchUrls(true), fetcher, GogServer.DEFAULT_ANSWER_SLACK);
            HttpResponse<String> r = postJson("{\"question\": \"q\", \"image\": {\"url\": \"http://images.example.test:"
                    + web.getPort() + "/photo.jpg\"}}");
            assertEquals(200, r.statusCode(), r.body());
            assertArrayEquals(PHOTO, fake.calls.get(0).image());
            assertEquals("/photo.jpg", web.takeRequest(5, TimeUnit.SECONDS).getPath());

            String msg = assertError(postJson("{\"question\": \"q\", \"image\": {\"url\": \"http://10.1.2.3/x.jpg\"}}"),
                    422, "url_refused");
            assertTrue(msg.contains("10.1.2.3") && msg.contains("private"), msg);
            assertError(postJson("{\"question\": \"q\", \"image\": {\"url\": \"file:///etc/passwd\"}}"), 422, "url_refused");
            assertEquals(1, fake.calls.size());
        }
    }

    @Test
    void requestSchemaAcceptsValidBodiesAndRejectsInvalidOnes() throws Exception {
        var schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(Files.readString(TestData.repoDir().resolve("docs/schema/ask-request.schema.json")));
        assertTrue(schema.validate(JSON.readTree(askBody("q", new byte[] {1, 2, 3}, "{\"max_turns\": 3, \"deadline_ms\": 500}"))).isEmpty());
        assertTrue(schema.validate(JSON.readTree("{\"question\": \"q\", \"image\": {\"url\": \"https://example.com/a.png\"}}")).isEmpty());
        for (String bad : List.of(
                "{\"image\": {\"base64\": \"AQID\"}}",
                "{\"question\": \"q\", \"image\": {}}",
                "{\"question\": \"q\", \"image\": {\"base64\": \"AQID\", \"url\": \"https://example.com/a.png\"}}",
                "{\"question\": \"q\", \"image\": {\"url\": \"file:///etc/passwd\"}}",
                "{\"question\": \"q\", \"image\": {\"base64\": \"AQID\"}, \"options\": {\"max_turns\": 0}}",
                "{\"question\": \"q\", \"image\": {\"base64\": \"AQID\"}, \"extra\": 1}")) {
            assertFalse(schema.validate(JSON.readTree(bad)).isEmpty(), "schema accepts " + bad);
        }
    }
}
