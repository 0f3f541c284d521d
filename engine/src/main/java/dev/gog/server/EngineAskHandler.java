package dev.gog.server;

import dev.gog.runtime.Answer;
import dev.gog.runtime.AskOptions;
import dev.gog.runtime.GogEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** The server's view of a {@link GogEngine}: its ask, its meters, its default budgets. */
record EngineAskHandler(GogEngine engine) implements AskHandler {
    EngineAskHandler {
        Objects.requireNonNull(engine, "engine");
    }

    @Override
    public CompletableFuture<Answer> ask(byte[] image, String question, AskOptions options) {
        return engine.ask(image, question, options);
    }

    @Override
    public MeterRegistry meters() {
        return engine.meters();
    }

    @Override
    public AskOptions defaults() {
        return engine.defaults();
    }
}
