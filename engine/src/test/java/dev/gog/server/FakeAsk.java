package dev.gog.server;

import dev.gog.image.Box;
import dev.gog.runtime.ActionType;
import dev.gog.runtime.Answer;
import dev.gog.runtime.AskOptions;
import dev.gog.runtime.Evidence;
import dev.gog.runtime.Step;
import dev.gog.runtime.Trace;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A fake engine for the server tests: records each call and answers as told. */
final class FakeAsk implements AskHandler {
    /** One call to {@link #ask}. */
    record Call(byte[] image, String question, AskOptions options, CompletableFuture<Answer> future) {}

    final List<Call> calls = new CopyOnWriteArrayList<>();
    volatile MeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    volatile AskOptions defaults = AskOptions.defaults();
    /** What ask returns; the default answers {@link #ANSWER} at once. */
    volatile Function<Call, CompletableFuture<Answer>> behaviour = c -> CompletableFuture.completedFuture(ANSWER);

    static final Evidence EVIDENCE = new Evidence(0, "gaze", "Red bicycle", "https://example.com/bike", "a red bicycle", 0.87, "local");
    static final Answer ANSWER = new Answer("a red bicycle", Answer.Outcome.ANSWERED, List.of(EVIDENCE),
            new Trace("r1", "builtin",
                    List.of(new Step(0, 1, ActionType.GAZE, null, List.of(new Box(1, 2, 30, 40)), List.of(EVIDENCE), null,
                                    "region is small", Map.of("search", 1.5)),
                            new Step(1, 2, ActionType.ANSWER, "a red bicycle", List.of(), List.of(), null, "best evidence",
                                    Map.of("policy", 0.25))),
                    2, 1, Map.of("queue", 0.1, "search", 1.5), 12.3456, "answered"),
            null);

    @Override
    public CompletableFuture<Answer> ask(byte[] image, String question, AskOptions options) {
        CompletableFuture<Answer> f = new CompletableFuture<>();
        Call c = new Call(image, question, options, f);
        calls.add(c);
        CompletableFuture<Answer> r = behaviour.apply(c);
        if (r == null) return f; // the call's own future, completed (or not) by the test
        r.whenComplete((a, t) -> {
            if (t != null) f.completeExceptionally(t);
            else f.complete(a);
        });
        return f;
    }

    @Override
    public MeterRegistry meters() {
        return registry;
    }

    @Override
    public AskOptions defaults() {
        return defaults;
    }
}
