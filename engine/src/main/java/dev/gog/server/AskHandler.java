package dev.gog.server;

import dev.gog.runtime.Answer;
import dev.gog.runtime.AskOptions;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.CompletableFuture;

/**
 * What the server needs of an engine: the engine itself in production (through
 * {@link EngineAskHandler}), a fake in tests.
 */
interface AskHandler {
    /**
     * Starts a request.
     *
     * @param image the encoded image (JPEG, PNG, ...), owned by the callee from now on
     * @param question the question
     * @param options the request's budgets
     * @return the answer; fails with {@link dev.gog.runtime.RejectedRequestException} when
     *     refused at admission, {@link IllegalArgumentException} or
     *     {@link dev.gog.bindings.GogException} for bad input; cancelling it abandons the request
     * @throws dev.gog.runtime.RejectedRequestException may also be thrown synchronously
     */
    CompletableFuture<Answer> ask(byte[] image, String question, AskOptions options);

    /** The engine's meters (a {@code PrometheusMeterRegistry} makes {@code /metrics} available). */
    MeterRegistry meters();

    /** The engine's default budgets; a request's options override them field by field. */
    AskOptions defaults();
}
