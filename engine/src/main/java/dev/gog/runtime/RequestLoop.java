package dev.gog.runtime;

import dev.gog.image.Box;
import dev.gog.image.Image;
import dev.gog.preprocess.Preprocessor;
import dev.gog.search.SearchProvider;
import dev.gog.search.SearchProvider.Capability;
import dev.gog.search.SearchQuery;
import dev.gog.search.SearchResponse;
import dev.gog.search.SearchResult;
import dev.gog.tensor.DType;
import dev.gog.tensor.Tensor;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request: admission to answer, on its own virtual thread. Package-private; see {@link GogEngine}.
 */
final class RequestLoop implements PolicyContext {
    private static final Logger LOG = LoggerFactory.getLogger(RequestLoop.class);
    /** Longest side of the JPEG sent to a by-bytes image search. */
    static final int MAX_SEARCH_SIDE = 1600;
    /** JPEG quality for search and LMM images. */
    static final int JPEG_QUALITY = 90;

    private final GogEngine engine;
    private final String id;
    private final byte[] bytes;
    private final String question;
    private final AskOptions options;
    private final long admitted = System.nanoTime();
    private final Instant deadline;
    private final CompletableFuture<Answer> result = new CompletableFuture<>();
    private final java.util.Set<Future<?>> inFlight = ConcurrentHashMap.newKeySet();
    private final List<Step> steps = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Double> stages = Collections.synchronizedMap(new LinkedHashMap<>());
    private volatile Image image;
    private volatile boolean cancelled;
    private volatile String cancelReason;
    private volatile Thread thread;
    private volatile int turn;
    private volatile int searches;
    private CompletableFuture<Perception> perception;

    RequestLoop(GogEngine engine, String id, byte[] bytes, String question, AskOptions options) {
        this.engine = engine;
        this.id = id;
        this.bytes = bytes;
        this.question = question;
        this.options = options;
        this.deadline = Instant.now().plus(options.deadline());
        result.whenComplete((a, t) -> {
            if (t instanceof CancellationException) cancel("cancelled by the caller");
        });
    }

    String id() {
        return id;
    }

    CompletableFuture<Answer> result() {
        return result;
    }

    /** Cancels the request: marks it, cancels every in-flight call, interrupts the loop. */
    void cancel(String reason) {
        if (cancelled) return;
        cancelReason = reason;
        cancelled = true;
        if (engine.dequeue(this)) {
            result.cancel(false);
            return;
        }
        for (Future<?> f : inFlight) f.cancel(true);
        Thread t = thread;
        if (t != null) t.interrupt();
    }

    // --- the loop --------------------------------------------------------------------------------

    void run() {
        thread = Thread.currentThread();
        String stop = "answered";
        String error = null;
        Action.Answer answered = null;
        try {
            addStage("queue", ms(System.nanoTime() - admitted));
            if (cancelled) throw new CancellationException(cancelReason);
            if (timeLeftNanos() <= 0) throw new DeadlineException("the deadline passed while the request was queued");
            long t0 = System.nanoTime();
            CompletableFuture<Image> decoding = engine.scheduler.submit("decode", () -> Image.decode(bytes));
            decoding.whenComplete((img, t) -> {
                if (img != null && (cancelled || result.isDone())) {
                    if (image != img) img.close();
                }
            });
            image = await(decoding);
            if (cancelled || result.isDone()) {
                image.close();
                throw new CancellationException(cancelReason);
            }
            addStage("decode", ms(System.nanoTime() - t0));
            if (engine.policy.wantsPerception()) perception(); // overlaps the first turn's searches
            while (true) {
                if (turn >= options.maxTurns()) {
                    stop = "max_turns";
                    error = "the turn budget (" + options.maxTurns() + ") ran out before an answer";
                    break;
                }
                turn++;
                long tp = System.nanoTime();
                PolicyTurn pt = await(engine.policy.next(this));
                double policyMs = ms(System.nanoTime() - tp);
                addStage("policy", policyMs);
                if (pt.error() != null) {
                    stop = "error";
                    error = "policy " + engine.policy.name() + ": " + pt.error();
                    break;
                }
                if (pt.actions().get(0) instanceof Action.Answer a) {
                    Map<String, Double> t = new LinkedHashMap<>(pt.timingsMs());
                    t.put("policy", policyMs);
                    steps.add(new Step(steps.size(), turn, ActionType.ANSWER, a.text(), List.of(), List.of(), null, pt.rationale(), t));
                    answered = a;
                    break;
                }
                runTurn(pt, policyMs);
            }
        } catch (DeadlineException e) {
            stop = "deadline";
            error = e.getMessage();
        } catch (CancellationException | InterruptedException e) {
            stop = "cancelled";
            error = cancelReason != null ? cancelReason : "cancelled";
        } catch (Throwable t) {
            Throwable c = unwrap(t);
            if (image == null && !cancelled) {
                // the image could not be decoded: the caller's input is bad
                finish(null);
                result.completeExceptionally(c);
                return;
            }
            stop = "error";
            error = c.getClass().getSimpleName() + ": " + c.getMessage();
            LOG.warn("[{}] request failed: {}", id, error, c instanceof RuntimeException ? null : c);
        }
        Answer answer = build(answered, stop, error);
        finish(answer);
        if (!result.complete(answer)) LOG.debug("[{}] answer dropped: the request was cancelled", id);
    }

