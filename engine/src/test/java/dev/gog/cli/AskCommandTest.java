package dev.gog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.gog.testing.TestData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gog ask} end to end, as the README's main job runs it: an embedded index built from
 * testdata/corpus with the tiny CLIP model, then the built-in policy on the three infoseek photos.
 */
@Timeout(180)
class AskCommandTest {
    @TempDir
    static Path tmp;

    static Path index;
    static JsonSchema schema;
    static final String CLIP = TestData.path("models/tiny-clip").toString();

    @BeforeAll
    static void buildIndex() throws IOException {
        index = tmp.resolve("corpus-index");
        Run r = Run.gog("index", TestData.path("corpus").toString(), "--model", CLIP, "--out", index.toString());
        assertEquals(0, r.exit(), r.err());
        try (InputStream in = Files.newInputStream(TestData.repoDir().resolve("docs/schema/ask.schema.json"))) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    static JsonNode json(Run r) throws IOException {
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode j = new ObjectMapper().readTree(r.out());
        Set<ValidationMessage> errors = schema.validate(j);
        assertTrue(errors.isEmpty(), "schema violations: " + errors + " in " + r.out());
        return j;
    }

    @Test
    void theCorpusHoldsNoQueryPhoto() throws Exception {
        Set<String> photos = new HashSet<>();
        for (int i = 1; i <= 3; i++) photos.add(sha(Files.readAllBytes(TestData.path("photos/sample-" + i + ".jpg"))));
        try (Stream<Path> files = Files.walk(TestData.path("corpus"))) {
            List<Path> images = files.filter(p -> p.toString().matches(".*\\.(png|jpe?g)$")).toList();
            assertTrue(images.size() >= 20, "corpus has " + images.size() + " images");
            for (Path p : images) {
                assertFalse(photos.contains(sha(Files.readAllBytes(p))), p + " is a query photo");
                assertFalse(p.getFileName().toString().startsWith("sample-"), p.toString());
            }
        }
    }

    @Test
    void answersEveryInfoseekPhotoFromTheEvidenceInItsTrace() throws IOException {
        JsonNode samples = new ObjectMapper().readTree(TestData.path("photos/samples.json").toFile());
        for (JsonNode s : samples) {
            Path photo = TestData.path("photos/" + s.get("image").asText());
            String question = s.get("question").asText();
            JsonNode j = json(Run.gog("ask", "--index", index.toString(), "--image", photo.toString(), "--question", question, "--json"));
            assertEquals("answered", j.get("outcome").asText(), j.toString());
            String answer = j.get("answer").asText();
            assertFalse(answer.isBlank());
            JsonNode steps = j.get("trace").get("steps");
            assertEquals("image_search", steps.get(0).get("action").asText(), "glance first");
            assertEquals("answer", steps.get(steps.size() - 1).get("action").asText());
            boolean text = false;
            for (JsonNode st : steps) text |= st.get("action").asText().equals("text_search");
            assertTrue(text, "a text search ran: " + steps);
            // the answer is drawn from the evidence, and the evidence from the trace
            JsonNode ev = j.get("evidence");
            assertTrue(ev.size() > 0);
            String a = answer.toLowerCase(Locale.ROOT);
            boolean supported = false;
            for (JsonNode e : ev) {
                supported |= e.get("title").asText().toLowerCase(Locale.ROOT).contains(a)
                        || e.get("snippet").asText().toLowerCase(Locale.ROOT).contains(a);
                JsonNode step = steps.get(e.get("step").asInt());
                boolean inStep = false;
                for (JsonNode r : step.get("results")) inStep |= r.equals(e);
                assertTrue(inStep, "evidence " + e + " is not among step " + e.get("step") + "'s results");
            }
            assertTrue(supported, "answer '" + answer + "' not found in its evidence " + ev);
            // gaze boxes lie inside the photo
            for (JsonNode st : steps) {
                for (JsonNode b : st.get("boxes")) {
                    assertTrue(b.get(0).asDouble() >= 0 && b.get(1).asDouble() >= 0 && b.get(2).asDouble() <= 800 && b.get(3).asDouble() <= 600, b.toString());
                }
            }
        }
    }

    @Test
    void readableOutputShowsTheAnswerEvidenceAndTrace() {
        Run r = Run.gog("ask", "--index", index.toString(), "--image", TestData.path("photos/sample-3.jpg").toString(),
                "--question", "Who commissioned this building?");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("Answer: "), r.out());
        assertTrue(r.out().contains("\nEvidence:\n"), r.out());
        assertTrue(r.out().contains("\nTrace:\n"), r.out());
        assertTrue(r.out().contains("image_search"), r.out());
        assertNotNull(r.out());
    }

