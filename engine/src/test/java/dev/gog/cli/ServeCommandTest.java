package dev.gog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.gog.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code gog serve} in-process with the tiny model and the corpus index: the real engine behind HTTP. */
@Timeout(120)
class ServeCommandTest {
    @TempDir
    Path tmp;

    @Test
    void servesAskHealthAndMetricsWithTheRealEngine() throws Exception {
        Path index = tmp.resolve("idx");
        Run r = Run.gog("index", TestData.path("corpus").toString(), "--model", TestData.path("models/tiny-clip").toString(),
                "--out", index.toString());
        assertEquals(0, r.exit(), r.err());
        CountDownLatch listening = new CountDownLatch(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStream watch = new OutputStream() {
            @Override
            public synchronized void write(int b) {
                out.write(b);
                if (b == '\n') listening.countDown();
            }
        };
        ServeCommand.stop = new CountDownLatch(1);
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = Thread.ofPlatform().start(() -> exit.set(Main.run(new String[] {"serve", "--index", index.toString(), "--port", "0"},
                new PrintStream(watch, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))));
        try {
            assertTrue(listening.await(60, TimeUnit.SECONDS), "server did not start");
            JsonNode started = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
            String base = started.get("listening").asText();
            assertTrue(base.startsWith("http://127.0.0.1:"), base);
            assertEquals("builtin", started.get("policy").asText());
            HttpClient http = HttpClient.newHttpClient();
            byte[] photo = Files.readAllBytes(TestData.path("photos/sample-3.jpg"));
            String q = URLEncoder.encode("Who commissioned this building?", StandardCharsets.UTF_8);
            HttpResponse<String> raw = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/ask?question=" + q))
                    .header("Content-Type", "image/jpeg").POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, raw.statusCode(), raw.body());
            JsonSchema schema;
            try (InputStream in = Files.newInputStream(TestData.repoDir().resolve("docs/schema/ask.schema.json"))) {
                schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
            }
            JsonNode a = new ObjectMapper().readTree(raw.body());
            assertTrue(schema.validate(a).isEmpty(), schema.validate(a) + " in " + raw.body());
            assertEquals("answered", a.get("outcome").asText());
            String json = "{\"question\": \"What is this building dedicated to?\", \"image\": {\"base64\": \""
                    + Base64.getEncoder().encodeToString(Files.readAllBytes(TestData.path("photos/sample-2.jpg")))
                    + "\"}, \"options\": {\"max_turns\": 2}}";
            HttpResponse<String> js = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/ask"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, js.statusCode(), js.body());
            JsonNode b = new ObjectMapper().readTree(js.body());
            assertTrue(b.get("trace").get("turns").asInt() <= 2, js.body());
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("gog_request_latency_seconds_count"), metrics.body());
            assertTrue(metrics.body().contains("gog_batch_size"), metrics.body());
            HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/ask?question=" + q))
                    .header("Content-Type", "image/jpeg").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3, 4, 5, 6})).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, bad.statusCode(), bad.body());
        } finally {
            ServeCommand.stop.countDown();
            t.join(30_000);
            ServeCommand.stop = null;
        }
        assertEquals(0, exit.get());
    }
}
