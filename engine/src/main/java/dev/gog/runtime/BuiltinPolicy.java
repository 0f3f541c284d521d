package dev.gog.runtime;

import dev.gog.gaze.GazeDecision;
import dev.gog.gaze.GazeStats;
import dev.gog.gaze.ScoredBox;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The policy that needs no LMM. Its rules, turn by turn:
 * <ol>
 *   <li><b>Glance</b>: image search with the whole image.</li>
 *   <li><b>Gaze</b> when the Selective Gaze decision says GAZE, or the glance was not confident
 *       (the relative margin {@code (s1 - s2) / |s1|} of its two best scores is under
 *       {@link Options#minMargin()}, or it found nothing): image search with the best boxes (up
 *       to {@link Options#maxGazes()}, concurrently).</li>
 *   <li><b>Reflect</b> when every gaze was also unconfident and an unused box is left: gaze at
 *       the next box.</li>
 *   <li><b>Text search</b> for the best-supported entity so far, with the question.</li>
 *   <li><b>Answer</b> with {@link Aggregator#conclude}: the value of the best entity's fact that
 *       the question asks for, else the entity itself, with the results it rests on.</li>
 * </ol>
 * It answers earlier when the turn or search budget runs out. Stateless and thread-safe: it reads
 * everything from the {@link PolicyContext}.
 */
public final class BuiltinPolicy implements Policy {
    /**
     * Settings.
     *
     * @param minMargin the relative score margin under which a search's result is "not confident", 0..1
     * @param maxGazes boxes gazed at in the gaze turn, 1..8
     * @param textSearch whether to run the text search turn
     */
    public record Options(double minMargin, int maxGazes, boolean textSearch) {
        /** Validates. */
        public Options {
            if (!(minMargin >= 0 && minMargin <= 1)) throw new IllegalArgumentException("minMargin must be in [0, 1], got " + minMargin);
            if (maxGazes < 1 || maxGazes > 8) throw new IllegalArgumentException("maxGazes must be in [1, 8], got " + maxGazes);
        }

        /** Margin 0.05, two gazes, text search on. */
        public static Options defaults() {
            return new Options(0.05, 2, true);
        }
    }

    private final Options options;

    /** A policy with {@link Options#defaults()}. */
    public BuiltinPolicy() {
        this(Options.defaults());
    }

    /** A policy with these options. */
    public BuiltinPolicy(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    @Override
    public String name() {
        return "builtin";
    }

    /** True: the gaze turn needs the analysis, so it runs while the glance searches. */
    @Override
    public boolean wantsPerception() {
        return true;
    }

    @Override
    public CompletableFuture<PolicyTurn> next(PolicyContext ctx) {
        List<Step> history = ctx.history();
        Budget budget = ctx.budget();
        if (budget.lastTurn()) return CompletableFuture.completedFuture(answer(ctx, history, "budget: last turn"));
        if (history.stream().noneMatch(s -> s.action() == ActionType.IMAGE_SEARCH)) {
            return CompletableFuture.completedFuture(PolicyTurn.of("glance first: search with the whole image", Map.of(),
                    new Action.ImageSearch()));
        }
        long t0 = System.nanoTime();
        return ctx.perception().thenApply(p -> {
            Map<String, Double> timings = Map.of("perceive_wait", (System.nanoTime() - t0) / 1e6);
            return decide(ctx, history, budget, p, timings);
        });
    }

    private PolicyTurn decide(PolicyContext ctx, List<Step> history, Budget budget, Perception p, Map<String, Double> timings) {
        GazeDecision d = p.decision();
        List<Step> gazes = history.stream().filter(s -> s.action() == ActionType.GAZE || s.action() == ActionType.REFLECT).toList();
        List<ScoredBox> unused = unusedBoxes(d.boxes(), gazes);
        if (gazes.isEmpty() && !unused.isEmpty()) {
            double m = bestMargin(history, ActionType.IMAGE_SEARCH);
            if (d.isGaze() || m < options.minMargin()) {
                int n = Math.min(Math.min(options.maxGazes(), budget.searchesLeft()), unused.size());
                List<Action> acts = new ArrayList<>();
                for (int i = 0; i < n; i++) acts.add(new Action.Gaze(unused.get(i).box(), false));
                String why = String.format(Locale.ROOT, "selective gaze: decision %s (%s), glance margin %.3f (min %.3f); gaze at %d box(es)",
                        d.kind(), stats(d.stats()), m, options.minMargin(), n);
                return new PolicyTurn(acts, why, null, timings);
            }
        }
        if (!gazes.isEmpty() && gazes.stream().noneMatch(s -> s.action() == ActionType.REFLECT) && !unused.isEmpty()
                && budget.turnsLeft() > 2) {
            double m = Math.max(bestMargin(history, ActionType.GAZE), bestMargin(history, ActionType.IMAGE_SEARCH));
            if (m < options.minMargin()) {
                String why = String.format(Locale.ROOT, "reflect: the gazes were not confident (best margin %.3f < %.3f); gaze at the next box",
                        m, options.minMargin());
                return new PolicyTurn(List.of(new Action.Gaze(unused.get(0).box(), true)), why, null, timings);
            }
        }
        if (options.textSearch() && history.stream().noneMatch(s -> s.action() == ActionType.TEXT_SEARCH)) {
            List<Aggregator.Candidate> ranked = Aggregator.rank(history);
            String query = ranked.isEmpty() ? ctx.question() : ranked.get(0).title() + " " + ctx.question();
            String why = ranked.isEmpty() ? "text search with the question (no entity found yet)"
                    : String.format(Locale.ROOT, "text search for the best-supported entity \"%s\" (support %.4f)", ranked.get(0).title(),
                            ranked.get(0).support());
            return new PolicyTurn(List.of(new Action.TextSearch(query)), why, null, timings);
        }
        return answer(ctx, history, "evidence gathered");
    }

    private static PolicyTurn answer(PolicyContext ctx, List<Step> history, String why) {
        Aggregator.Conclusion c = Aggregator.conclude(ctx.question(), history);
        if (c == null) return PolicyTurn.failed("nothing was found to answer from (" + why + ")", Map.of());
        return PolicyTurn.of(why + "; answer by " + c.rule(), Map.of(), new Action.Answer(c.text()));
    }

    private static List<ScoredBox> unusedBoxes(List<ScoredBox> boxes, List<Step> gazes) {
        List<ScoredBox> out = new ArrayList<>();
        for (ScoredBox b : boxes) {
            boolean used = gazes.stream().anyMatch(s -> s.boxes().contains(b.box()));
            if (!used) out.add(b);
        }
        return out;
    }

    /** The best relative margin among the steps of one action ({@code -1} when none succeeded). */
    static double bestMargin(List<Step> history, ActionType action) {
        double best = -1;
        for (Step s : history) {
            if (s.action() != action && !(action == ActionType.GAZE && s.action() == ActionType.REFLECT)) continue;
            best = Math.max(best, margin(s.results()));
        }
        return best;
    }

    /** {@code (s1 - s2) / |s1|} of a result list; 1 for one result, 0 for none. */
    static double margin(List<Evidence> results) {
        if (results.isEmpty()) return 0;
        if (results.size() == 1) return 1;
        double s1 = results.get(0).score(), s2 = results.get(1).score();
        if (!(Math.abs(s1) > 1e-12)) return 0;
        return Math.max(0, (s1 - s2) / Math.abs(s1));
    }

    private static String stats(GazeStats s) {
        return String.format(Locale.ROOT, "peak/mean %.2f, entropy %.3f, cover %.3f", s.peakToMean(), s.entropy(), s.bestCover());
    }
}
