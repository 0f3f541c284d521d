package dev.gog.runtime.lmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gog.gaze.BoxFrame;
import dev.gog.image.Box;
import dev.gog.runtime.Action;
import dev.gog.runtime.ActionType;
import dev.gog.runtime.Budget;
import dev.gog.runtime.Evidence;
import dev.gog.runtime.PolicyTurn;
import dev.gog.runtime.Step;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link LmmPolicy} with the {@code tools} profile against a fake server. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class LmmPolicyToolsTest {
    /** A 1000 x 500 original is sent at Qwen2.5-VL's smart_resize size, 1008 x 504. */
    static final int W = 1000, H = 500, SW = 1008, SH = 504;

    private final FakeLmmServer server = new FakeLmmServer();
    private final List<LmmPolicy> policies = new ArrayList<>();

    @AfterEach
    void tearDown() {
        policies.forEach(LmmPolicy::close);
        server.close();
    }

    private LmmPolicy policy(LmmConfig c) {
        LmmPolicy p = new LmmPolicy(c);
        policies.add(p);
        return p;
    }

    private LmmConfig config() {
        return LmmConfig.defaults(server.baseUrl(), "Edwinzz/GoG-RL-Qwen2.5-7B").withApiKey("sk-test-secret")
                .withMaxTokens(777).withExtraStop(List.of("<|endoftext|>"));
    }

    private PolicyTurn next(LmmPolicy p, FakeContext ctx) throws Exception {
        return p.next(ctx).get(10, TimeUnit.SECONDS);
    }

    static Step step(int index, int turn, ActionType a, String query, List<Box> boxes, List<Evidence> results, String error,
                     String rationale) {
        return new Step(index, turn, a, query, boxes, results, error, rationale, Map.of());
    }

    static Evidence ev(String title, String url, String snippet) {
        return new Evidence(0, "glance", title, url, snippet, 1.0, "fake");
    }

    @Test
    void imageSearchAndTheRequestCarriesEverythingItShould() throws Exception {
        server.tools("The whole image first.", "image_search", "{}");
        FakeContext ctx = new FakeContext("What is this building?", W, H);
        PolicyTurn t = next(policy(config()), ctx);

        assertNull(t.error());
        assertEquals(List.of(new Action.ImageSearch()), t.actions());
        assertEquals("The whole image first.", t.rationale());
        assertTrue(t.timingsMs().containsKey("lmm") && t.timingsMs().containsKey("encode_image"), t.timingsMs().toString());
        assertTrue(t.timingsMs().get("lmm") > 0);
        assertEquals(1, ctx.imageRequests.size());
        assertEquals(SW, ctx.imageRequests.getFirst()[0]);
        assertEquals(SH, ctx.imageRequests.getFirst()[1]);

        assertEquals(1, server.requests.size());
        FakeLmmServer.Recorded r = server.request(0);
        assertEquals("/v1/chat/completions", r.path());
        assertEquals("Bearer sk-test-secret", r.authorization());
        JsonNode b = r.body();
        assertEquals("Edwinzz/GoG-RL-Qwen2.5-7B", b.get("model").asText());
        assertEquals(777, b.get("max_tokens").asInt());
        assertEquals(0.0, b.get("temperature").asDouble());
        List<String> stops = new ArrayList<>();
        b.get("stop").forEach(s -> stops.add(s.asText()));
        assertEquals(List.of("<tool_response>", "<information>", "<|endoftext|>"), stops);
        List<String> tools = new ArrayList<>();
        b.get("tools").forEach(x -> tools.add(x.at("/function/name").asText()));
        assertEquals(List.of("image_search", "gaze", "text_search", "answer"), tools);
        JsonNode msgs = b.get("messages");
        assertEquals(2, msgs.size());
        assertEquals("system", msgs.get(0).get("role").asText());
        assertEquals("user", msgs.get(1).get("role").asText());
        JsonNode parts = msgs.get(1).get("content");
        assertEquals("image_url", parts.get(0).get("type").asText());
        assertEquals("data:image/jpeg;base64," + Base64.getEncoder().encodeToString(FakeContext.IMAGE),
                parts.get(0).at("/image_url/url").asText());
        String text = parts.get(1).get("text").asText();
        assertTrue(text.contains("What is this building?"), text);
        assertTrue(text.contains("1008 x 504 pixels"), text);
    }

    @Test
    void gazeBoxIsMappedFromTheSentFrameToOriginalPixels() throws Exception {
        server.tools(null, "gaze", "{\"bbox_2d\": [100, 50, 604, 302]}");
        PolicyTurn t = next(policy(config()), new FakeContext("Which plant?", W, H));
        Action.Gaze g = assertInstanceOf(Action.Gaze.class, t.actions().getFirst());
        assertEquals(100 * 1000.0 / 1008, g.box().x1(), 1e-3);
        assertEquals(50 * 500.0 / 504, g.box().y1(), 1e-3);
        assertEquals(604 * 1000.0 / 1008, g.box().x2(), 1e-3);
        assertEquals(302 * 500.0 / 504, g.box().y2(), 1e-3);
        assertFalse(g.reflection());
        assertEquals(ActionType.GAZE, g.type());
        assertNull(t.rationale());
    }

    @Test
    void aGazeAfterAnEarlierGazeIsAReflection() throws Exception {
        server.tools("The sign, then.", "gaze", "{\"bbox_2d\": [0, 0, 504, 252]}");
        FakeContext ctx = new FakeContext("Which plant?", W, H);
        ctx.history = List.of(step(0, 1, ActionType.GAZE, null, List.of(new Box(500, 250, 1000, 500)), List.of(), null, "x"));
        PolicyTurn t = next(policy(config()), ctx);
        Action.Gaze g = assertInstanceOf(Action.Gaze.class, t.actions().getFirst());
        assertTrue(g.reflection());
        assertEquals(ActionType.REFLECT, g.type());
        assertEquals(new Box(0, 0, 500, 250), g.box());
    }

    @Test
    void qwen3NormalisedFrameSendsTheOriginalSizeAndMapsFrom1000() throws Exception {
        server.tools(null, "gaze", "{\"bbox_2d\": [100, 200, 500, 1000]}");
        FakeContext ctx = new FakeContext("q", W, H);
        PolicyTurn t = next(policy(config().withBoxFrame(BoxFrame.NORM_1000)), ctx);
        assertEquals(W, ctx.imageRequests.getFirst()[0]);
        assertEquals(H, ctx.imageRequests.getFirst()[1]);
        assertEquals(new Box(100, 100, 500, 500), ((Action.Gaze) t.actions().getFirst()).box());
        String text = server.request(0).body().at("/messages/1/content/1/text").asText();
        assertTrue(text.contains("0..1000"), text);
    }

    @Test
    void textSearchAndAnswer() throws Exception {
        server.tools("", "text_search", "{\"query\": \"Eiffel Tower height\"}");
        server.tools("", "answer", "{\"answer\": \" 330 m \"}");
        LmmPolicy p = policy(config());
        assertEquals(List.of(new Action.TextSearch("Eiffel Tower height")), next(p, new FakeContext("q", W, H)).actions());
        assertEquals(List.of(new Action.Answer("330 m")), next(p, new FakeContext("q", W, H)).actions());
    }

    @Test
    void severalToolCallsInOneMessageAreOneTurn() throws Exception {
        server.tools("Both at once.", "image_search", "", "gaze", "{\"bbox_2d\":[0,0,1008,504]}", "text_search",
                "{\"query\":\"red tower\"}");
        PolicyTurn t = next(policy(config()), new FakeContext("q", W, H));
        assertEquals(3, t.actions().size());
        assertEquals(new Action.ImageSearch(), t.actions().get(0));
        assertEquals(new Action.Gaze(new Box(0, 0, W, H), false), t.actions().get(1));
        assertEquals(new Action.TextSearch("red tower"), t.actions().get(2));
    }

    @Test
    void inlineHermesToolCallsInTheTextAreRead() throws Exception {
        server.text("Let me search.\n<tool_call>\n{\"name\": \"text_search\", \"arguments\": {\"query\": \"kea parrot\"}}\n"
                + "</tool_call>", "stop");
        PolicyTurn t = next(policy(config()), new FakeContext("q", W, H));
        assertEquals(List.of(new Action.TextSearch("kea parrot")), t.actions());
        assertEquals("Let me search.", t.rationale());
    }

    @Test
    void reasoningContentBecomesTheRationaleCutTo2000Chars() throws Exception {
        var m = FakeLmmServer.message("visible");
        m.put("reasoning_content", "r".repeat(5000));
        m.putArray("tool_calls").addObject().put("id", "a").put("type", "function").putObject("function")
                .put("name", "image_search").put("arguments", "{}");
        server.reply(m, "tool_calls");
        PolicyTurn t = next(policy(config()), new FakeContext("q", W, H));
        assertEquals(LmmPolicy.MAX_RATIONALE_CHARS, t.rationale().length());
        assertTrue(t.rationale().startsWith("rrr"));
    }

    @Test
    void historyIsReplayedWithMatchingToolCallIdsResultsAndCrops() throws Exception {
        server.tools("", "answer", "{\"answer\":\"Big Ben\"}");
        FakeContext ctx = new FakeContext("Which tower?", W, H);
        Box gazeBox = new Box(500, 250, 1000, 500);
        ctx.history = List.of(
                step(0, 1, ActionType.IMAGE_SEARCH, null, List.of(), List.of(ev("Big Ben - Wikipedia", "https://en.wikipedia.org/wiki/Big_Ben",
                        "The   Great Bell of the clock " + "x".repeat(400))), null, "Glance first."),
                step(1, 1, ActionType.GAZE, null, List.of(gazeBox), List.of(), null, "Glance first."),
                step(2, 2, ActionType.TEXT_SEARCH, "Elizabeth Tower", List.of(), List.of(), "search timed out after 5000 ms", "By name."));
        PolicyTurn t = next(policy(config()), ctx);
        assertEquals(List.of(new Action.Answer("Big Ben")), t.actions());
        assertEquals(List.of(gazeBox), ctx.cropRequests);

        JsonNode msgs = server.request(0).body().get("messages");
        List<String> roles = new ArrayList<>();
        msgs.forEach(m -> roles.add(m.get("role").asText()));
        assertEquals(List.of("system", "user", "assistant", "tool", "tool", "user", "assistant", "tool"), roles);

        JsonNode a1 = msgs.get(2);
        assertEquals("Glance first.", a1.get("content").asText());
        assertEquals(2, a1.get("tool_calls").size());
        String id0 = a1.at("/tool_calls/0/id").asText(), id1 = a1.at("/tool_calls/1/id").asText();
        assertFalse(id0.equals(id1));
        assertEquals("image_search", a1.at("/tool_calls/0/function/name").asText());
        assertEquals("gaze", a1.at("/tool_calls/1/function/name").asText());
        JsonNode gazeArgs = FakeLmmServer.JSON.readTree(a1.at("/tool_calls/1/function/arguments").asText());
        assertEquals("[504,252,1008,504]", gazeArgs.get("bbox_2d").toString()); // original 500..1000 in the 1008x504 frame

        assertEquals(id0, msgs.get(3).get("tool_call_id").asText());
        String res = msgs.get(3).get("content").asText();
        assertTrue(res.startsWith("1. Big Ben - Wikipedia | https://en.wikipedia.org/wiki/Big_Ben | The Great Bell of the clock"), res);
        assertTrue(res.length() < 420, "snippet trimmed: " + res.length());
        assertEquals(id1, msgs.get(4).get("tool_call_id").asText());
        assertEquals("No results.", msgs.get(4).get("content").asText());

        JsonNode crop = msgs.get(5).get("content");
        assertTrue(crop.get(0).get("text").asText().contains(id1), crop.toString());
        assertEquals("data:image/jpeg;base64," + Base64.getEncoder().encodeToString(FakeContext.CROP), crop.at("/1/image_url/url").asText());

        JsonNode a2 = msgs.get(6);
        assertEquals("text_search", a2.at("/tool_calls/0/function/name").asText());
        assertEquals("Elizabeth Tower", FakeLmmServer.JSON.readTree(a2.at("/tool_calls/0/function/arguments").asText()).get("query").asText());
        assertEquals(a2.at("/tool_calls/0/id").asText(), msgs.get(7).get("tool_call_id").asText());
        assertTrue(msgs.get(7).get("content").asText().startsWith("Search failed: search timed out after 5000 ms"));
    }

    @Test
    void answerMixedWithSearchesIsRepairedOnce() throws Exception {
        server.tools("", "answer", "{\"answer\":\"Paris\"}", "text_search", "{\"query\":\"paris\"}");
        server.tools("", "answer", "{\"answer\":\"Paris\"}");
        PolicyTurn t = next(policy(config()), new FakeContext("q", W, H));
        assertEquals(List.of(new Action.Answer("Paris")), t.actions());
        assertEquals(2, server.requests.size());
        JsonNode msgs = server.request(1).body().get("messages");
        assertEquals(4, msgs.size());
        assertEquals("assistant", msgs.get(2).get("role").asText());
        assertTrue(msgs.get(2).get("content").asText().contains("\"name\": \"answer\""), msgs.get(2).toString());
        assertFalse(msgs.get(2).has("tool_calls"), "the echo owes no tool response");
        String fix = msgs.get(3).get("content").asText();
        assertEquals("user", msgs.get(3).get("role").asText());
        assertTrue(fix.contains("an answer must be the only action"), fix);
        assertTrue(t.timingsMs().get("lmm") > 0);
    }

    @Test
    void badJsonArgumentsThenDegenerateBoxFailsTheTurnAfterExactlyTwoRequests() throws Exception {
        server.tools("", "text_search", "{\"query\": \"unterminated");
        server.tools("", "gaze", "{\"bbox_2d\": [300, 100, 300, 200]}");
        PolicyTurn t = next(policy(config()), new FakeContext("q", W, H));
        assertTrue(t.actions().isEmpty());
        assertNotNull(t.error());
        assertTrue(t.error().contains("malformed twice"), t.error());
        assertTrue(t.error().contains("text_search are not valid JSON"), t.error());
        assertTrue(t.error().contains("empty"), t.error());
        assertEquals(2, server.requests.size());
        assertTrue(t.timingsMs().containsKey("lmm"));
    }

    @Test
    void noToolCallAtAllIsRepaired() throws Exception {
        server.text("I think it is Paris.", "stop");
        server.tools("", "answer", "{\"answer\":\"Paris\"}");
        PolicyTurn t = next(policy(config()), new FakeContext("q", W, H));
        assertEquals(List.of(new Action.Answer("Paris")), t.actions());
        String fix = server.request(1).body().at("/messages/3/content").asText();
        assertTrue(fix.contains("no tool call"), fix);
        assertEquals("I think it is Paris.", server.request(1).body().at("/messages/2/content").asText());
    }

    @Test
    void unknownToolAndMissingArgumentsAreMalformed() throws Exception {
        server.tools("", "web_browse", "{}");
        server.tools("", "gaze", "{\"box\": [1,2,3,4]}");
        PolicyTurn t = next(policy(config()), new FakeContext("q", W, H));
        assertTrue(t.error().contains("unknown tool 'web_browse'"), t.error());
        assertTrue(t.error().contains("bbox_2d"), t.error());
    }

    @Test
    void aModelThatNeverStopsFailsAfterTheRepair() throws Exception {
        server.text("and so on ".repeat(50), "length");
        server.text("and so on ".repeat(50), "length");
        PolicyTurn t = next(policy(config()), new FakeContext("q", W, H));
        assertTrue(t.actions().isEmpty());
        assertTrue(t.error().contains("cut off by max_tokens"), t.error());
        assertEquals(2, server.requests.size());
    }

    @Test
    void onTheLastTurnTheModelIsToldToAnswerAndFailsIfItDoesNot() throws Exception {
        server.tools("", "text_search", "{\"query\":\"more\"}");
        server.tools("", "image_search", "{}");
        FakeContext ctx = new FakeContext("q", W, H);
        ctx.budget = new Budget(1, 3, Instant.now().plusSeconds(30));
        PolicyTurn t = next(policy(config()), ctx);
        assertTrue(t.actions().isEmpty());
        assertTrue(t.error().contains("last turn"), t.error());
        assertEquals(2, server.requests.size());
        JsonNode first = server.request(0).body().get("messages");
        assertEquals(3, first.size());
        assertTrue(first.get(2).get("content").asText().contains("call the answer tool now"), first.get(2).toString());
        String fix = server.request(1).body().at("/messages/4/content").asText();
        assertTrue(fix.contains("must answer") && fix.contains("answer tool now"), fix);
    }

    @Test
    void onTheLastTurnAnAnswerIsAccepted() throws Exception {
        server.tools("", "answer", "{\"answer\":\"42\"}");
        FakeContext ctx = new FakeContext("q", W, H);
        ctx.budget = new Budget(3, 0, Instant.now().plusSeconds(30)); // no searches left
        assertEquals(List.of(new Action.Answer("42")), next(policy(config()), ctx).actions());
    }

    @Test
    void noAuthorizationHeaderWithoutAKey() throws Exception {
        server.tools("", "image_search", "{}");
        LmmConfig c = LmmConfig.defaults(server.baseUrl(), "m").withApiKeyEnv("GOG_TEST_SURELY_UNSET_VARIABLE_4711");
        assertEquals(List.of(new Action.ImageSearch()), next(policy(c), new FakeContext("q", W, H)).actions());
        assertNull(server.request(0).authorization());
    }
}
