package dev.gog.runtime.lmm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gog.runtime.Evidence;
import dev.gog.runtime.Step;
import java.util.Base64;
import java.util.List;

/**
 * Builders for OpenAI chat messages and the shared text forms of search results, for
 * {@link ActionProfile} implementations. Every method returns a new node owned by the caller.
 * Stateless and thread-safe.
 */
public final class ChatMessages {
    private ChatMessages() {}

    /** Snippets are cut to about this many characters. */
    public static final int SNIPPET_CHARS = 300;

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** {@code {"role": role, "content": text}}. */
    public static ObjectNode message(String role, String text) {
        ObjectNode m = F.objectNode();
        m.put("role", role);
        m.put("content", text);
        return m;
    }

    /** {@code {"role": role, "content": [parts...]}}. */
    public static ObjectNode message(String role, List<ObjectNode> parts) {
        ObjectNode m = F.objectNode();
        m.put("role", role);
        ArrayNode a = m.putArray("content");
        parts.forEach(a::add);
        return m;
    }

    /** A {@code {"type": "text", "text": text}} content part. */
    public static ObjectNode textPart(String text) {
        ObjectNode p = F.objectNode();
        p.put("type", "text");
        p.put("text", text);
        return p;
    }

    /** An {@code {"type": "image_url", "image_url": {"url": dataUrl}}} content part. */
    public static ObjectNode imagePart(String dataUrl) {
        ObjectNode p = F.objectNode();
        p.put("type", "image_url");
        p.putObject("image_url").put("url", dataUrl);
        return p;
    }

    /** {@code data:image/jpeg;base64,...} for JPEG bytes. */
    public static String jpegDataUrl(byte[] jpeg) {
        return "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg);
    }

    /**
     * A step's results as numbered lines {@code "1. title | url | snippet"} (snippets cut to
     * about {@value #SNIPPET_CHARS} characters, whitespace collapsed), {@code "No results."} when
     * there are none, and a first line {@code "Search failed: ..."} when the step failed.
     */
    public static String results(Step step) {
        StringBuilder sb = new StringBuilder();
        if (step.error() != null) sb.append("Search failed: ").append(oneLine(step.error())).append('\n');
        List<Evidence> rs = step.results();
        if (rs.isEmpty()) {
            if (step.error() == null) sb.append("No results.\n");
        } else {
            int i = 1;
            for (Evidence e : rs) {
                sb.append(i++).append(". ").append(oneLine(e.title()).isEmpty() ? "(no title)" : oneLine(e.title()));
                if (!e.url().isBlank()) sb.append(" | ").append(oneLine(e.url()));
                String snip = oneLine(e.snippet());
                if (!snip.isEmpty()) sb.append(" | ").append(cut(snip, SNIPPET_CHARS));
                sb.append('\n');
            }
        }
        return sb.toString().stripTrailing();
    }

    /** {@code s} with runs of whitespace collapsed to one space, stripped. */
    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").strip();
    }

    /** {@code s} cut to at most {@code max} characters (an ellipsis marks a cut). */
    public static String cut(String s, int max) {
        if (s == null || s.length() <= max) return s;
        int end = max - 1;
        if (Character.isHighSurrogate(s.charAt(end - 1))) end--;
        return s.substring(0, end) + "…";
    }
}
