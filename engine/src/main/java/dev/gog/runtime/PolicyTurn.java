package dev.gog.runtime;

import java.util.List;
import java.util.Map;

/**
 * What a policy decided for one turn.
 *
 * @param actions the actions, run concurrently; empty only together with an {@code error}
 * @param rationale why (the LMM's reasoning text, or the built-in rule that fired), or null
 * @param error why the policy could not decide (after its own repair retry), or null
 * @param timingsMs milliseconds per stage of the decision ({@code lmm}, {@code perceive}, ...)
 */
public record PolicyTurn(List<Action> actions, String rationale, String error, Map<String, Double> timingsMs) {
    /** Validates and copies. */
    public PolicyTurn {
        actions = List.copyOf(actions);
        timingsMs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(timingsMs));
        if (actions.isEmpty() && error == null) throw new IllegalArgumentException("a turn needs actions or an error");
        boolean answer = actions.stream().anyMatch(a -> a instanceof Action.Answer);
        if (answer && actions.size() > 1) throw new IllegalArgumentException("an answer must be the only action of its turn");
    }

    /** A turn of these actions. */
    public static PolicyTurn of(String rationale, Map<String, Double> timingsMs, Action... actions) {
        return new PolicyTurn(List.of(actions), rationale, null, timingsMs);
    }

    /** A turn that failed with {@code error}. */
    public static PolicyTurn failed(String error, Map<String, Double> timingsMs) {
        return new PolicyTurn(List.of(), null, java.util.Objects.requireNonNull(error, "error"), timingsMs);
    }
}
