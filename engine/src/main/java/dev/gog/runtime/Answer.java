package dev.gog.runtime;

import java.util.List;

/**
 * The result of {@link GogEngine#ask}: the answer, the evidence it rests on, and the trace.
 * Plain Java data, owned by the caller.
 *
 * @param text the answer, or null when none could be given ({@link Outcome#FAILED})
 * @param outcome how the request ended
 * @param evidence the results the answer rests on, most supportive first
 * @param trace every step
 * @param error why the request ended without the policy's answer ({@code PARTIAL}, {@code FAILED}), or null
 */
public record Answer(String text, Outcome outcome, List<Evidence> evidence, Trace trace, String error) {
    /** How a request ended. */
    public enum Outcome {
        /** The policy answered. */
        ANSWERED,
        /**
         * A budget, the deadline or a failure ended the loop first; the engine answered from the
         * evidence gathered so far (the built-in aggregation), and {@code error} says why.
         */
        PARTIAL,
        /** No answer: nothing was found before the loop ended; {@code error} says why. */
        FAILED
    }

    /** Copies the list. */
    public Answer {
        java.util.Objects.requireNonNull(outcome, "outcome");
        java.util.Objects.requireNonNull(trace, "trace");
        evidence = List.copyOf(evidence);
    }
}
