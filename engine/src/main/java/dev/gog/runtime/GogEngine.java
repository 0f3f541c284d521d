package dev.gog.runtime;

import dev.gog.model.Encoder;
import dev.gog.search.ModelKey;
import dev.gog.search.SearchProvider;
import dev.gog.search.index.EmbeddedSearchProvider;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GoG engine: answers a question about an image by Glance-or-Gaze adaptive visual search.
 * One per process, built from a {@link GogConfig}; thread-safe.
 *
 * <pre>{@code
 * try (GogEngine engine = GogEngine.create(GogConfig.builder()
 *         .model(Path.of("clip-vit-base-patch32"), Encoder.Options.defaults())
 *         .providers(index, index, true)
 *         .build())) {
 *     Answer a = engine.ask(Files.readAllBytes(photo), "Who commissioned this building?", engine.defaults()).join();
 *     a.text(); a.evidence(); a.trace().steps();
 * }
 * }</pre>
 *
 * <p>Each request runs its loop on a virtual thread: the {@link Policy} picks the next actions,
 * the engine runs a turn's searches concurrently, until the policy answers or a budget (turns,
 * searches, the deadline) ends it; then the engine answers from the evidence so far
 * ({@link Answer.Outcome#PARTIAL}). All native model work (decode, encoder, Selective Gaze, JPEG)
 * goes through the {@link BatchScheduler}: micro-batched across requests on a few platform threads.
 * Admission: at most {@link SchedulerOptions#maxActive()} loops run, {@link
 * SchedulerOptions#queueCapacity()} more wait; beyond that a request is refused with {@link
 * RejectedRequestException}.
 *
 * <p>Metrics (Micrometer, on {@link #meters()}): {@code gog.request.latency} (tag outcome),
 * {@code gog.stage.latency} (tag stage), {@code gog.requests.rejected}, {@code gog.requests.active},
 * {@code gog.requests.queued}, {@code gog.steps} (tags action, status), and the scheduler's
 * {@code gog.batch.*} and {@code gog.scheduler.queue.depth}.
 */
public final class GogEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GogEngine.class);
    /** Largest encoded image accepted (the decoder's own limit). */
    public static final int MAX_IMAGE_BYTES = 256 << 20;
    /** Longest question accepted, in characters. */
    public static final int MAX_QUESTION_CHARS = 4096;

    final Encoder encoder;
    private final boolean ownsEncoder;
    final Policy policy;
    private final boolean ownsPolicy;
    final SearchProvider imageSearch;
    final SearchProvider textSearch;
    private final boolean ownsProviders;
    final ModelKey queryModel;
    final GogConfig config;
    final BatchScheduler scheduler;
    final MeterRegistry meters;
    private final Object lock = new Object();
    private final ArrayDeque<RequestLoop> queue = new ArrayDeque<>();
    private final java.util.Set<RequestLoop> running = ConcurrentHashMap.newKeySet();
    private int active;
    private boolean closed;
    private final AtomicLong ids = new AtomicLong();
    private final Counter rejected;
    private final ConcurrentHashMap<String, Timer> stageTimers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> requestTimers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> stepCounters = new ConcurrentHashMap<>();

    private GogEngine(GogConfig c, Encoder encoder, boolean ownsEncoder) {
        this.config = c;
        this.encoder = encoder;
        this.ownsEncoder = ownsEncoder;
        this.policy = c.policy != null ? c.policy : new BuiltinPolicy();
        this.ownsPolicy = c.policy == null || c.ownsPolicy;
        this.imageSearch = c.imageSearch;
        this.textSearch = c.textSearch;
        this.ownsProviders = c.ownsProviders;
        this.queryModel = c.queryModel != null ? c.queryModel : defaultKey(c.imageSearch, encoder);
        this.meters = c.meters;
        this.scheduler = new BatchScheduler(encoder, c.scheduler, meters);
        this.rejected = Counter.builder("gog.requests.rejected").description("requests refused at admission").register(meters);
        Gauge.builder("gog.requests.active", this, e -> e.activeCount()).description("request loops running").register(meters);
        Gauge.builder("gog.requests.queued", this, e -> e.queuedCount()).description("requests waiting for a slot").register(meters);
    }

    /**
     * Builds an engine: loads the model when the config names a directory, starts the scheduler.
     *
     * @param config the configuration
     * @return the engine; the caller owns it and closes it
     * @throws dev.gog.bindings.GogException with code MODEL if the checkpoint is invalid
     * @throws IllegalArgumentException if the model has no text tower or tokenizer (the question
     *     must be embedded)
     */
    public static GogEngine create(GogConfig config) {
        Objects.requireNonNull(config, "config");
        Encoder enc = config.encoder;
        boolean owns = config.ownsEncoder;
        if (enc == null) {
            enc = Encoder.load(config.modelDir, config.encoderOptions);
            owns = true;
        }
        try {
            if (enc.config().text() == null) throw new IllegalArgumentException("the model " + enc.dir() + " has no text tower");
            enc.tokenizer();
            GogEngine e = new GogEngine(config, enc, owns);
            LOG.info("engine ready: model {} (dim {}), policy {}, image search {}, text search {}, {}", enc.dir(), enc.embedDim(),
                    e.policy.name(), name(e.imageSearch), name(e.textSearch), config.scheduler);
            return e;
        } catch (RuntimeException | Error t) {
            if (owns) enc.close();
            throw t;
        }
    }

    /**
     * Asks a question about an image, with this engine's default budgets.
     *
     * @see #ask(byte[], String, AskOptions)
     */
    public CompletableFuture<Answer> ask(byte[] image, String question) {
        return ask(image, question, config.defaults);
    }

    /**
     * Asks a question about an image file.
     *
     * @throws IOException if the file cannot be read
     * @see #ask(byte[], String, AskOptions)
     */
    public CompletableFuture<Answer> ask(Path image, String question, AskOptions options) throws IOException {
        long size = Files.size(image);
        if (size > MAX_IMAGE_BYTES) throw new IllegalArgumentException("image " + image + " is " + size + " bytes, over the limit " + MAX_IMAGE_BYTES);
        return ask(Files.readAllBytes(image), question, options);
    }

    /**
     * Asks a question about an image.
     *
     * @param image the encoded image (JPEG or PNG); not copied: do not modify it until the future completes
     * @param question the question (not blank, at most {@link #MAX_QUESTION_CHARS} characters)
     * @param options the request's budgets ({@link #defaults()} for the engine's)
     * @return the answer's future, owned by the caller. It completes normally with an {@link Answer}
     *     (also when a budget, the deadline, a provider or the policy failed: see
     *     {@link Answer#outcome()}), or exceptionally with {@link RejectedRequestException} (queue
     *     full, engine closed), with {@link IllegalArgumentException} or
     *     {@link dev.gog.bindings.GogException} if the image cannot be decoded. Cancelling it
     *     cancels the request's in-flight model, search and LMM calls.
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the image is empty or too large, or the question blank or too long
     */
    public CompletableFuture<Answer> ask(byte[] image, String question, AskOptions options) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(options, "options");
        if (image.length == 0) throw new IllegalArgumentException("empty image");
        if (image.length > MAX_IMAGE_BYTES) throw new IllegalArgumentException("image is " + image.length + " bytes, over the limit " + MAX_IMAGE_BYTES);
        if (question.isBlank()) throw new IllegalArgumentException("empty question");
        if (question.length() > MAX_QUESTION_CHARS) {
            throw new IllegalArgumentException("question is " + question.length() + " characters, over the limit " + MAX_QUESTION_CHARS);
        }
        String id = "r" + Long.toString(ids.incrementAndGet(), 36);
        RequestLoop loop = new RequestLoop(this, id, image, question.strip(), options);
        synchronized (lock) {
            if (closed) {
                rejected.increment();
                return CompletableFuture.failedFuture(new RejectedRequestException(RejectedRequestException.Reason.CLOSED, "the engine is closed"));
            }
            SchedulerOptions s = config.scheduler;
            if (active < s.maxActive()) {
                active++;
                start(loop);
            } else if (queue.size() < s.queueCapacity()) {
                queue.add(loop);
            } else {
                rejected.increment();
                return CompletableFuture.failedFuture(new RejectedRequestException(RejectedRequestException.Reason.OVERLOADED,
                        String.format(Locale.ROOT, "overloaded: %d requests running and %d queued (queue capacity %d); retry later",
                                active, queue.size(), s.queueCapacity())));
            }
        }
        return loop.result();
    }

    /** Called with the lock held. */
    private void start(RequestLoop loop) {
        running.add(loop);
        Thread.ofVirtual().name("gog-" + loop.id()).start(loop::run);
    }

    /** A loop ended: start the next queued one, or free its slot. */
    void finished(RequestLoop loop) {
        running.remove(loop);
        synchronized (lock) {
            RequestLoop next = queue.poll();
            if (next != null) start(next);
            else active--;
        }
    }

    /** A queued request was cancelled before it started. */
    boolean dequeue(RequestLoop loop) {
        synchronized (lock) {
            return queue.remove(loop);
        }
    }

    /** The engine's default budgets. */
    public AskOptions defaults() {
        return config.defaults;
    }

    /** The metrics registry (a Prometheus registry unless the config gave another); not owned by the caller. */
    public MeterRegistry meters() {
        return meters;
    }

    /** The scheduler (for its statistics); owned by the engine. */
    public BatchScheduler scheduler() {
        return scheduler;
    }

    /** The encoder; owned by the engine (or the config's caller). */
    public Encoder encoder() {
        return encoder;
    }

    /** The policy's name. */
    public String policyName() {
        return policy.name();
    }

    /** Request loops running now. */
    public int activeCount() {
        synchronized (lock) {
            return active;
        }
    }

    /** Requests waiting for a slot now. */
    public int queuedCount() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /** The request latency timer of an outcome (registered once). */
    Timer requestTimer(String outcome) {
        return requestTimers.computeIfAbsent(outcome, o -> Timer.builder("gog.request.latency").tag("outcome", o)
                .description("request latency, admission to answer").publishPercentileHistogram().register(meters));
    }

    /** The step counter of an action and status (registered once). */
    Counter stepCounter(ActionType action, String status) {
        return stepCounters.computeIfAbsent(action.wireName() + "/" + status, k -> Counter.builder("gog.steps")
                .tag("action", action.wireName()).tag("status", status).register(meters));
    }

    Timer stageTimer(String stage) {
        return stageTimers.computeIfAbsent(stage, s -> Timer.builder("gog.stage.latency").tag("stage", s)
                .description("time per request stage").publishPercentileHistogram().register(meters));
    }

    /**
     * Refuses new requests, fails queued ones with {@link RejectedRequestException}, cancels the
     * running ones and waits (up to 10 s) for their loops to end, then closes the scheduler and
     * whatever the engine owns. Idempotent.
     */
    @Override
    public void close() {
        List<RequestLoop> dropped;
        synchronized (lock) {
            if (closed) return;
            closed = true;
            dropped = new ArrayList<>(queue);
            queue.clear();
        }
        for (RequestLoop l : dropped) {
            l.result().completeExceptionally(new RejectedRequestException(RejectedRequestException.Reason.CLOSED, "the engine closed"));
        }
        for (RequestLoop l : running) l.cancel("engine closed");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!running.isEmpty() && System.nanoTime() < end) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!running.isEmpty()) LOG.warn("{} request loop(s) still running after 10 s at close", running.size());
        scheduler.close();
        if (ownsPolicy) closeQuietly(policy);
        if (ownsProviders) {
            closeQuietly(imageSearch);
            if (textSearch != imageSearch) closeQuietly(textSearch);
        }
        if (ownsEncoder) encoder.close();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing {} failed: {}", c, e.toString());
        }
    }

    private static String name(SearchProvider p) {
        return p == null ? "none" : p.name();
    }

    private static ModelKey defaultKey(SearchProvider image, Encoder enc) {
        if (image instanceof EmbeddedSearchProvider e) {
            ModelKey k = e.index().model();
            return new ModelKey(k.model(), k.revision(), enc.options().precision().name().toLowerCase(Locale.ROOT),
                    enc.preprocessSpec().mode().id(), enc.embedDim());
        }
        return new ModelKey(enc.dir().toString(), "local", enc.options().precision().name().toLowerCase(Locale.ROOT),
                enc.preprocessSpec().mode().id(), enc.embedDim());
    }

    /** For logs. */
    @Override
    public String toString() {
        return "GogEngine[" + encoder.dir() + ", policy " + policy.name() + "]";
    }
}
