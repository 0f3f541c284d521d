package dev.gog.runtime;

import java.util.concurrent.CompletableFuture;

/**
 * Decides, turn by turn, what a request does next: the built-in rules ({@link BuiltinPolicy}) or
 * a large multimodal model ({@link dev.gog.runtime.lmm.LmmPolicy}). One instance serves every
 * request of an engine, so implementations are thread-safe and keep per-request state only in
 * what {@link PolicyContext} gives them.
 */
public interface Policy extends AutoCloseable {
    /** A short stable name for traces and metrics ({@code builtin}, {@code lmm}). */
    String name();

    /**
     * The next turn's actions. The engine runs the searches of one turn concurrently, then calls
     * again with the steps added to {@link PolicyContext#history()}, until an answer, a budget or
     * the deadline ends the request. A policy that cannot decide (an LMM that keeps producing
     * malformed output) completes with a {@link PolicyTurn} that carries the error and no
     * actions; the engine then answers from the evidence so far.
     *
     * @param context the request so far; valid until the returned future completes
     * @return the turn; cancelling it abandons the policy's in-flight calls
     */
    CompletableFuture<PolicyTurn> next(PolicyContext context);

    /**
     * Whether the engine should start the Selective Gaze analysis ({@link PolicyContext#perception()})
     * as soon as the image is decoded, concurrently with the first turn, because this policy will
     * need it. The default is false (computed on the policy's first call).
     */
    default boolean wantsPerception() {
        return false;
    }

    /** Releases connections and threads; idempotent. The default does nothing. */
    @Override
    default void close() {}
}
