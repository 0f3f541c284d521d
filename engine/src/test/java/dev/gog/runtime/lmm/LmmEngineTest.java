package dev.gog.runtime.lmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gog.image.Box;
import dev.gog.model.Encoder;
import dev.gog.runtime.ActionType;
import dev.gog.runtime.Answer;
import dev.gog.runtime.AskOptions;
import dev.gog.runtime.FakeProvider;
import dev.gog.runtime.GogConfig;
import dev.gog.runtime.GogEngine;
import dev.gog.runtime.Step;
import dev.gog.testing.TestData;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The LMM policy inside the engine's loop, against the scripted OpenAI-compatible server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LmmEngineTest {
    static Encoder encoder;
    static byte[] photo;
    final FakeLmmServer server = new FakeLmmServer();

    static final String FORT = "Fort Manoel is a star fort in Malta.\nFacts:\ncommissioned by: Order of Saint John";

    @BeforeAll
    static void load() throws Exception {
        encoder = Encoder.load(TestData.path("models/tiny-clip"));
        photo = Files.readAllBytes(TestData.path("photos/sample-3.jpg"));
    }

    @AfterAll
    static void unload() {
        encoder.close();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    GogEngine engine(FakeProvider p, String profile) {
        LmmPolicy policy = new LmmPolicy(LmmConfig.defaults(server.baseUrl(), "Edwinzz/GoG-RL-Qwen2.5-7B")
                .withProfile(ActionProfiles.byName(profile)).withTimeout(Duration.ofSeconds(5)));
        return GogEngine.create(GogConfig.builder().encoder(encoder, false).policy(policy, true).providers(p, p, false).build());
    }

    @Test
    void glanceThenGazeAndTextSearchInOneTurnThenAnswer() {
        FakeProvider p = FakeProvider.fixed(FakeProvider.results("Fort Manoel", FORT, 0.9, "Valletta", "capital", 0.5),
                FakeProvider.results("Fort Manoel", FORT, 7.0));
        server.tools("Let me look at the whole image first.", "image_search", "{}")
                .tools("The fort on the left matters.", "gaze", "{\"bbox_2d\": [100, 150, 400, 300]}",
                        "text_search", "{\"query\": \"Fort Manoel commissioned by\"}")
                .tools("", "answer", "{\"answer\": \"Order of Saint John\"}");
        try (GogEngine e = engine(p, "tools")) {
            Answer a = e.ask(photo, "Who commissioned this building?").join();
            assertEquals(Answer.Outcome.ANSWERED, a.outcome(), () -> String.valueOf(a));
            assertEquals("Order of Saint John", a.text());
            List<ActionType> actions = a.trace().steps().stream().map(Step::action).toList();
            assertEquals(List.of(ActionType.IMAGE_SEARCH, ActionType.GAZE, ActionType.TEXT_SEARCH, ActionType.ANSWER), actions);
            assertEquals(List.of(1, 2, 2, 3), a.trace().steps().stream().map(Step::turn).toList());
            Box b = a.trace().steps().get(1).boxes().get(0);
            assertTrue(b.within(800, 600) && b.x1() > 50 && b.x2() < 450, b::toString); // mapped from the sent copy
            assertEquals("Fort Manoel commissioned by", a.trace().steps().get(2).query());
            assertEquals("The fort on the left matters.", a.trace().steps().get(1).rationale());
            assertTrue(a.evidence().get(0).snippet().contains("Order of Saint John"));
            // the third request replays both tool results with their ids
            JsonNode third = server.request(2).body();
            int tools = 0;
            for (JsonNode m : third.get("messages")) if (m.get("role").asText().equals("tool")) tools++;
            assertEquals(3, tools, third.toString());
            assertEquals(777 > 0, third.get("max_tokens").asInt() > 0);
            assertTrue(a.trace().stagesMs().get("policy") > 0);
        }
    }

    @Test
    void tagProfileDrivesTheSameLoop() {
        FakeProvider p = FakeProvider.fixed(FakeProvider.results("Fort Manoel", FORT, 0.9), FakeProvider.results("Fort Manoel", FORT, 7.0));
        server.text("<reason>Search the image.</reason><search><img></search>", "stop")
                .text("<reason>Now the text.</reason><text_search>Fort Manoel</text_search>", "stop")
                .text("<reason>Found it.</reason><answer>Order of Saint John</answer>", "stop");
        try (GogEngine e = engine(p, "tags")) {
            Answer a = e.ask(photo, "Who commissioned this building?").join();
            assertEquals("Order of Saint John", a.text());
            assertEquals(List.of(ActionType.IMAGE_SEARCH, ActionType.TEXT_SEARCH, ActionType.ANSWER),
                    a.trace().steps().stream().map(Step::action).toList());
        }
    }

    @Test
    void malformedOutputTwiceEndsWithAClearErrorAndThePartialEvidence() {
        FakeProvider p = FakeProvider.fixed(FakeProvider.results("Fort Manoel", FORT, 0.9), List.of());
        server.tools("", "image_search", "{}").text("I am not sure what to do.", "stop").text("Still no idea.", "stop");
        try (GogEngine e = engine(p, "tools")) {
            Answer a = e.ask(photo, "Who commissioned this building?").join();
            assertEquals(Answer.Outcome.PARTIAL, a.outcome());
            assertEquals("error", a.trace().stop());
            assertTrue(a.error().startsWith("policy lmm:"), a.error());
            assertEquals("Order of Saint John", a.text()); // from the glance's evidence
        }
    }

    @Test
    void anLmmThatHangsEndsAtTheDeadlineNotLater() {
        FakeProvider p = FakeProvider.fixed(FakeProvider.results("Fort Manoel", FORT, 0.9), List.of());
        server.tools("", "image_search", "{}").then(new FakeLmmServer.Hang());
        try (GogEngine e = engine(p, "tools")) {
            long t0 = System.nanoTime();
            Answer a = e.ask(photo, "Who commissioned this building?", AskOptions.defaults().withDeadline(Duration.ofMillis(2000))).join();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 3500, "took " + ms + " ms");
            assertEquals(Answer.Outcome.PARTIAL, a.outcome(), () -> String.valueOf(a));
            assertEquals("Order of Saint John", a.text());
        }
    }
}