    private Answer build(Action.Answer answered, String stop, String error) {
        List<Step> all;
        synchronized (steps) {
            all = steps.stream().filter(java.util.Objects::nonNull).toList();
        }
        double total = ms(System.nanoTime() - admitted);
        Map<String, Double> st;
        synchronized (stages) {
            st = new LinkedHashMap<>(stages);
        }
        Trace trace = new Trace(id, engine.policy.name(), all, turn, searches, st, total, stop);
        if (answered != null) {
            return new Answer(answered.text(), Answer.Outcome.ANSWERED, Aggregator.evidenceFor(answered.text(), all), trace, null);
        }
        Aggregator.Conclusion c = Aggregator.conclude(question, all);
        if (c == null) return new Answer(null, Answer.Outcome.FAILED, List.of(), trace, error);
        return new Answer(c.text(), Answer.Outcome.PARTIAL, c.evidence(), trace, error + "; answered from the evidence so far (" + c.rule() + ")");
    }

    private void finish(Answer a) {
        for (Future<?> f : inFlight) f.cancel(true);
        Image img = image;
        if (img != null) img.close();
        String outcome = a == null ? "invalid" : a.outcome().name().toLowerCase(java.util.Locale.ROOT);
        engine.requestTimer(outcome).record(System.nanoTime() - admitted, TimeUnit.NANOSECONDS);
        if (a != null) {
            for (Map.Entry<String, Double> e : a.trace().stagesMs().entrySet()) {
                engine.stageTimer(e.getKey()).record((long) (e.getValue() * 1e6), TimeUnit.NANOSECONDS);
            }
            LOG.info("[{}] {} in {} ms, {} turn(s), {} search(es), stop {}: {}", id, outcome, Math.round(a.trace().totalMs()),
                    a.trace().turns(), a.trace().searches(), a.trace().stop(), a.text());
        }
        engine.finished(this);
    }

