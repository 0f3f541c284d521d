package dev.gog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.gog.model.Encoder;
import dev.gog.runtime.BuiltinPolicy;
import dev.gog.runtime.GogConfig;
import dev.gog.runtime.GogEngine;
import dev.gog.search.SearchProvider;
import dev.gog.search.SearchQuery;
import dev.gog.search.SearchResponse;
import dev.gog.search.SearchResult;
import dev.gog.testing.TestData;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The public entry point: {@link GogServer#start(GogEngine, ServerConfig)} over a real engine with tiny-clip. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GogServerEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Answers every query with one fixed result. */
    private static final class OneResult implements SearchProvider {
        @Override
        public String name() {
            return "one";
        }

        @Override
        public Set<Capability> capabilities() {
            return EnumSet.of(Capability.IMAGE_BY_EMBEDDING, Capability.TEXT);
        }

        @Override
        public CompletableFuture<SearchResponse> search(SearchQuery query) {
            SearchResult r = new SearchResult("Fort Manoel", "https://example.org/Fort_Manoel",
                    "Fort Manoel is a star fort in Malta.", null, null, 0.9, "one");
            return CompletableFuture.completedFuture(new SearchResponse(List.of(r), "one", Duration.ofMillis(1), false));
        }

        @Override
        public void close() {}
    }

    @Test
    void servesARealEngine() throws Exception {
        byte[] photo = TestData.bytes("photos/sample-3.jpg");
        OneResult provider = new OneResult();
        try (Encoder encoder = Encoder.load(TestData.path("models/tiny-clip"));
             GogEngine engine = GogEngine.create(GogConfig.builder().encoder(encoder, false)
                     .policy(new BuiltinPolicy(), true).providers(provider, provider, false).build());
             GogServer server = GogServer.start(engine, ServerConfig.defaults().withAddress("127.0.0.1", 0));
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            String base = "http://127.0.0.1:" + server.port();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/ask?question=Where%20is%20this%3F&max_turns=3"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "image/jpeg")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(photo)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode j = JSON.readTree(r.body());
            try (InputStream in = Files.newInputStream(TestData.repoDir().resolve("docs/schema/ask.schema.json"))) {
                var errors = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in).validate(j);
                assertTrue(errors.isEmpty(), "schema violations: " + errors + "\n" + r.body());
            }
            assertTrue(j.get("trace").get("turns").asInt() <= 3, r.body());
            assertTrue(j.get("trace").get("steps").size() >= 1, r.body());

            // bytes that are not an image: the engine's decode error is the client's fault
            r = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/ask?question=q"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "image/jpeg")
                    .POST(HttpRequest.BodyPublishers.ofByteArray("not a jpeg at all".getBytes())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("invalid_image", JSON.readTree(r.body()).get("error").get("code").asText(), r.body());

            // the server counts a request after its response is sent: poll until the 400 shows
            String counted = "gog_http_server_requests_seconds_count{endpoint=\"/v1/ask\",status=\"400\"} 1";
            r = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString());
            for (int i = 0; i < 100 && !r.body().contains(counted); i++) {
                Thread.sleep(20);
                r = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).GET().build(), HttpResponse.BodyHandlers.ofString());
            }
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("gog_http_server_requests_seconds_count{endpoint=\"/v1/ask\",status=\"200\"} 1"), r.body());
            assertTrue(r.body().contains("gog_http_server_requests_seconds_count{endpoint=\"/v1/ask\",status=\"400\"} 1"), r.body());
        }
    }
}
