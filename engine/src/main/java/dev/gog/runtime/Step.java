package dev.gog.runtime;

import dev.gog.image.Box;
import java.util.List;
import java.util.Map;

/**
 * One step of a trace: one action of one turn, what it used, what it found and what it cost.
 *
 * @param index this step's position in the trace, from 0
 * @param turn the policy turn that asked for it, from 1 (the actions of one turn share it)
 * @param action what was done
 * @param query the text query ({@code text_search}), the answer ({@code answer}), else null
 * @param boxes the gaze box in original pixels ({@code gaze}, {@code reflect}); else empty
 * @param results the results it got, best first (empty when it failed or is not a search)
 * @param error why it failed (a time-out, a provider error, a malformed LMM output), or null
 * @param rationale the policy's reason (the LMM's reasoning text, or the built-in rule), or null
 * @param timingsMs milliseconds per stage of this step ({@code policy}, {@code encode},
 *     {@code crop}, {@code search}, ...), in the order they ran
 */
public record Step(int index, int turn, ActionType action, String query, List<Box> boxes, List<Evidence> results,
                   String error, String rationale, Map<String, Double> timingsMs) {
    /** Copies the collections. */
    public Step {
        boxes = List.copyOf(boxes);
        results = List.copyOf(results);
        timingsMs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(timingsMs));
    }

    /** True when this step failed. */
    public boolean failed() {
        return error != null;
    }
}