    @Test
    void budgetsFromTheCommandLineHold() throws IOException {
        JsonNode j = json(Run.gog("ask", "--index", index.toString(), "--image", TestData.path("photos/sample-1.jpg").toString(),
                "--question", "What is the country of origin of this food?", "--max-turns", "2", "--json"));
        assertTrue(j.get("trace").get("turns").asInt() <= 2);
        assertEquals(0, Run.gog("ask", "--index", index.toString(), "--image", TestData.path("photos/sample-1.jpg").toString(),
                "--question", "q?", "--max-searches", "1", "--json").exit());
    }

    @Test
    void badInvocationsExitWithClearErrors() {
        Run r = Run.gog("ask", "--image", TestData.path("photos/sample-1.jpg").toString(), "--question", "q?");
        assertEquals(ExitCode.USAGE, r.exit());
        assertTrue(r.err().contains("no search"), r.err());
        r = Run.gog("ask", "--index", index.toString(), "--image", tmp.resolve("missing.jpg").toString(), "--question", "q?");
        assertEquals(ExitCode.BAD_INPUT, r.exit());
        assertTrue(r.err().contains("no such file"), r.err());
        r = Run.gog("ask", "--index", index.toString(), "--image", TestData.path("photos/sample-1.jpg").toString(), "--question", "q?",
                "--policy", "lmm");
        assertEquals(ExitCode.USAGE, r.exit());
        assertTrue(r.err().contains("--lmm-url"), r.err());
        r = Run.gog("ask", "--index", tmp.resolve("nope").toString(), "--image", TestData.path("photos/sample-1.jpg").toString(), "--question", "q?");
        assertEquals(ExitCode.BAD_INPUT, r.exit());
        r = Run.gog("ask", "--index", index.toString(), "--image", TestData.path("photos/sample-1.jpg").toString(), "--question", "q?",
                "--max-turns", "0");
        assertEquals(ExitCode.USAGE, r.exit());
        assertTrue(r.err().contains("maxTurns"), r.err());
    }

    @Test
    void lmmPolicyFromTheCommandLineTalksToAnOpenAiCompatibleServer() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            String call = calls.incrementAndGet() == 1
                    ? "{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"image_search\",\"arguments\":\"{}\"}}"
                    : "{\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"answer\",\"arguments\":\"{\\\"answer\\\": \\\"Spain\\\"}\"}}";
            byte[] out = ("{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"finish_reason\":\"tool_calls\","
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[" + call + "]}}]}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, out.length);
            try (var os = ex.getResponseBody()) {
                os.write(out);
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
            JsonNode j = json(Run.gog("ask", "--index", index.toString(), "--image", TestData.path("photos/sample-1.jpg").toString(),
                    "--question", "What is the country of origin of this food?", "--policy", "lmm", "--lmm-url", url,
                    "--lmm-model", "Edwinzz/GoG-RL-Qwen2.5-7B", "--json"));
            assertEquals("answered", j.get("outcome").asText(), j.toString());
            assertEquals("Spain", j.get("answer").asText());
            assertEquals("lmm", j.get("trace").get("policy").asText());
            assertEquals("image_search", j.get("trace").get("steps").get(0).get("action").asText());
            assertEquals(2, calls.get());
            JsonNode first = new ObjectMapper().readTree(bodies.get(0));
            assertEquals("Edwinzz/GoG-RL-Qwen2.5-7B", first.get("model").asText());
            assertTrue(first.get("max_tokens").asInt() > 0);
            assertTrue(bodies.get(0).contains("data:image/jpeg;base64,"), "the photo goes as a data URL");
        } finally {
            server.stop(0);
        }
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
