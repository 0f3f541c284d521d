package dev.gog.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A policy that plays a script: turn i gets {@code script.apply(context)}; records the contexts' histories. */
final class ScriptedPolicy implements Policy {
    final List<List<Step>> histories = new CopyOnWriteArrayList<>();
    private final Function<PolicyContext, CompletableFuture<PolicyTurn>> script;

    ScriptedPolicy(Function<PolicyContext, CompletableFuture<PolicyTurn>> script) {
        this.script = script;
    }

    /** Plays {@code turns} in order by the number of turns already taken (history's max turn). */
    static ScriptedPolicy of(PolicyTurn... turns) {
        List<PolicyTurn> list = new ArrayList<>(List.of(turns));
        return new ScriptedPolicy(ctx -> {
            int done = ctx.history().stream().mapToInt(Step::turn).max().orElse(0);
            return CompletableFuture.completedFuture(list.get(Math.min(done, list.size() - 1)));
        });
    }

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public CompletableFuture<PolicyTurn> next(PolicyContext context) {
        histories.add(context.history());
        return script.apply(context);
    }
}
