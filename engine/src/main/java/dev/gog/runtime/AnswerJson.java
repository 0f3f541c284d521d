package dev.gog.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gog.image.Box;
import java.util.Map;

/**
 * The JSON form of an {@link Answer}, shared by {@code gog ask --json} and {@code POST /v1/ask}
 * (schema: {@code docs/schema/ask.schema.json}):
 * <pre>{@code
 * {"answer": "..." | null, "outcome": "answered" | "partial" | "failed", "error": null | "...",
 *  "evidence": [{"step", "via", "title", "url", "snippet", "score", "provider"}],
 *  "trace": {"request_id", "policy", "turns", "searches", "total_ms", "stop", "stages_ms": {...},
 *            "steps": [{"index", "turn", "action", "query", "boxes": [[x1, y1, x2, y2]],
 *                       "results": [...], "error", "rationale", "timings_ms": {...}}]}}
 * }</pre>
 * Times are milliseconds rounded to 0.001; boxes are original-image pixels.
 */
public final class AnswerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AnswerJson() {}

    /** The answer as a JSON tree, owned by the caller. */
    public static ObjectNode toJson(Answer a) {
        ObjectNode o = JSON.createObjectNode();
        o.put("answer", a.text());
        o.put("outcome", a.outcome().name().toLowerCase(java.util.Locale.ROOT));
        o.put("error", a.error());
        o.set("evidence", evidence(a.evidence()));
        Trace t = a.trace();
        ObjectNode tr = o.putObject("trace");
        tr.put("request_id", t.requestId());
        tr.put("policy", t.policy());
        tr.put("turns", t.turns());
        tr.put("searches", t.searches());
        tr.put("total_ms", round(t.totalMs()));
        tr.put("stop", t.stop());
        tr.set("stages_ms", times(t.stagesMs()));
        ArrayNode steps = tr.putArray("steps");
        for (Step s : t.steps()) {
            ObjectNode n = steps.addObject();
            n.put("index", s.index());
            n.put("turn", s.turn());
            n.put("action", s.action().wireName());
            n.put("query", s.query());
            ArrayNode boxes = n.putArray("boxes");
            for (Box b : s.boxes()) boxes.addArray().add(b.x1()).add(b.y1()).add(b.x2()).add(b.y2());
            n.set("results", evidence(s.results()));
            n.put("error", s.error());
            n.put("rationale", s.rationale());
            n.set("timings_ms", times(s.timingsMs()));
        }
        return o;
    }

    private static ArrayNode evidence(java.util.List<Evidence> list) {
        ArrayNode arr = JSON.createArrayNode();
        for (Evidence e : list) {
            ObjectNode n = arr.addObject();
            n.put("step", e.step());
            n.put("via", e.via());
            n.put("title", e.title());
            n.put("url", e.url());
            n.put("snippet", e.snippet());
            n.put("score", Double.isFinite(e.score()) ? e.score() : 0.0);
            n.put("provider", e.provider());
        }
        return arr;
    }

    private static JsonNode times(Map<String, Double> m) {
        ObjectNode n = JSON.createObjectNode();
        m.forEach((k, v) -> n.put(k, round(v)));
        return n;
    }

    private static double round(double ms) {
        return Math.round(ms * 1000.0) / 1000.0;
    }
}
