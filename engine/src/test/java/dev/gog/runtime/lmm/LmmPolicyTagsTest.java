package dev.gog.runtime.lmm;

import static dev.gog.runtime.lmm.LmmPolicyToolsTest.H;
import static dev.gog.runtime.lmm.LmmPolicyToolsTest.W;
import static dev.gog.runtime.lmm.LmmPolicyToolsTest.ev;
import static dev.gog.runtime.lmm.LmmPolicyToolsTest.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gog.image.Box;
import dev.gog.runtime.Action;
import dev.gog.runtime.ActionType;
import dev.gog.runtime.PolicyTurn;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link LmmPolicy} with the {@code tags} profile (MMSearch-R1 style) against a fake server. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class LmmPolicyTagsTest {
    private final FakeLmmServer server = new FakeLmmServer();
    private LmmPolicy policy;

    @AfterEach
    void tearDown() {
        if (policy != null) policy.close();
        server.close();
    }

    private PolicyTurn next(FakeContext ctx) throws Exception {
        if (policy == null) {
            policy = new LmmPolicy(LmmConfig.defaults(server.baseUrl(), "mmsearch-r1").withProfile(ActionProfiles.byName("tags")));
        }
        return policy.next(ctx).get(10, TimeUnit.SECONDS);
    }

    @Test
    void wholeImageSearchWithTheStrippedStopSequenceReappended() throws Exception {
        server.text("<reason>I do not recognise this bird.</reason>\n<search><img>", "stop");
        PolicyTurn t = next(new FakeContext("Which bird?", W, H));
        assertEquals(List.of(new Action.ImageSearch()), t.actions());
        assertEquals("I do not recognise this bird.", t.rationale());

        JsonNode b = server.request(0).body();
        assertFalse(b.has("tools"));
        List<String> stops = new ArrayList<>();
        b.get("stop").forEach(s -> stops.add(s.asText()));
        assertEquals(List.of("</search>", "</text_search>", "</gaze>"), stops);
        assertEquals(1024, b.get("max_tokens").asInt());
        assertTrue(b.at("/messages/0/content").asText().contains("<gaze>[x1, y1, x2, y2]</gaze>"));
        assertTrue(b.at("/messages/1/content/0/image_url/url").asText().startsWith("data:image/jpeg;base64,"));
    }

    @Test
    void textSearchWithOrWithoutTheClosingTag() throws Exception {
        server.text("<reason>By name.</reason><text_search>kea parrot diet", "stop");
        server.text("<reason>By name.</reason><text_search>kea parrot range</text_search>", "stop");
        assertEquals(List.of(new Action.TextSearch("kea parrot diet")), next(new FakeContext("q", W, H)).actions());
        assertEquals(List.of(new Action.TextSearch("kea parrot range")), next(new FakeContext("q", W, H)).actions());
    }

    @Test
    void gazeBoxIsMappedToOriginalPixels() throws Exception {
        server.text("<reason>The logo.</reason><gaze>[100, 50, 604, 302]", "stop");
        PolicyTurn t = next(new FakeContext("q", W, H));
        Action.Gaze g = assertInstanceOf(Action.Gaze.class, t.actions().getFirst());
        assertEquals(100 * 1000.0 / 1008, g.box().x1(), 1e-3);
        assertEquals(50 * 500.0 / 504, g.box().y1(), 1e-3);
        assertEquals(604 * 1000.0 / 1008, g.box().x2(), 1e-3);
        assertEquals(302 * 500.0 / 504, g.box().y2(), 1e-3);
        assertFalse(g.reflection());
    }

    @Test
    void answerAndAHallucinatedInformationBlockIsIgnored() throws Exception {
        server.text("<reason>Known.</reason><answer>Mount Cook</answer>", "stop");
        server.text("<reason>x</reason><text_search>a</text_search><information>made up</information><answer>b</answer>", "stop");
        assertEquals(List.of(new Action.Answer("Mount Cook")), next(new FakeContext("q", W, H)).actions());
        assertEquals(List.of(new Action.TextSearch("a")), next(new FakeContext("q", W, H)).actions());
    }

    @Test
    void historyIsReplayedAsTagsAndInformationBlocks() throws Exception {
        server.text("<reason>Now I know.</reason><answer>Kea</answer>", "stop");
        FakeContext ctx = new FakeContext("Which bird?", W, H);
        ctx.history = List.of(
                step(0, 1, ActionType.TEXT_SEARCH, "green alpine parrot", List.of(),
                        List.of(ev("Kea", "https://en.wikipedia.org/wiki/Kea", "The kea is a parrot"),
                                ev("Kaka", "https://example.org/kaka", "")), null, "Search by words."),
                step(1, 2, ActionType.GAZE, null, List.of(new Box(0, 0, 500, 250)), List.of(), "provider down", "Look closer."));
        PolicyTurn t = next(ctx);
        assertEquals(List.of(new Action.Answer("Kea")), t.actions());

        JsonNode msgs = server.request(0).body().get("messages");
        assertEquals(6, msgs.size());
        assertEquals("assistant", msgs.get(2).get("role").asText());
        assertEquals("<reason>Search by words.</reason>\n<text_search>green alpine parrot</text_search>",
                msgs.get(2).get("content").asText());
        String info = msgs.get(3).at("/content/0/text").asText();
        assertTrue(info.startsWith("<information>\n") && info.endsWith("\n</information>"), info);
        assertTrue(info.contains("1. Kea | https://en.wikipedia.org/wiki/Kea | The kea is a parrot\n2. Kaka | https://example.org/kaka"),
                info);
        assertEquals("<reason>Look closer.</reason>\n<gaze>[0, 0, 504, 252]</gaze>", msgs.get(4).get("content").asText());
        JsonNode user2 = msgs.get(5).get("content");
        assertTrue(user2.at("/0/text").asText().contains("Search failed: provider down"), user2.toString());
        assertEquals("data:image/jpeg;base64," + Base64.getEncoder().encodeToString(FakeContext.CROP),
                user2.at("/2/image_url/url").asText());
    }

    @Test
    void noTagIsRepairedOnce() throws Exception {
        server.text("It is probably a kea.", "stop");
        server.text("<reason>ok</reason><answer>kea</answer>", "stop");
        PolicyTurn t = next(new FakeContext("q", W, H));
        assertEquals(List.of(new Action.Answer("kea")), t.actions());
        assertEquals(2, server.requests.size());
        String fix = server.request(1).body().at("/messages/3/content").asText();
        assertTrue(fix.contains("no action tag") && fix.contains("<text_search>query</text_search>"), fix);
    }

    @Test
    void outputCutByMaxTokensInsideATagFailsAfterTheRepair() throws Exception {
        server.text("<reason>long</reason><text_search>a very long query that never", "length");
        server.text("<reason>" + "and on ".repeat(40), "length");
        PolicyTurn t = next(new FakeContext("q", W, H));
        assertTrue(t.actions().isEmpty());
        assertTrue(t.error().contains("cut off by max_tokens inside <text_search>"), t.error());
        assertTrue(t.error().contains("cut off by max_tokens before any action"), t.error());
        assertEquals(2, server.requests.size());
    }

    @Test
    void badGazeBoxesAreMalformed() throws Exception {
        server.text("<gaze>[1, 2, 3]", "stop");
        server.text("<gaze>[5000, 0, 6000, 100]", "stop");
        PolicyTurn t = next(new FakeContext("q", W, H));
        assertTrue(t.error().contains("four numbers"), t.error());
        assertTrue(t.error().contains("far outside"), t.error());
    }

    @Test
    void closeLastTagOnlyClosesAnOpenActionTag() {
        assertEquals("<search><img></search>", TagProfile.closeLastTag("<search><img>"));
        assertEquals("<answer>x</answer>", TagProfile.closeLastTag("<answer>x</answer>"));
        assertEquals("<reason>x</reason>", TagProfile.closeLastTag("<reason>x</reason>"));
    }
}
