package dev.gog.runtime.lmm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gog.runtime.Action;
import dev.gog.runtime.ActionType;
import dev.gog.runtime.Step;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code tools} profile (the default): OpenAI function calling with four tools,
 * <ul>
 *   <li>{@code image_search()}: glance, search with the whole image;</li>
 *   <li>{@code gaze(bbox_2d)}: crop {@code bbox_2d = [x1, y1, x2, y2]} (in the frame of the sent
 *       image, see {@link ImageFrame#describe}) and search with the crop;</li>
 *   <li>{@code text_search(query)};</li>
 *   <li>{@code answer(answer)}: the final answer, alone in its message.</li>
 * </ul>
 * Several calls in one assistant message are one turn of concurrent actions.
 *
 * <p>The server must parse tool calls (vLLM: {@code --enable-auto-tool-choice
 * --tool-call-parser hermes} for Qwen). When it does not, Qwen models still write
 * {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>} in the text: this profile reads
 * those too.
 *
 * <p><b>Results</b> go back as {@code role: tool} messages whose {@code tool_call_id} matches the
 * call (ids are rebuilt as {@code call_<turn>_<i>} when the conversation is replayed). A gaze's
 * crop goes back as a following {@code role: user} message with the crop as an
 * {@code image_url} part, because vLLM's chat templates drop images from tool messages.
 *
 * <p>The prompts are ours: GoG's own prompts are not published. Stateless and thread-safe.
 */
public final class ToolCallProfile implements ActionProfile {
    /** The registered name. */
    public static final String NAME = "tools";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Pattern INLINE_CALL = Pattern.compile("<tool_call>(.*?)(?:</tool_call>|$)", Pattern.DOTALL);

    /** Creates the profile. */
    public ToolCallProfile() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String systemPrompt() {
        return """
                You answer questions about an image that may need knowledge from the web. Look at the whole \
                image first, then decide what to do:
                - if you know the answer, call answer;
                - to find out what the whole image shows, call image_search;
                - to identify one object or region (a building, a logo, a plant, a product), call gaze with \
                the region's bbox_2d: the crop is searched, which is more precise than searching the whole \
                image; after poor results, gaze at another region;
                - to look up facts by name, call text_search.
                You may call several search tools in one message: they run at the same time. Call answer \
                alone, with a short, direct answer. Think briefly before calling tools.""";
    }

    @Override
    public ArrayNode tools() {
        ArrayNode tools = F.arrayNode();
        tools.add(tool("image_search", "Search the web with the whole image (reverse image search).", F.objectNode()));
        ObjectNode bbox = F.objectNode();
        ObjectNode b = bbox.putObject("bbox_2d");
        b.put("type", "array");
        b.put("description", "[x1, y1, x2, y2]: left, top, right, bottom of the region in the image's coordinates");
        b.putObject("items").put("type", "number");
        b.put("minItems", 4);
        b.put("maxItems", 4);
        tools.add(tool("gaze", "Crop a region of the image and search the web with the crop.", bbox, "bbox_2d"));
        ObjectNode q = F.objectNode();
        q.putObject("query").put("type", "string").put("description", "the text query");
        tools.add(tool("text_search", "Search the web with a text query.", q, "query"));
        ObjectNode a = F.objectNode();
        a.putObject("answer").put("type", "string").put("description", "the final answer, short and direct");
        tools.add(tool("answer", "Give the final answer to the question.", a, "answer"));
        return tools;
    }

    private static ObjectNode tool(String name, String description, ObjectNode properties, String... required) {
        ObjectNode t = F.objectNode();
        t.put("type", "function");
        ObjectNode fn = t.putObject("function");
        fn.put("name", name);
        fn.put("description", description);
        ObjectNode params = fn.putObject("parameters");
        params.put("type", "object");
        params.set("properties", properties);
        ArrayNode req = params.putArray("required");
        for (String r : required) req.add(r);
        return t;
    }

    /** {@code <tool_response>} and {@code <information>}: a model that starts writing a result it has not been given. */
    @Override
    public List<String> stopSequences() {
        return List.of("<tool_response>", "<information>");
    }

    @Override
    public ObjectNode firstUserMessage(String question, ImageFrame frame, String imageDataUrl) {
        return ChatMessages.message("user", List.of(ChatMessages.imagePart(imageDataUrl),
                ChatMessages.textPart(frame.describe() + "\nQuestion: " + question)));
    }

    @Override
    public List<ObjectNode> renderTurn(PastTurn turn) {
        List<ObjectNode> out = new ArrayList<>();
        ObjectNode assistant = F.objectNode();
        assistant.put("role", "assistant");
        String rationale = turn.rationale();
        assistant.put("content", rationale == null ? "" : rationale);
        ArrayNode calls = assistant.putArray("tool_calls");
        List<Step> steps = turn.steps();
        List<ObjectNode> results = new ArrayList<>();
        List<ObjectNode> cropParts = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            String id = "call_" + turn.turn() + "_" + i;
            ObjectNode args = F.objectNode();
            String name = switch (s.action()) {
                case ANSWER -> {
                    args.put("answer", s.query() == null ? "" : s.query());
                    yield "answer";
                }
                case TEXT_SEARCH -> {
                    args.put("query", s.query() == null ? "" : s.query());
                    yield "text_search";
                }
                case IMAGE_SEARCH -> "image_search";
                case GAZE, REFLECT -> {
                    ArrayNode bb = args.putArray("bbox_2d");
                    if (!s.boxes().isEmpty()) for (double v : turn.frame().toFrame(s.boxes().getFirst())) bb.add(number(v));
                    yield "gaze";
                }
            };
            ObjectNode call = calls.addObject();
            call.put("id", id);
            call.put("type", "function");
            ObjectNode fn = call.putObject("function");
            fn.put("name", name);
            fn.put("arguments", args.toString());
            ObjectNode tool = F.objectNode();
            tool.put("role", "tool");
            tool.put("tool_call_id", id);
            tool.put("content", s.action() == ActionType.ANSWER ? "Answer recorded." : ChatMessages.results(s));
            results.add(tool);
            byte[] crop = turn.crops().get(i);
            if (crop != null) {
                String where = s.boxes().isEmpty() ? "" : " at " + turn.frame().format(s.boxes().getFirst());
                cropParts.add(ChatMessages.textPart("The region of gaze call " + id + where + ":"));
                cropParts.add(ChatMessages.imagePart(ChatMessages.jpegDataUrl(crop)));
            }
        }
        out.add(assistant);
        out.addAll(results);
        if (!cropParts.isEmpty()) out.add(ChatMessages.message("user", cropParts));
        return out;
    }

    private static JsonNode number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? F.numberNode((long) v) : F.numberNode(v);
    }

    @Override
    public ParseResult parse(ChatResponse response, ParseContext context) {
        String content = response.content() == null ? "" : response.content();
        List<ChatResponse.ToolCall> calls = new ArrayList<>(response.toolCalls());
        String text = content;
        if (calls.isEmpty() && content.contains("<tool_call>")) { // the server did not parse them
            Matcher m = INLINE_CALL.matcher(content);
            StringBuilder rest = new StringBuilder();
            int last = 0;
            while (m.find()) {
                rest.append(content, last, m.start());
                last = m.end();
                String body = m.group(1).strip();
                try {
                    JsonNode n = JSON.readTree(body);
                    if (n == null || !n.isObject() || !n.path("name").isTextual()) {
                        return new ParseResult.Malformed("a <tool_call> is not a JSON object with a \"name\": "
                                + ChatMessages.cut(ChatMessages.oneLine(body), 120), rationale(response, content));
                    }
                    JsonNode args = n.get("arguments");
                    String a = args == null || args.isNull() ? "" : args.isTextual() ? args.asText() : args.toString();
                    calls.add(new ChatResponse.ToolCall("", n.get("name").asText(), a));
                } catch (IOException e) {
                    return new ParseResult.Malformed("a <tool_call> is not valid JSON"
                            + (response.truncated() ? " (the reply was cut off by max_tokens)" : "") + ": "
                            + ChatMessages.cut(ChatMessages.oneLine(body), 120), rationale(response, content));
                }
            }
            rest.append(content.substring(last));
            text = rest.toString();
        }
        String rationale = rationale(response, text);
        if (calls.isEmpty()) {
            return new ParseResult.Malformed(response.truncated()
                    ? "the reply was cut off by max_tokens before any tool call"
                    : "the reply has no tool call", rationale);
        }
        List<Action> actions = new ArrayList<>();
        for (ChatResponse.ToolCall c : calls) {
            try {
                actions.add(action(c, context));
            } catch (IllegalArgumentException e) {
                return new ParseResult.Malformed(e.getMessage(), rationale);
            }
        }
        return new ParseResult.Parsed(actions, rationale);
    }

    private static Action action(ChatResponse.ToolCall c, ParseContext context) {
        JsonNode args;
        String raw = c.arguments().strip();
        if (raw.isEmpty()) {
            args = F.objectNode();
        } else {
            try {
                args = JSON.readTree(raw);
            } catch (IOException e) {
                throw new IllegalArgumentException("the arguments of " + c.name() + " are not valid JSON: "
                        + ChatMessages.cut(ChatMessages.oneLine(raw), 120));
            }
            if (args == null || !args.isObject()) {
                throw new IllegalArgumentException("the arguments of " + c.name() + " must be a JSON object, got "
                        + ChatMessages.cut(ChatMessages.oneLine(raw), 120));
            }
        }
        return switch (c.name()) {
            case "image_search" -> new Action.ImageSearch();
            case "text_search" -> new Action.TextSearch(requireText(args, "query", c.name()));
            case "answer" -> new Action.Answer(requireText(args, "answer", c.name()));
            case "gaze" -> {
                JsonNode bb = args.get("bbox_2d");
                if (bb == null || !bb.isArray() || bb.size() != 4) {
                    throw new IllegalArgumentException("gaze needs \"bbox_2d\": [x1, y1, x2, y2] (four numbers), got "
                            + (bb == null ? "none" : ChatMessages.cut(bb.toString(), 120)));
                }
                double[] v = new double[4];
                for (int i = 0; i < 4; i++) {
                    if (!bb.get(i).isNumber()) {
                        throw new IllegalArgumentException("gaze \"bbox_2d\" must be four numbers, got " + bb);
                    }
                    v[i] = bb.get(i).asDouble();
                }
                yield context.gaze(v);
            }
            default -> throw new IllegalArgumentException("unknown tool '" + ChatMessages.cut(c.name(), 60)
                    + "'; the tools are image_search, gaze, text_search and answer");
        };
    }

    private static String requireText(JsonNode args, String field, String tool) {
        JsonNode v = args.get(field);
        if (v == null || v.isNull() || v.isContainerNode() || v.asText().isBlank()) {
            throw new IllegalArgumentException(tool + " needs a non-empty \"" + field + "\"");
        }
        return v.asText().strip();
    }

    /** Reasoning text, then the message's own text, joined. */
    private static String rationale(ChatResponse r, String text) {
        String a = r.reasoning() == null ? "" : r.reasoning().strip();
        String b = text == null ? "" : text.strip();
        String s = a.isEmpty() ? b : b.isEmpty() ? a : a + "\n" + b;
        return s.isEmpty() ? null : s;
    }

    @Override
    public String formatReminder() {
        return "Call one or more of the tools image_search, gaze (with \"bbox_2d\": [x1, y1, x2, y2]), text_search "
                + "(with \"query\"), or call answer (with \"answer\") alone.";
    }

    @Override
    public String mustAnswerNote() {
        return "No searches are left: call the answer tool now with your best answer.";
    }
}
