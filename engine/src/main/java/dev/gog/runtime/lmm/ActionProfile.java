package dev.gog.runtime.lmm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * How one family of models writes actions and reads results: the wire format between
 * {@link LmmPolicy} and the model. The policy owns everything else (HTTP, images, budgets, the
 * repair retry, the last-turn rule); a profile is pure text and JSON, stateless and thread-safe.
 *
 * <p>Each turn the policy rebuilds the whole conversation:
 * <ol>
 *   <li>{@code system}: {@link #systemPrompt()};</li>
 *   <li>{@link #firstUserMessage}: the question and the image;</li>
 *   <li>for each earlier turn, {@link #renderTurn}: the assistant's message as the model would
 *       have written it, then the results (and gaze crops);</li>
 *   <li>on the request's last turn, a user message with {@link #mustAnswerNote()};</li>
 * </ol>
 * and sends it with {@link #tools()} (when not null) and {@link #stopSequences()}. The reply goes
 * to {@link #parse}. When the reply is malformed, the policy appends
 * {@link #echo the reply} and a user message naming the problem plus {@link #formatReminder()}, and
 * asks once more.
 *
 * <p><b>Adding a profile</b> (checklist):
 * <ol>
 *   <li>Implement this interface in this package (see {@link ToolCallProfile} for OpenAI tool
 *       calls and {@link TagProfile} for actions written as tags in the text).</li>
 *   <li>{@link #parse}: turn every form of action into {@link dev.gog.runtime.Action}s; map boxes
 *       with {@link ParseContext#gaze}; return {@link ParseResult.Malformed} with a short reason
 *       (it is shown to the model) for anything unusable, including output cut by
 *       {@code max_tokens} ({@link ChatResponse#truncated()}) without a complete action. The policy
 *       itself checks that an answer stands alone and that the last turn answers.</li>
 *   <li>{@link #renderTurn}: write past steps back so that the model recognises its own actions;
 *       results with {@link ChatMessages#results}, boxes with {@link ImageFrame#format}.</li>
 *   <li>Register it by name in {@link ActionProfiles#byName}.</li>
 *   <li>Add a test next to {@code LmmPolicyToolsTest}/{@code LmmPolicyTagsTest} against the fake
 *       server: every action form, history rendering, a malformed reply.</li>
 * </ol>
 */
public interface ActionProfile {
    /** The profile's registered name ({@code tools}, {@code tags}). */
    String name();

    /** The system prompt. */
    String systemPrompt();

    /**
     * The OpenAI {@code tools} array sent with every request, or null when actions are written in
     * the text.
     *
     * @return a new array owned by the caller, or null
     */
    ArrayNode tools();

    /** Stop sequences sent with every request (the policy adds the configured extra ones). */
    List<String> stopSequences();

    /**
     * The first user message: the question and the image.
     *
     * @param question the question
     * @param frame how the image is sent (its size, the box frame)
     * @param imageDataUrl the sent image as a {@code data:image/jpeg;base64,} URL
     * @return a new message owned by the caller
     */
    ObjectNode firstUserMessage(String question, ImageFrame frame, String imageDataUrl);

    /**
     * The messages that replay one earlier turn: the assistant's message, then its results.
     *
     * @param turn the turn
     * @return new messages owned by the caller, in order
     */
    List<ObjectNode> renderTurn(PastTurn turn);

    /**
     * Reads the actions of an assistant message.
     *
     * @param response the model's reply
     * @param context the image frame and request facts
     * @return the actions, or why none could be read; never null
     */
    ParseResult parse(ChatResponse response, ParseContext context);

    /** One or two sentences restating the action format, appended to a corrective message. */
    String formatReminder();

    /** The instruction given on the request's last turn: answer now, no more searches. */
    String mustAnswerNote();

    /**
     * The assistant message that replays a malformed reply before the corrective message. The
     * default writes its text and its tool calls (as {@code <tool_call>} JSON lines) as plain
     * content, so that no tool response is owed.
     *
     * @return a new message owned by the caller
     */
    default ObjectNode echo(ChatResponse response) {
        StringBuilder sb = new StringBuilder();
        if (response.content() != null) sb.append(response.content().strip());
        for (ChatResponse.ToolCall c : response.toolCalls()) {
            if (!sb.isEmpty()) sb.append('\n');
            sb.append("<tool_call>{\"name\": \"").append(c.name()).append("\", \"arguments\": ")
                    .append(c.arguments().isBlank() ? "{}" : c.arguments().strip()).append("}</tool_call>");
        }
        return ChatMessages.message("assistant", ChatMessages.cut(sb.toString(), 4000));
    }
}
