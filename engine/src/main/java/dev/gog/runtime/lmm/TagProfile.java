package dev.gog.runtime.lmm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gog.runtime.Action;
import dev.gog.runtime.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code tags} profile: actions written as tags in the text, in the style of MMSearch-R1.
 * <ul>
 *   <li>{@code <reason>…</reason>}: the reasoning (becomes the turn's rationale);</li>
 *   <li>{@code <search><img></search>}: glance, search with the whole image;</li>
 *   <li>{@code <text_search>query</text_search>};</li>
 *   <li>{@code <gaze>[x1, y1, x2, y2]</gaze>}: crop the region (in the frame of the sent image,
 *       see {@link ImageFrame#describe}) and search with the crop. MMSearch-R1 has no region
 *       search and GoG's own tags are not published: this tag is ours;</li>
 *   <li>{@code <answer>…</answer>}: the final answer.</li>
 * </ul>
 * Results go back in a user message inside {@code <information>…</information>} (a gaze's crop
 * follows as an image part). The stop sequences are the closing tags {@code </search>},
 * {@code </text_search>} and {@code </gaze>}, so a model emits one search per turn; servers strip
 * the matched stop sequence from the text, so a missing closing tag at the end of a stopped reply
 * is put back before parsing. Anything from a hallucinated {@code <information>} on is ignored.
 *
 * <p>The prompts are ours. Stateless and thread-safe.
 */
public final class TagProfile implements ActionProfile {
    /** The registered name. */
    public static final String NAME = "tags";

    private static final List<String> ACTION_TAGS = List.of("search", "text_search", "gaze", "answer");
    private static final Pattern ACTION = Pattern.compile("<(search|text_search|gaze|answer)>(.*?)</\\1>", Pattern.DOTALL);
    private static final Pattern REASON = Pattern.compile("<(reason|think)>(.*?)(?:</\\1>|$)", Pattern.DOTALL);
    private static final Pattern TAG = Pattern.compile("</?[a-z_]+>");

    /** Creates the profile. */
    public TagProfile() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String systemPrompt() {
        return """
                You answer questions about an image that may need knowledge from the web. In every reply, first \
                reason inside <reason> and </reason>, then write exactly one action:
                - <search><img></search> to search the web with the whole image;
                - <gaze>[x1, y1, x2, y2]</gaze> to crop one region of the image (an object, a building, a logo) \
                and search the web with the crop, which is more precise than the whole image; after poor results, \
                gaze at another region;
                - <text_search>query</text_search> to search the web with text;
                - <answer>the answer</answer> when you know it: short and direct.
                Search results come back inside <information> and </information>.""";
    }

    @Override
    public ArrayNode tools() {
        return null;
    }

    @Override
    public List<String> stopSequences() {
        return List.of("</search>", "</text_search>", "</gaze>");
    }

    @Override
    public ObjectNode firstUserMessage(String question, ImageFrame frame, String imageDataUrl) {
        return ChatMessages.message("user", List.of(ChatMessages.imagePart(imageDataUrl),
                ChatMessages.textPart(frame.describe() + "\nQuestion: " + question)));
    }

    @Override
    public List<ObjectNode> renderTurn(PastTurn turn) {
        StringBuilder said = new StringBuilder();
        String rationale = turn.rationale();
        if (rationale != null && !rationale.isBlank()) said.append("<reason>").append(rationale.strip()).append("</reason>\n");
        StringBuilder info = new StringBuilder("<information>\n");
        List<ObjectNode> crops = new ArrayList<>();
        List<Step> steps = turn.steps();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            String box = s.boxes().isEmpty() ? "" : turn.frame().format(s.boxes().getFirst());
            String q = s.query() == null ? "" : s.query();
            switch (s.action()) {
                case ANSWER -> said.append("<answer>").append(q).append("</answer>");
                case TEXT_SEARCH -> {
                    said.append("<text_search>").append(q).append("</text_search>");
                    info.append("Results of text_search \"").append(q).append("\":\n");
                }
                case IMAGE_SEARCH -> {
                    said.append("<search><img></search>");
                    info.append("Results of the image search:\n");
                }
                case GAZE, REFLECT -> {
                    said.append("<gaze>").append(box).append("</gaze>");
                    info.append("Results of gaze ").append(box).append(":\n");
                }
            }
            if (s.action() != dev.gog.runtime.ActionType.ANSWER) info.append(ChatMessages.results(s)).append("\n\n");
            byte[] crop = turn.crops().get(i);
            if (crop != null) {
                crops.add(ChatMessages.textPart("The region " + box + " you gazed at:"));
                crops.add(ChatMessages.imagePart(ChatMessages.jpegDataUrl(crop)));
            }
        }
        String infoText = info.toString().stripTrailing() + "\n</information>";
        List<ObjectNode> parts = new ArrayList<>();
        parts.add(ChatMessages.textPart(infoText));
        parts.addAll(crops);
        return List.of(ChatMessages.message("assistant", said.toString().strip()), ChatMessages.message("user", parts));
    }

    @Override
    public ParseResult parse(ChatResponse response, ParseContext context) {
        String text = response.content() == null ? "" : response.content();
        int info = text.indexOf("<information>");
        if (info >= 0) text = text.substring(0, info); // a result the model made up
        if (!response.truncated()) text = closeLastTag(text);
        String rationale = rationale(response, text);
        List<Action> actions = new ArrayList<>();
        Matcher m = ACTION.matcher(text);
        int end = 0;
        while (m.find()) {
            end = m.end();
            String inner = m.group(2).strip();
            try {
                actions.add(switch (m.group(1)) {
                    case "search" -> {
                        if (!inner.isEmpty() && !inner.equals("<img>")) {
                            throw new IllegalArgumentException("<search> takes only <img> (the whole image); write "
                                    + "<text_search>query</text_search> to search with text");
                        }
                        yield new Action.ImageSearch();
                    }
                    case "text_search" -> {
                        if (inner.isEmpty()) throw new IllegalArgumentException("<text_search> is empty");
                        yield new Action.TextSearch(inner);
                    }
                    case "gaze" -> context.gaze(box(inner));
                    default -> {
                        if (inner.isEmpty()) throw new IllegalArgumentException("<answer> is empty");
                        yield new Action.Answer(inner);
                    }
                });
            } catch (IllegalArgumentException e) {
                return new ParseResult.Malformed(e.getMessage(), rationale);
            }
        }
        String open = openTag(text.substring(end));
        if (response.truncated() && open != null) {
            return new ParseResult.Malformed("the reply was cut off by max_tokens inside <" + open + ">", rationale);
        }
        if (actions.isEmpty()) {
            return new ParseResult.Malformed(response.truncated()
                    ? "the reply was cut off by max_tokens before any action"
                    : "the reply has no action tag", rationale);
        }
        return new ParseResult.Parsed(actions, rationale);
    }

    /** Appends the closing tag of the last opened action tag when it is missing (the server stripped the stop sequence). */
    static String closeLastTag(String text) {
        String open = openTag(text);
        return open == null ? text : text + "</" + open + ">";
    }

    /** The action tag opened last in {@code text} and not closed after, or null. */
    private static String openTag(String text) {
        String best = null;
        int at = -1;
        for (String t : ACTION_TAGS) {
            int i = text.lastIndexOf("<" + t + ">");
            if (i > at) {
                at = i;
                best = t;
            }
        }
        if (best == null) return null;
        return text.indexOf("</" + best + ">", at) >= 0 ? null : best;
    }

    /** {@code [x1, y1, x2, y2]} (brackets optional) as four numbers. */
    private static double[] box(String inner) {
        String s = inner.strip();
        if (s.startsWith("[") && s.endsWith("]")) s = s.substring(1, s.length() - 1);
        String[] parts = s.split(",", -1);
        IllegalArgumentException bad = new IllegalArgumentException("<gaze> needs [x1, y1, x2, y2] (four numbers), got '"
                + ChatMessages.cut(ChatMessages.oneLine(inner), 120) + "'");
        if (parts.length != 4) throw bad;
        double[] v = new double[4];
        for (int i = 0; i < 4; i++) {
            try {
                v[i] = Double.parseDouble(parts[i].strip());
            } catch (NumberFormatException e) {
                throw bad;
            }
        }
        return v;
    }

    /** The server's reasoning field, then the {@code <reason>} (or {@code <think>}) texts, else the text before the first action. */
    private static String rationale(ChatResponse r, String text) {
        StringBuilder sb = new StringBuilder();
        if (r.reasoning() != null && !r.reasoning().isBlank()) sb.append(r.reasoning().strip());
        Matcher m = REASON.matcher(text);
        boolean any = false;
        while (m.find()) {
            any = true;
            String s = m.group(2).strip();
            if (!s.isEmpty()) sb.append(sb.isEmpty() ? "" : "\n").append(s);
        }
        if (!any) {
            Matcher a = ACTION.matcher(text);
            String before = a.find() ? text.substring(0, a.start()) : text;
            before = TAG.matcher(before).replaceAll(" ").strip();
            if (!before.isEmpty()) sb.append(sb.isEmpty() ? "" : "\n").append(before);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    @Override
    public String formatReminder() {
        return "Write <reason>…</reason> and then exactly one of <search><img></search>, <gaze>[x1, y1, x2, y2]</gaze>, "
                + "<text_search>query</text_search> or <answer>…</answer>.";
    }

    @Override
    public String mustAnswerNote() {
        return "No searches are left: write <answer>…</answer> now with your best answer.";
    }
}
