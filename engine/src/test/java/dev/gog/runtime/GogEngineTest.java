package dev.gog.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.image.Box;
import dev.gog.model.Encoder;
import dev.gog.search.SearchProvider.Capability;
import dev.gog.search.SearchQuery;
import dev.gog.search.SearchResponse;
import dev.gog.testing.TestData;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The request loop: actions, budgets, deadlines, failures, cancellation and admission, with tiny-clip. */
@Timeout(120)
class GogEngineTest {
    static Encoder encoder;
    static byte[] photo;

    @BeforeAll
    static void load() throws Exception {
        encoder = Encoder.load(TestData.path("models/tiny-clip"));
        photo = Files.readAllBytes(TestData.path("photos/sample-3.jpg"));
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    static GogEngine engine(Policy policy, FakeProvider provider, SchedulerOptions s) {
        return GogEngine.create(GogConfig.builder().encoder(encoder, false).policy(policy, true)
                .providers(provider, provider, false).scheduler(s).build());
    }

    static GogEngine engine(Policy policy, FakeProvider provider) {
        return engine(policy, provider, SchedulerOptions.defaults());
    }

    static final String FORT = "Fort Manoel is a star fort on Manoel Island in Malta.\nFacts:\ncommissioned by: Order of Saint John\nlocated in: Malta";

    @Test
    void builtinPolicyGlancesGazesSearchesTextAndAnswersFromAFact() {
        // the glance is unconfident (equal scores), so the policy gazes; the text search finds the fact
        FakeProvider p = FakeProvider.fixed(
                FakeProvider.results("Fort Manoel", FORT, 0.5, "Fort St. Elmo", "A fort in Valletta.", 0.5),
                FakeProvider.results("Fort Manoel", FORT, 9.0, "Valletta", "The capital of Malta.", 3.0));
        try (GogEngine e = engine(new BuiltinPolicy(), p)) {
            Answer a = e.ask(photo, "Who commissioned this building?").join();
            assertEquals(Answer.Outcome.ANSWERED, a.outcome(), () -> String.valueOf(a));
            assertEquals("Order of Saint John", a.text());
            List<ActionType> actions = a.trace().steps().stream().map(Step::action).toList();
            assertEquals(ActionType.IMAGE_SEARCH, actions.get(0), actions::toString);
            assertTrue(actions.contains(ActionType.GAZE), actions::toString);
            assertTrue(actions.contains(ActionType.TEXT_SEARCH), actions::toString);
            assertEquals(ActionType.ANSWER, actions.get(actions.size() - 1));
            // the text query names the best-supported entity
            Step text = a.trace().steps().stream().filter(s -> s.action() == ActionType.TEXT_SEARCH).findFirst().orElseThrow();
            assertTrue(text.query().startsWith("Fort Manoel "), text.query());
            // the evidence is the fact's result, and it came from the trace's steps
            assertEquals("Fort Manoel", a.evidence().get(0).title());
            assertTrue(a.evidence().get(0).snippet().contains("commissioned by: Order of Saint John"));
            for (Evidence ev : a.evidence()) assertTrue(a.trace().steps().get(ev.step()).results().contains(ev));
            // gaze boxes are inside the image; searches were by embedding of the model's width
            for (Step s : a.trace().steps()) for (Box b : s.boxes()) assertTrue(b.within(800, 600), b::toString);
            for (SearchQuery q : p.queries) {
                if (q instanceof SearchQuery.Embedding em) assertEquals(encoder.embedDim(), em.vector().length);
            }
            assertEquals(a.trace().searches(), p.queries.size());
            assertTrue(a.trace().stagesMs().containsKey("decode"));
            assertTrue(a.trace().stagesMs().containsKey("search"));
        }
    }

    static GogEngine engine(Policy policy, FakeProvider provider, dev.gog.gaze.GazeConfig gaze) {
        return GogEngine.create(GogConfig.builder().encoder(encoder, false).policy(policy, true)
                .providers(provider, provider, false).gaze(dev.gog.gaze.Gaze.Options.defaults().withJpegQuality(0).withConfig(gaze)).build());
    }

    @Test
    void theSelectiveGazeDecisionDrivesTheGazeWhenTheGlanceIsConfident() {
        // a confident glance (margin 0.89): only the Selective Gaze decision can ask for a gaze
        FakeProvider p = FakeProvider.fixed(FakeProvider.results("Fort Manoel", FORT, 0.9, "Fort St. Elmo", "x", 0.1),
                FakeProvider.results("Fort Manoel", FORT, 9.0));
        dev.gog.gaze.GazeConfig alwaysGaze = dev.gog.gaze.GazeConfig.defaults().withDecision(0f, 1f, 1f);
        dev.gog.gaze.GazeConfig neverGaze = dev.gog.gaze.GazeConfig.defaults().withDecision(1e6f, 0f, 0f);
        try (GogEngine e = engine(new BuiltinPolicy(), p, alwaysGaze)) {
            Answer a = e.ask(photo, "Who commissioned this building?").join();
            Step gaze = a.trace().steps().stream().filter(s -> s.action() == ActionType.GAZE).findFirst().orElseThrow();
            assertTrue(gaze.rationale().contains("decision GAZE"), gaze.rationale());
            assertEquals("Order of Saint John", a.text());
        }
        try (GogEngine e = engine(new BuiltinPolicy(), p, neverGaze)) {
            Answer a = e.ask(photo, "Who commissioned this building?").join();
            assertTrue(a.trace().steps().stream().noneMatch(s -> s.action() == ActionType.GAZE || s.action() == ActionType.REFLECT),
                    () -> a.trace().steps().toString());
            assertEquals("Order of Saint John", a.text());
        }
    }

    @Test
    void theBuiltinPolicysAnalysisRunsWhileTheGlanceSearches() {
        // the glance takes 400 ms; the Selective Gaze analysis started at decode is ready when the gaze turn asks
        FakeProvider p = new FakeProvider(EnumSet.of(Capability.IMAGE_BY_EMBEDDING, Capability.TEXT),
                q -> CompletableFuture.supplyAsync(() -> FakeProvider.response(FakeProvider.results("Fort Manoel", FORT, 0.5, "B", "b", 0.5)),
                        CompletableFuture.delayedExecutor(400, TimeUnit.MILLISECONDS)));
        try (GogEngine e = engine(new BuiltinPolicy(), p)) {
            Answer a = e.ask(photo, "Who commissioned this building?").join();
            Step gaze = a.trace().steps().stream().filter(s -> s.action() == ActionType.GAZE).findFirst().orElseThrow();
            double waited = gaze.timingsMs().get("perceive_wait");
            assertTrue(waited < 50, "the gaze turn waited " + waited + " ms for the analysis");
            assertTrue(a.trace().stagesMs().get("perceive") > 0);
        }
    }

    @Test
    void actionsOfOneTurnRunConcurrently() throws Exception {
        CountDownLatch both = new CountDownLatch(2);
        FakeProvider p = new FakeProvider(EnumSet.of(Capability.IMAGE_BY_EMBEDDING, Capability.TEXT), q -> CompletableFuture.supplyAsync(() -> {
            both.countDown();
            try {
                // each search waits for the other: passes only if both are in flight together
                if (!both.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("not concurrent");
            } catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
            return FakeProvider.response(FakeProvider.results("A", "a", 1.0));
        }, Thread::startVirtualThread));
        ScriptedPolicy pol = ScriptedPolicy.of(
                PolicyTurn.of("two at once", Map.of(), new Action.TextSearch("first"), new Action.TextSearch("second")),
                PolicyTurn.of("done", Map.of(), new Action.Answer("A")));
        try (GogEngine e = engine(pol, p)) {
            Answer a = e.ask(photo, "q?").get(30, TimeUnit.SECONDS);
            assertEquals(Answer.Outcome.ANSWERED, a.outcome());
            assertEquals(2, p.maxConcurrent.get());
            assertEquals(List.of(1, 1, 2), a.trace().steps().stream().map(Step::turn).toList());
        }
    }

    @Test
    void turnBudgetEndsInAPartialAnswerFromTheEvidence() {
        FakeProvider p = FakeProvider.fixed(FakeProvider.results("Fort Manoel", FORT, 1.0), FakeProvider.results("Valletta", "capital", 1.0));
        ScriptedPolicy pol = ScriptedPolicy.of(PolicyTurn.of("again", Map.of(), new Action.ImageSearch()));
        try (GogEngine e = engine(pol, p)) {
            Answer a = e.ask(photo, "Who commissioned this building?", AskOptions.defaults().withMaxTurns(3)).join();
            assertEquals(Answer.Outcome.PARTIAL, a.outcome());
            assertEquals("max_turns", a.trace().stop());
            assertEquals(3, a.trace().turns());
            assertEquals(3, a.trace().searches());
            assertEquals("Order of Saint John", a.text());
            assertTrue(a.error().contains("turn budget"), a.error());
        }
    }

    @Test
    void searchBudgetSkipsSearchesAndTellsThePolicy() {
        FakeProvider p = FakeProvider.fixed(FakeProvider.results("A", "a", 1.0), FakeProvider.results("B", "b", 1.0));
        List<Budget> seen = new ArrayList<>();
        ScriptedPolicy pol = new ScriptedPolicy(ctx -> {
            seen.add(ctx.budget());
            if (ctx.budget().searchesLeft() <= 0) return CompletableFuture.completedFuture(PolicyTurn.of("out", Map.of(), new Action.Answer("B")));
            return CompletableFuture.completedFuture(PolicyTurn.of("three", Map.of(), new Action.TextSearch("x"),
                    new Action.TextSearch("y"), new Action.TextSearch("z")));
        });
        try (GogEngine e = engine(pol, p)) {
            Answer a = e.ask(photo, "q?", AskOptions.defaults().withMaxSearches(2)).join();
            assertEquals(Answer.Outcome.ANSWERED, a.outcome());
            assertEquals(2, p.queries.size());
            Step skipped = a.trace().steps().get(2);
            assertTrue(skipped.error().contains("search budget"), skipped.error());
            assertEquals(0, seen.get(seen.size() - 1).searchesLeft());
            assertTrue(seen.get(seen.size() - 1).lastTurn());
        }
    }

    @Test
    void aSearchThatNeverAnswersEndsAtTheDeadlineWithPartialEvidence() {
        FakeProvider p = new FakeProvider(EnumSet.of(Capability.IMAGE_BY_EMBEDDING, Capability.TEXT),
                q -> q instanceof SearchQuery.Text ? new CompletableFuture<>()
                        : CompletableFuture.completedFuture(FakeProvider.response(FakeProvider.results("Fort Manoel", FORT, 1.0))));
        ScriptedPolicy pol = ScriptedPolicy.of(PolicyTurn.of("glance", Map.of(), new Action.ImageSearch()),
                PolicyTurn.of("text", Map.of(), new Action.TextSearch("who built it")));
        try (GogEngine e = engine(pol, p)) {
            long t0 = System.nanoTime();
            Answer a = e.ask(photo, "Who commissioned this building?", AskOptions.defaults().withDeadline(Duration.ofMillis(1500))).join();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 1500 + 1000, "took " + ms + " ms");
            assertEquals("deadline", a.trace().stop());
            assertEquals(Answer.Outcome.PARTIAL, a.outcome());
            assertEquals("Order of Saint John", a.text());
            Step cut = a.trace().steps().get(1);
            assertEquals(ActionType.TEXT_SEARCH, cut.action());
            assertNotNull(cut.error());
            // the hanging call was cancelled, not left running
            assertTrue(waitFor(() -> p.cancelled.get() >= 1), "in-flight search not cancelled");
        }
    }

    @Test
    void aFailingProviderIsAStepErrorNotARequestFailure() {
        FakeProvider p = new FakeProvider(EnumSet.of(Capability.IMAGE_BY_EMBEDDING, Capability.TEXT), q -> q instanceof SearchQuery.Text
                ? CompletableFuture.failedFuture(new dev.gog.search.SearchException("fake", dev.gog.search.SearchException.Kind.FAILED, "HTTP 503", null))
                : CompletableFuture.completedFuture(FakeProvider.response(FakeProvider.results("Fort Manoel", FORT, 1.0))));
        try (GogEngine e = engine(new BuiltinPolicy(), p)) {
            Answer a = e.ask(photo, "Who commissioned this building?").join();
            assertEquals(Answer.Outcome.ANSWERED, a.outcome());
            assertEquals("Order of Saint John", a.text());
            Step text = a.trace().steps().stream().filter(s -> s.action() == ActionType.TEXT_SEARCH).findFirst().orElseThrow();
            assertTrue(text.error().contains("HTTP 503"), text.error());
        }
    }

    @Test
    void aPolicyFailureEndsWithTheErrorAndAnAnswerFromTheEvidence() {
        FakeProvider p = FakeProvider.fixed(FakeProvider.results("Fort Manoel", FORT, 1.0), List.of());
        ScriptedPolicy pol = ScriptedPolicy.of(PolicyTurn.of("glance", Map.of(), new Action.ImageSearch()),
                PolicyTurn.failed("malformed output twice: no action found", Map.of()));
        try (GogEngine e = engine(pol, p)) {
            Answer a = e.ask(photo, "Who commissioned this building?").join();
            assertEquals(Answer.Outcome.PARTIAL, a.outcome());
            assertEquals("error", a.trace().stop());
            assertTrue(a.error().contains("malformed output twice"), a.error());
        }
    }

    @Test
    void nothingFoundIsAFailedAnswerWithAReason() {
        FakeProvider p = FakeProvider.fixed(List.of(), List.of());
        try (GogEngine e = engine(new BuiltinPolicy(), p)) {
            Answer a = e.ask(photo, "Who commissioned this building?").join();
            assertEquals(Answer.Outcome.FAILED, a.outcome());
            assertNull(a.text());
            assertTrue(a.error().contains("nothing was found"), a.error());
        }
    }

    @Test
    void cancellingTheRequestCancelsItsInFlightSearches() throws Exception {
        FakeProvider p = FakeProvider.hanging();
        try (GogEngine e = engine(new BuiltinPolicy(), p)) {
            CompletableFuture<Answer> f = e.ask(photo, "Who commissioned this building?");
            assertTrue(waitFor(() -> p.queries.size() >= 1), "no search started");
            f.cancel(true);
            assertTrue(waitFor(() -> p.cancelled.get() >= 1), "in-flight search not cancelled");
            assertTrue(waitFor(() -> e.activeCount() == 0), "loop did not end");
            assertThrows(CancellationException.class, f::join);
        }
    }

    @Test
    void undecodableImageFailsTheFutureWithAClearError() {
        FakeProvider p = FakeProvider.fixed(List.of(), List.of());
        try (GogEngine e = engine(new BuiltinPolicy(), p)) {
            CompletableFuture<Answer> f = e.ask(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, "what?");
            ExecutionException ex = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
            assertInstanceOf(dev.gog.bindings.GogException.class, ex.getCause());
            assertThrows(IllegalArgumentException.class, () -> e.ask(new byte[0], "what?"));
            assertThrows(IllegalArgumentException.class, () -> e.ask(photo, "  "));
            assertEquals(0, p.queries.size());
        }
    }

    @Test
    void overloadAtTwiceTheCapacityRejectsExplicitlyAndCompletesEveryAcceptedRequest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        FakeProvider p = new FakeProvider(EnumSet.of(Capability.IMAGE_BY_EMBEDDING, Capability.TEXT), q -> CompletableFuture.supplyAsync(() -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
            return FakeProvider.response(FakeProvider.results("Fort Manoel", FORT, 1.0));
        }, Thread::startVirtualThread));
        ScriptedPolicy pol = ScriptedPolicy.of(PolicyTurn.of("glance", Map.of(), new Action.ImageSearch()),
                PolicyTurn.of("answer", Map.of(), new Action.Answer("Order of Saint John")));
        int active = 3, queue = 3, capacity = active + queue;
        try (GogEngine e = engine(pol, p, SchedulerOptions.defaults().withAdmission(active, queue))) {
            long heap0 = 0, rss0 = 0;
            for (int round = 0; round < 4; round++) {
                CountDownLatch gate = round == 0 ? release : null;
                List<CompletableFuture<Answer>> fs = new ArrayList<>();
                for (int i = 0; i < 2 * capacity; i++) fs.add(e.ask(photo, "Who commissioned this building?"));
                int rejected = 0, answered = 0;
                if (gate != null) gate.countDown();
                for (CompletableFuture<Answer> f : fs) {
                    try {
                        Answer a = f.get(60, TimeUnit.SECONDS);
                        assertEquals(Answer.Outcome.ANSWERED, a.outcome());
                        answered++;
                    } catch (ExecutionException ex) {
                        RejectedRequestException r = assertInstanceOf(RejectedRequestException.class, ex.getCause());
                        assertEquals(RejectedRequestException.Reason.OVERLOADED, r.reason());
                        assertTrue(r.getMessage().contains("queue capacity 3"), r.getMessage());
                        rejected++;
                    }
                }
                if (round == 0) {
                    // the first round is held until all were submitted: exactly the capacity is admitted
                    assertEquals(capacity, answered);
                    assertEquals(capacity, rejected);
                } else {
                    assertEquals(2 * capacity, answered + rejected);
                    assertTrue(answered >= capacity, "answered " + answered);
                }
                assertTrue(waitFor(() -> e.activeCount() == 0 && e.queuedCount() == 0), "slots not released");
                System.gc();
                long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
                long rss = rssBytes();
                if (round == 1) {
                    heap0 = heap;
                    rss0 = rss;
                } else if (round > 1) {
                    assertTrue(heap - heap0 < 64L << 20, "heap grew by " + ((heap - heap0) >> 20) + " MiB");
                    assertTrue(rss - rss0 < 128L << 20, "RSS grew by " + ((rss - rss0) >> 20) + " MiB");
                }
            }
            assertTrue(e.meters().find("gog.requests.rejected").counter().count() >= capacity);
        }
    }

    @Test
    void closedEngineRejectsAndUseAfterCloseIsClear() {
        FakeProvider p = FakeProvider.fixed(List.of(), List.of());
        GogEngine e = engine(new BuiltinPolicy(), p);
        e.close();
        e.close();
        CompletionException ex = assertThrows(CompletionException.class, () -> e.ask(photo, "q?").join());
        assertEquals(RejectedRequestException.Reason.CLOSED, ((RejectedRequestException) ex.getCause()).reason());
        assertFalse(p.closed, "a provider the engine does not own stays open");
    }

    static long rssBytes() {
        try {
            for (String line : Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (java.io.IOException ex) {
            return 0;
        }
        return 0;
    }

    static boolean waitFor(java.util.function.BooleanSupplier cond) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            if (cond.getAsBoolean()) return true;
            try {
                Thread.sleep(5);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return cond.getAsBoolean();
    }
}
