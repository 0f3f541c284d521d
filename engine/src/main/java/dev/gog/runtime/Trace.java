package dev.gog.runtime;

import java.util.List;
import java.util.Map;

/**
 * Everything a request did: every step, its budgets' use, and its time per stage.
 *
 * @param requestId the engine-assigned id of the request (also in the logs)
 * @param policy the policy's name
 * @param steps every step, in order
 * @param turns policy turns taken
 * @param searches search calls made
 * @param stagesMs total milliseconds per stage over the request ({@code queue}, {@code decode},
 *     {@code perceive}, {@code policy}, {@code encode}, {@code search}, ...); stages of concurrent
 *     steps add up, so their sum can exceed {@code totalMs}
 * @param totalMs wall time from admission to the answer
 * @param stop why the loop ended: {@code answered}, {@code max_turns}, {@code max_searches},
 *     {@code deadline}, {@code error}, {@code cancelled}
 */
public record Trace(String requestId, String policy, List<Step> steps, int turns, int searches,
                    Map<String, Double> stagesMs, double totalMs, String stop) {
    /** Copies the collections. */
    public Trace {
        steps = List.copyOf(steps);
        stagesMs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(stagesMs));
    }
}
