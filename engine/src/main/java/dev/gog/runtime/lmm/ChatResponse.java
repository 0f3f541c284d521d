package dev.gog.runtime.lmm;

import java.util.List;
import java.util.Objects;

/**
 * The first choice of an OpenAI-compatible chat completion.
 *
 * @param content the assistant message's text ({@code message.content}), or null when absent
 * @param reasoning the reasoning text a thinking model's server returns apart
 *     ({@code reasoning_content} or {@code reasoning}), or null
 * @param toolCalls the structured tool calls ({@code message.tool_calls}), in order; empty when none
 * @param finishReason why generation stopped ({@code stop}, {@code length}, {@code tool_calls}),
 *     or null when the server did not say
 * @param promptTokens prompt tokens from {@code usage}, or -1 when absent
 * @param completionTokens completion tokens from {@code usage}, or -1 when absent
 * @param bytes the size of the response body in bytes
 */
public record ChatResponse(String content, String reasoning, List<ToolCall> toolCalls, String finishReason,
                           int promptTokens, int completionTokens, long bytes) {
    /** Copies the list. */
    public ChatResponse {
        toolCalls = List.copyOf(toolCalls);
    }

    /** A response with only text and a finish reason (for tests and profiles). */
    public static ChatResponse text(String content, String finishReason) {
        return new ChatResponse(content, null, List.of(), finishReason, -1, -1, 0);
    }

    /** True when the model was cut off by {@code max_tokens}. */
    public boolean truncated() {
        return "length".equals(finishReason);
    }

    /**
     * One structured tool call.
     *
     * @param id the call's id (may be empty when the server gave none)
     * @param name the function's name
     * @param arguments the arguments as the model wrote them (a JSON object in a string; may be
     *     empty or invalid)
     */
    public record ToolCall(String id, String name, String arguments) {
        /** Replaces nulls by empty strings. */
        public ToolCall {
            id = id == null ? "" : id;
            name = Objects.requireNonNullElse(name, "");
            arguments = arguments == null ? "" : arguments;
        }
    }
}