    /** Runs the searches of one turn concurrently and waits for all of them (or the deadline). */
    private void runTurn(PolicyTurn pt, double policyMs) throws InterruptedException {
        List<CompletableFuture<Step>> running = new ArrayList<>();
        Map<Integer, Action> launched = new LinkedHashMap<>();
        boolean first = true;
        for (Action a : pt.actions()) {
            Map<String, Double> t = new LinkedHashMap<>();
            if (first) {
                t.putAll(pt.timingsMs());
                t.put("policy", policyMs);
            }
            String rationale = first ? pt.rationale() : null;
            first = false;
            int index;
            synchronized (steps) {
                index = steps.size();
                steps.add(null); // reserved: filled when the action ends
            }
            if (searches >= options.maxSearches()) {
                steps.set(index, new Step(index, turn, a.type(), queryOf(a), boxesOf(a), List.of(),
                        "search budget (" + options.maxSearches() + ") exhausted", rationale, t));
                count(a.type(), "skipped");
                continue;
            }
            searches++;
            launched.put(index, a);
            running.add(execute(index, a, rationale, t));
        }
        try {
            await(CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)));
        } catch (DeadlineException e) {
            synchronized (steps) {
                for (Map.Entry<Integer, Action> en : launched.entrySet()) {
                    int i = en.getKey();
                    if (steps.get(i) == null) {
                        Action a = en.getValue();
                        steps.set(i, new Step(i, turn, a.type(), queryOf(a), boxesOf(a), List.of(),
                                "the deadline was reached before the step ended", null, Map.of()));
                    }
                }
            }
            throw e;
        }
    }

    /** Runs one action; the future never fails: a failure is the step's error. */
    private CompletableFuture<Step> execute(int index, Action a, String rationale, Map<String, Double> timings) {
        long t0 = System.nanoTime();
        Map<String, Double> t = Collections.synchronizedMap(new LinkedHashMap<>(timings));
        CompletableFuture<SearchResponse> f;
        try {
            f = switch (a) {
                case Action.TextSearch ts -> textSearch(ts.query());
                case Action.ImageSearch is -> imageSearch(null, t);
                case Action.Gaze g -> imageSearch(g.box(), t);
                case Action.Answer ans -> throw new IllegalStateException("answer is not a search");
            };
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        long ts = System.nanoTime();
        return f.handle((resp, err) -> {
            String via = switch (a.type()) {
                case IMAGE_SEARCH -> "glance";
                case GAZE -> "gaze";
                case REFLECT -> "reflect";
                default -> "text_search";
            };
            List<Evidence> ev = new ArrayList<>();
            String error = null;
            if (err != null) {
                Throwable c = unwrap(err);
                error = c instanceof CancellationException ? "cancelled" : c.getClass().getSimpleName() + ": " + c.getMessage();
                count(a.type(), "error");
            } else {
                for (SearchResult r : resp.results()) {
                    ev.add(new Evidence(index, via, r.title(), r.url(), r.snippet(), r.score(), r.provider()));
                }
                t.put("search", resp.latency().toNanos() / 1e6);
                count(a.type(), "ok");
            }
            t.put("total", ms(System.nanoTime() - t0));
            Step s = new Step(index, turn, a.type(), queryOf(a), boxesOf(a), ev, error, rationale, t);
            synchronized (steps) {
                steps.set(index, s);
            }
            for (Map.Entry<String, Double> e : s.timingsMs().entrySet()) {
                if (!e.getKey().equals("total") && !e.getKey().equals("policy")) addStage(e.getKey(), e.getValue());
            }
            if (error != null) LOG.debug("[{}] step {} ({}) failed: {}", id, index, a.type().wireName(), error);
            return s;
        });
    }

    private CompletableFuture<SearchResponse> textSearch(String query) {
        SearchProvider p = engine.textSearch;
        if (p == null) return CompletableFuture.failedFuture(new IllegalStateException("no text search provider is configured"));
        return track(p.search(new SearchQuery.Text(query, options.topK())));
    }

    /** Glance ({@code box == null}) or gaze: by embedding where the provider can, else by JPEG bytes. */
    private CompletableFuture<SearchResponse> imageSearch(Box box, Map<String, Double> t) {
        SearchProvider p = engine.imageSearch;
        if (p == null) return CompletableFuture.failedFuture(new IllegalStateException("no image search provider is configured"));
        Image img = image;
        if (box != null && !box.within(img.originalWidth(), img.originalHeight())) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("gaze box " + box + " is outside the "
                    + img.originalWidth() + "x" + img.originalHeight() + " image"));
        }
        long t0 = System.nanoTime();
        if (p.capabilities().contains(Capability.IMAGE_BY_EMBEDDING)) {
            CompletableFuture<float[]> emb = track(box == null ? engine.scheduler.embedWhole(img) : engine.scheduler.embedCrop(img, box));
            return emb.thenCompose(v -> {
                t.put("encode", ms(System.nanoTime() - t0));
                return track(p.search(new SearchQuery.Embedding(v, engine.queryModel, options.topK())));
            });
        }
        if (p.capabilities().contains(Capability.IMAGE_BY_BYTES)) {
            CompletableFuture<byte[]> jpeg = box == null ? searchJpeg(img) : cropJpeg(box);
            return jpeg.thenCompose(b -> {
                t.put("jpeg", ms(System.nanoTime() - t0));
                return track(p.search(new SearchQuery.ImageBytes(b, options.topK())));
            });
        }
        return CompletableFuture.failedFuture(new IllegalStateException("the image search provider " + p.name()
                + " takes neither embeddings nor image bytes"));
    }

    private CompletableFuture<byte[]> searchJpeg(Image img) {
        int w = img.originalWidth(), h = img.originalHeight();
        int side = Math.max(w, h);
        if (side <= MAX_SEARCH_SIDE) return track(engine.scheduler.submit("jpeg", () -> img.encodeJpeg(JPEG_QUALITY)));
        double s = (double) MAX_SEARCH_SIDE / side;
        return imageJpeg(Math.max(1, (int) Math.round(w * s)), Math.max(1, (int) Math.round(h * s)));
    }

    private void count(ActionType a, String status) {
        engine.stepCounter(a, status).increment();
    }

    // --- PolicyContext ----------------------------------------------------------------------------

    @Override
    public String requestId() {
        return id;
    }

    @Override
    public String question() {
        return question;
    }

    @Override
    public int imageWidth() {
        return image.originalWidth();
    }

    @Override
    public int imageHeight() {
        return image.originalHeight();
    }

    @Override
    public CompletableFuture<byte[]> imageJpeg(int width, int height) {
        if (width < 1 || height < 1 || width > 16384 || height > 16384) {
            throw new IllegalArgumentException("JPEG size " + width + "x" + height + " out of range 1..16384");
        }
        Image img = image;
        return track(engine.scheduler.submit("jpeg", () -> {
            try (Preprocessor pp = new Preprocessor(engine.encoder.preprocessSpec().withDtype(DType.U8), 1);
                 Tensor px = pp.frame(img, width, height)) {
                Image small = Image.wrap(px.segment(), width, height, 3L * width);
                return small.encodeJpeg(JPEG_QUALITY);
            }
        }));
    }

    @Override
    public CompletableFuture<byte[]> cropJpeg(Box box) {
        Image img = image;
        box.requireWithin(img.originalWidth(), img.originalHeight());
        return track(engine.scheduler.submit("jpeg", () -> img.encodeJpeg(box, JPEG_QUALITY)));
    }

    @Override
    public synchronized CompletableFuture<Perception> perception() {
        if (perception == null) {
            Image img = image;
            perception = track(track(engine.scheduler.embedText(question))
                    .thenCompose(q -> track(engine.scheduler.perceive(img, q, engine.config.gaze))));
            long t0 = System.nanoTime();
            perception.thenAccept(p -> addStage("perceive", ms(System.nanoTime() - t0)));
        }
        return perception;
    }

    @Override
    public List<Step> history() {
        synchronized (steps) {
            List<Step> out = new ArrayList<>(steps.size());
            for (Step s : steps) if (s != null) out.add(s);
            return out;
        }
    }

    @Override
    public Budget budget() {
        return new Budget(options.maxTurns() - turn + 1, options.maxSearches() - searches, deadline);
    }

    @Override
    public boolean cancelled() {
        return cancelled || timeLeftNanos() <= 0;
    }

    // --- helpers ------------------------------------------------------------------------------------

    private <T> CompletableFuture<T> track(CompletableFuture<T> f) {
        inFlight.add(f);
        f.whenComplete((v, t) -> inFlight.remove(f));
        if (cancelled) f.cancel(true);
        return f;
    }

    /** Waits for {@code f} until the deadline; on the deadline cancels it. */
    private <T> T await(CompletableFuture<T> f) throws InterruptedException {
        track(f);
        long left = timeLeftNanos();
        try {
            if (left <= 0) throw new TimeoutException();
            return f.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new DeadlineException("the deadline (" + options.deadline().toMillis() + " ms) was reached");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new CompletionException(c);
        } catch (InterruptedException e) {
            f.cancel(true);
            if (timeLeftNanos() <= 0 && !cancelled) throw new DeadlineException("the deadline was reached");
            throw e;
        }
    }

    private long timeLeftNanos() {
        return options.deadline().toNanos() - (System.nanoTime() - admitted);
    }

    private void addStage(String stage, double ms) {
        stages.merge(stage, ms, Double::sum);
    }

    private static String queryOf(Action a) {
        return switch (a) {
            case Action.TextSearch t -> t.query();
            case Action.Answer ans -> ans.text();
            default -> null;
        };
    }

    private static List<Box> boxesOf(Action a) {
        return a instanceof Action.Gaze g ? List.of(g.box()) : List.of();
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** The request's deadline passed. */
    private static final class DeadlineException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DeadlineException(String message) {
            super(message, null, false, false);
        }
    }
}
