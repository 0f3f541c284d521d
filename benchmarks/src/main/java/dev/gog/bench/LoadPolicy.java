package dev.gog.bench;

import dev.gog.gaze.ScoredBox;
import dev.gog.image.Box;
import dev.gog.runtime.Action;
import dev.gog.runtime.Policy;
import dev.gog.runtime.PolicyContext;
import dev.gog.runtime.PolicyTurn;
import dev.gog.runtime.Step;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A simulated LMM policy playing a GoG-like trajectory, each turn costing a jittered LMM delay
 * from a {@link LoadClock} (no thread waits): turn 1 glances (whole-image search); turn 2, once
 * the LMM delay has passed, takes the Selective Gaze analysis ({@link PolicyContext#perception()})
 * and gazes at its best box (the centre half of the image when it proposes none) together with a
 * text search of the question, in the same turn; turn 3 answers. Thread-safe; stateless per request.
 */
final class LoadPolicy implements Policy {
    private final LoadClock clock;
    private final double lmmMs;
    private final Map<String, String> answers;

    /**
     * @param clock the delay source (not owned)
     * @param lmmMs mean LMM latency per turn (0: decides at once)
     * @param answers the answer to give per question (a question not in it gets a fixed answer)
     */
    LoadPolicy(LoadClock clock, double lmmMs, Map<String, String> answers) {
        this.clock = clock;
        this.lmmMs = lmmMs;
        this.answers = Map.copyOf(answers);
    }

    @Override
    public String name() {
        return "load-sim";
    }

    @Override
    public CompletableFuture<PolicyTurn> next(PolicyContext ctx) {
        int done = ctx.history().stream().mapToInt(Step::turn).max().orElse(0);
        long t0 = System.nanoTime();
        return switch (done) {
            case 0 -> clock.after(lmmMs, () -> PolicyTurn.of("glance first", timings(t0), new Action.ImageSearch()));
            case 1 -> clock.after(lmmMs, () -> null).thenCompose(v -> {
                double lmm = (System.nanoTime() - t0) / 1e6;
                return ctx.perception().thenApply(p -> {
                    List<ScoredBox> boxes = p.decision().boxes();
                    Box box = boxes.isEmpty() ? centreHalf(ctx.imageWidth(), ctx.imageHeight()) : boxes.get(0).box();
                    // the engine records the Selective Gaze wait itself (stage "perceive")
                    return PolicyTurn.of("gaze at the best box and search the question", Map.of("lmm", lmm),
                            new Action.Gaze(box, false), new Action.TextSearch(ctx.question()));
                });
            });
            default -> clock.after(lmmMs, () -> PolicyTurn.of("answer", timings(t0),
                    new Action.Answer(answers.getOrDefault(ctx.question(), "unknown"))));
        };
    }

    /** The centre half (half the width and half the height) of a {@code w x h} image. */
    static Box centreHalf(int w, int h) {
        return new Box(w / 4f, h / 4f, w * 3 / 4f, h * 3 / 4f);
    }

    private static Map<String, Double> timings(long t0) {
        return Map.of("lmm", (System.nanoTime() - t0) / 1e6);
    }
}
