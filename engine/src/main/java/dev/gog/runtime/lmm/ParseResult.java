package dev.gog.runtime.lmm;

import dev.gog.runtime.Action;
import java.util.List;
import java.util.Objects;

/** What an {@link ActionProfile} read from one assistant message: actions, or why there were none. */
public sealed interface ParseResult {
    /** The reasoning text of the message (may be null or empty). */
    String rationale();

    /**
     * The message asked for these actions.
     *
     * @param actions the actions in the order written, not empty
     * @param rationale the reasoning text, or null
     */
    record Parsed(List<Action> actions, String rationale) implements ParseResult {
        /**
         * Validates and copies.
         *
         * @throws IllegalArgumentException if {@code actions} is empty
         */
        public Parsed {
            actions = List.copyOf(actions);
            if (actions.isEmpty()) throw new IllegalArgumentException("a parsed message needs at least one action");
        }
    }

    /**
     * The message could not be used.
     *
     * @param reason why, in words fit for both the trace and a corrective message to the model
     * @param rationale the reasoning text, or null
     */
    record Malformed(String reason, String rationale) implements ParseResult {
        /** Validates. */
        public Malformed {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
