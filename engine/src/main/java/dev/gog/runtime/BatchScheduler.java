package dev.gog.runtime;

import dev.gog.bindings.CpuIsa;
import dev.gog.gaze.Gaze;
import dev.gog.gaze.GazeDecision;
import dev.gog.gaze.GazeGeometry;
import dev.gog.gaze.RelevanceMap;
import dev.gog.gaze.Scorer;
import dev.gog.image.Box;
import dev.gog.image.Image;
import dev.gog.bindings.GogException;
import dev.gog.model.Backend;
import dev.gog.model.Encoder;
import dev.gog.model.ImageEmbeddings;
import dev.gog.preprocess.PreprocessSpec;
import dev.gog.preprocess.Preprocessor;
import dev.gog.tensor.DType;
import dev.gog.tensor.Tensor;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs all native model work of the engine: micro-batches jobs from every in-flight request and
 * runs the batches on a small pool of platform threads, so that no long native downcall pins the
 * carrier of a request's virtual thread.
 *
 * <h2>Lanes</h2>
 * Jobs wait in lanes keyed by what can share one encoder call:
 * <ul>
 *   <li>{@code text}: {@link #embedText} — one {@link Encoder#encodeTexts} per batch;</li>
 *   <li>{@code image}: {@link #embedWhole} and {@link #embedCrop} — one [n, 3, S, S] tensor,
 *       one {@link Encoder#encodeImages} per batch;</li>
 *   <li>{@code frame:RxC}: {@link #perceive} — whole frames with the same patch grid, one dense
 *       encode of [n, 3, R*p, C*p] per batch;</li>
 *   <li>{@code native}: {@link #submit} — other short native work, one job per "batch".</li>
 * </ul>
 * Metrics use the lane kinds {@code text}, {@code image}, {@code frame} and {@code native} as the
 * {@code lane} tag.
 *
 * <h2>On a CUDA encoder</h2>
 * When {@code encoder.backend()} is {@link Backend#CUDA}, image and frame batches stay on the
 * device: the batch's pixels are preprocessed straight into one device tensor
 * ({@link Preprocessor#runInto} into a CUDA tensor), encoded there, and only the [n, E]
 * embeddings come back to the host; frames keep their dense features on the device and compute
 * each relevance map there ({@link Scorer#relevanceOnDevice}); the decision is then taken on the
 * host exactly as on the CPU path. The scheduler reserves the encoder's workspace for batches of
 * {@code maxBatch} S x S images and texts at start ({@link Encoder#reserve}). Results match the
 * CPU path within the backends' tolerances (device preprocessing is within +-1 per 8-bit
 * channel). The CPU path is unchanged.
 *
 * <h2>When a batch starts</h2>
 * A worker that is free takes, among the lanes that are ready, the one whose oldest job is the
 * oldest (fairness). A lane is ready when it holds {@link SchedulerOptions#maxBatch()} jobs, when
 * its oldest job has waited {@link SchedulerOptions#maxWait()}, or when it is the only lane with
 * jobs (a free worker and nothing else queued: a lone request never waits for {@code maxWait});
 * the {@code native} lane is always ready. A batch takes up to {@code maxBatch} jobs of its lane,
 * oldest first; jobs whose future was cancelled (or otherwise completed) before the batch started
 * are dropped.
 *
 * <h2>Failures</h2>
 * Bad arguments (a box outside its image, a question embedding of the wrong length, a closed
 * image) are found when the job is submitted and reported through the returned future, which
 * completes exceptionally ({@link IllegalArgumentException}, {@link IllegalStateException}); only
 * {@code null} arguments throw ({@link NullPointerException}). An image closed after its job was
 * queued fails only that job ({@link IllegalStateException}). If a batch's encode fails, every job
 * of the batch fails with that exception. A worker never dies on a job's exception or
 * {@link Error}: it logs it, fails the job(s) and goes on.
 *
 * <h2>Completion</h2>
 * Futures are completed on a virtual thread, never on a worker, so a caller's dependent stages
 * ({@code thenApply} and the like) never hold up native work. Results are plain Java data owned by
 * the caller.
 *
 * <h2>Metrics</h2>
 * On the given registry: {@code gog.batch.size} (distribution summary, jobs per batch, tag
 * {@code lane}), {@code gog.batch.wait} (timer, time each job waited in its lane, tag {@code lane}),
 * {@code gog.batch.run} (timer, run time of each batch, tag {@code lane}) and the gauge
 * {@code gog.scheduler.queue.depth} (jobs waiting; removed from the registry by {@link #close()}).
 * Meters with the same name and tags are shared between schedulers on one registry; the gauge
 * belongs to the first scheduler that registered it.
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
public final class BatchScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchScheduler.class);

    /** The lane kinds, as metric tags and for {@link #meanBatchSize(String)}. */
    private static final List<String> KINDS = List.of("text", "image", "frame", "native");
    /** Name prefix of the virtual threads that complete the futures. */
    private static final String DELIVERY_PREFIX = "gog-batch-done-";

    private final Encoder encoder;
    private final SchedulerOptions options;
    private final MeterRegistry registry;
    private final PreprocessSpec spec;
    private final int patch;
    private final long maxWaitNanos;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Lanes with queued jobs, by key; a lane is removed when it empties. Guarded by {@link #lock}. */
    private final Map<String, Lane> lanes = new LinkedHashMap<>();
    private volatile int depth;
    private volatile boolean closed;

    private final List<Thread> workers;
    private final ExecutorService delivery;
    /** Whether image and frame batches run device-resident (a CUDA encoder). */
    private final boolean onDevice;
    private final int cudaDevice;

    private final Map<String, DistributionSummary> sizeMeters;
    private final Map<String, Timer> waitMeters;
    private final Map<String, Timer> runMeters;
    private final Map<String, LongAdder> batchCounts;
    private final Map<String, LongAdder> jobCounts;
    private final Gauge depthGauge;

    /**
     * Starts {@link SchedulerOptions#workers()} platform worker threads (daemons named
     * {@code gog-batch-N}, N from 0), each with its own single-threaded {@link Preprocessor}
     * following {@code encoder.preprocessSpec()} in F32, and registers the metrics.
     *
     * @param encoder the encoder every job runs on; not owned ({@link #close()} does not close it)
     * @param options batch size, batch wait and worker count (the admission limits are not used
     *     here)
     * @param registry the Micrometer registry for the metrics (not owned)
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the encoder is closed
     * @throws UnsatisfiedLinkError if libgog cannot be loaded
     */
    public BatchScheduler(Encoder encoder, SchedulerOptions options, MeterRegistry registry) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.options = Objects.requireNonNull(options, "options");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.spec = encoder.preprocessSpec().withDtype(DType.F32);
        this.patch = encoder.config().vision().patchSize();
        this.maxWaitNanos = options.maxWait().toNanos();

        Map<String, DistributionSummary> sizes = new LinkedHashMap<>();
        Map<String, Timer> waits = new LinkedHashMap<>();
        Map<String, Timer> runs = new LinkedHashMap<>();
        Map<String, LongAdder> batches = new LinkedHashMap<>();
        Map<String, LongAdder> jobs = new LinkedHashMap<>();
        for (String k : KINDS) {
            sizes.put(k, DistributionSummary.builder("gog.batch.size").description("jobs per scheduler batch")
                    .baseUnit("jobs").tag("lane", k).register(registry));
            waits.put(k, Timer.builder("gog.batch.wait").description("time a job waited for its batch")
                    .tag("lane", k).publishPercentileHistogram().register(registry));
            runs.put(k, Timer.builder("gog.batch.run").description("run time of a scheduler batch")
                    .tag("lane", k).publishPercentileHistogram().register(registry));
            batches.put(k, new LongAdder());
            jobs.put(k, new LongAdder());
        }
        this.sizeMeters = Collections.unmodifiableMap(sizes);
        this.waitMeters = Collections.unmodifiableMap(waits);
        this.runMeters = Collections.unmodifiableMap(runs);
        this.batchCounts = Collections.unmodifiableMap(batches);
        this.jobCounts = Collections.unmodifiableMap(jobs);

        List<Preprocessor> pps = new ArrayList<>(options.workers());
        try {
            for (int i = 0; i < options.workers(); i++) pps.add(new Preprocessor(spec, 1));
        } catch (RuntimeException | Error e) {
            pps.forEach(Preprocessor::close);
            throw e;
        }
        this.delivery = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(DELIVERY_PREFIX, 0).factory());
        this.depthGauge = Gauge.builder("gog.scheduler.queue.depth", this, BatchScheduler::queueDepth)
                .description("jobs waiting in the batching scheduler").baseUnit("jobs").register(registry);
        List<Thread> ts = new ArrayList<>(options.workers());
        for (int i = 0; i < options.workers(); i++) {
            Preprocessor pp = pps.get(i);
            ts.add(Thread.ofPlatform().name("gog-batch-" + i).daemon(true).unstarted(() -> workLoop(pp)));
        }
        this.workers = List.copyOf(ts);
        this.onDevice = encoder.backend() == Backend.CUDA;
        this.cudaDevice = encoder.options().cudaDevice();
        if (onDevice) reserve();
        workers.forEach(Thread::start);
        LOG.info("batch scheduler: {} worker(s), batches of up to {}, wait up to {} ms", options.workers(),
                options.maxBatch(), options.maxWait().toNanos() / 1e6);
    }

    /**
     * Sizes the CUDA encoder's workspace for full batches of S x S images and of texts, so that
     * the hot path allocates nothing; a failure is logged (the encoder then grows on demand).
     */
    private void reserve() {
        int s = spec.size();
        int text = encoder.config().text().maxPositions();
        try {
            encoder.reserve(options.maxBatch(), s, s, options.maxBatch(), text);
            // Selective Gaze frames: about (2 S / p)^2 cells by default, as a 2S x 2S square
            encoder.reserve(options.maxBatch(), 2 * s, 2 * s, 0, text);
        } catch (GogException | IllegalStateException e) {
            LOG.warn("batch scheduler: reserving the CUDA encoder for {} images of {}x{} and {} texts of {} tokens "
                    + "failed; it grows on demand: {}", options.maxBatch(), s, s, options.maxBatch(), text, e.getMessage());
        }
    }

    // --- submitting ------------------------------------------------------------------------------------

    /**
     * The L2-normalised text embedding of one string (lane {@code text}: batched into one
     * {@link Encoder#encodeTexts(List)}).
     *
     * @param text the text (tokenised as the model's tokenizer does; long texts are truncated by it)
     * @return a future of the {@link Encoder#embedDim()} values, owned by the caller; it completes
     *     exceptionally with {@link IllegalStateException} if the scheduler or encoder is closed,
     *     or with the encoder's exception if the batch fails
     * @throws NullPointerException if {@code text} is null
     */
    public CompletableFuture<float[]> embedText(String text) {
        Objects.requireNonNull(text, "text");
        TextJob job = new TextJob(text);
        enqueue(job);
        return job.future;
    }

    /**
     * The pooled embedding of a whole image, preprocessed by the model's recipe at S x S
     * (lane {@code image}).
     *
     * @param image the decoded image; not owned, must stay open until the future completes (if it
     *     is closed before its batch reads it, only this job fails, with
     *     {@link IllegalStateException})
     * @return a future of the L2-normalised {@link Encoder#embedDim()} values, owned by the caller;
     *     completes exceptionally with {@link IllegalStateException} if the scheduler, the image
     *     or the encoder is closed, or with the encoder's exception if the batch fails
     * @throws NullPointerException if {@code image} is null
     */
    public CompletableFuture<float[]> embedWhole(Image image) {
        Objects.requireNonNull(image, "image");
        ImageJob job = new ImageJob(image, null);
        if (image.isClosed()) return failNow(job, new IllegalStateException("image is closed"));
        enqueue(job);
        return job.future;
    }

    /**
     * The pooled embedding of a crop: the box (original pixels) resized whole to S x S, as
     * {@link Preprocessor#crops} does (lane {@code image}, batched with {@link #embedWhole}).
     *
     * @param image the decoded image; not owned, must stay open until the future completes
     * @param box the region in original-image pixels; checked now
     * @return a future of the L2-normalised {@link Encoder#embedDim()} values, owned by the caller;
     *     completes exceptionally with {@link IllegalArgumentException} if the box lies outside
     *     the image (the job is never queued), {@link IllegalStateException} if the scheduler, the
     *     image or the encoder is closed, or the encoder's exception if the batch fails
     * @throws NullPointerException if an argument is null
     */
    public CompletableFuture<float[]> embedCrop(Image image, Box box) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(box, "box");
        ImageJob job = new ImageJob(image, box);
        int w, h;
        try {
            w = image.originalWidth();
            h = image.originalHeight();
        } catch (IllegalStateException e) {
            return failNow(job, e);
        }
        if (!box.within(w, h)) {
            return failNow(job, new IllegalArgumentException("box " + box + " lies outside the " + w + "x" + h + " image"));
        }
        enqueue(job);
        return job.future;
    }

    /**
     * The Selective Gaze analysis of an image against a question embedding, exactly as
     * {@link Gaze#run(Encoder, Image, float[], Gaze.Options)} computes the frame embedding,
     * relevance map and decision (boxes in original pixels), but batched with other frames of the
     * same patch grid (lane {@code frame:RxC}). Gaze crops are not encoded here (use
     * {@link #embedCrop}). The frame is preprocessed by the worker's single-threaded preprocessor
     * ({@code options.threads()} is not used; results do not depend on it).
     *
     * @param image the decoded image at original resolution; not owned, must stay open until the
     *     future completes
     * @param question the question's L2-normalised text embedding ({@link Encoder#embedDim()}
     *     values; copied now)
     * @param options cells, scoring and decision settings ({@code jpegQuality} is not used)
     * @return a future of the perception, owned by the caller, with {@code timingsMs} holding
     *     {@code frame} (this frame's preprocessing), {@code encode} (the batch's dense encode)
     *     and {@code score} (this job's scoring); completes exceptionally with
     *     {@link IllegalArgumentException} if {@code question} has the wrong length,
     *     {@link IllegalStateException} if the scheduler, image or encoder is closed, or the
     *     native step's exception ({@link dev.gog.bindings.GogException})
     * @throws NullPointerException if an argument is null
     */
    public CompletableFuture<Perception> perceive(Image image, float[] question, Gaze.Options options) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(options, "options");
        int w, h;
        try {
            w = image.originalWidth();
            h = image.originalHeight();
        } catch (IllegalStateException e) {
            CompletableFuture<Perception> f = new CompletableFuture<>();
            f.completeExceptionally(e);
            return f;
        }
        int g0 = encoder.config().vision().gridSide();
        int cells = options.cells() > 0 ? options.cells() : 4 * g0 * g0;
        int[] grid = Gaze.frameGrid(w, h, cells);
        FrameJob job = new FrameJob(image, question.clone(), options, grid[0], grid[1], w, h);
        if (question.length != encoder.embedDim()) {
            return failNow(job, new IllegalArgumentException("question embedding has " + question.length
                    + " values, the model's has " + encoder.embedDim()));
        }
        if ((long) grid[1] * patch > PreprocessSpec.MAX_SIZE || (long) grid[0] * patch > PreprocessSpec.MAX_SIZE) {
            return failNow(job, new IllegalArgumentException("frame grid " + grid[0] + "x" + grid[1]
                    + " exceeds the largest frame of " + PreprocessSpec.MAX_SIZE + " pixels a side"));
        }
        enqueue(job);
        return job.future;
    }

    /**
     * Runs other short native work (JPEG resize and encode, say) on the scheduler's platform
     * threads, one job at a time (lane {@code native}; never batched).
     *
     * @param stage a short name of the work, for logs
     * @param work the work; it runs on a worker thread and must not wait on other scheduler jobs
     *     (with one worker that would deadlock)
     * @param <T> the result type
     * @return a future of the work's result (owned as the work says); completes exceptionally
     *     with what the work threw, or {@link IllegalStateException} if the scheduler is closed
     * @throws NullPointerException if an argument is null
     */
    public <T> CompletableFuture<T> submit(String stage, Callable<T> work) {
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(work, "work");
        NativeJob<T> job = new NativeJob<>(stage, work);
        enqueue(job);
        return job.future;
    }

    /**
     * Jobs waiting for a batch, over all lanes (not counting running batches).
     *
     * @return the number of queued jobs at this moment
     */
    public int queueDepth() {
        return depth;
    }

    /**
     * The mean number of jobs per batch of a lane kind over this scheduler's life.
     *
     * @param lane {@code text}, {@code image}, {@code frame} or {@code native}
     * @return the mean, or NaN if no batch of that kind has run
     * @throws IllegalArgumentException for another lane name
     */
    public double meanBatchSize(String lane) {
        LongAdder batches = batchCounts.get(lane);
        if (batches == null) throw new IllegalArgumentException("unknown lane '" + lane + "', want one of " + KINDS);
        long b = batches.sum();
        return b == 0 ? Double.NaN : (double) jobCounts.get(lane).sum() / b;
    }

    /**
     * Fails every queued job with {@link IllegalStateException}("scheduler closed"), waits for
     * running batches to finish, stops the worker threads and removes the queue-depth gauge.
     * Later submissions complete exceptionally with the same exception. The encoder is not
     * closed. Idempotent; if the calling thread is interrupted while waiting, it stops waiting
     * and keeps its interrupt status.
     */
    @Override
    public void close() {
        List<Job<?>> drained = new ArrayList<>();
        boolean first;
        lock.lock();
        try {
            first = !closed;
            closed = true;
            for (Lane lane : lanes.values()) drained.addAll(lane.jobs);
            lanes.clear();
            depth = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Job<?> j : drained) j.fail(new IllegalStateException("scheduler closed"));
        if (first && !drained.isEmpty()) LOG.info("batch scheduler closed: failed {} queued job(s)", drained.size());
        boolean interrupted = false;
        for (Thread t : workers) {
            if (t == Thread.currentThread()) continue;
            while (t.isAlive() && !interrupted) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        delivery.shutdown();
        Thread me = Thread.currentThread();
        boolean inDelivery = me.isVirtual() && me.getName().startsWith(DELIVERY_PREFIX);
        if (!interrupted && !inDelivery && !workers.contains(me)) {
            try {
                if (!delivery.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.warn("batch scheduler: result delivery still running 10 s after close");
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (first) registry.remove(depthGauge);
        if (interrupted) Thread.currentThread().interrupt();
    }

    // --- queueing --------------------------------------------------------------------------------------

    private <T> CompletableFuture<T> failNow(Job<T> job, Throwable error) {
        job.future.completeExceptionally(error);
        return job.future;
    }

    private void enqueue(Job<?> job) {
        lock.lock();
        try {
            if (!closed) {
                lanes.computeIfAbsent(job.laneKey, k -> new Lane(k, job.kind)).jobs.addLast(job);
                depth++;
                changed.signal();
                return;
            }
        } finally {
            lock.unlock();
        }
        job.fail(new IllegalStateException("scheduler closed"));
    }

    /** Removes a cancelled job from its lane, if it is still queued. */
    private void dequeue(Job<?> job) {
        lock.lock();
        try {
            Lane lane = lanes.get(job.laneKey);
            if (lane != null && lane.jobs.remove(job)) {
                depth--;
                if (lane.jobs.isEmpty()) lanes.remove(job.laneKey);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for a ready lane and takes its batch, or returns null once closed. Called by workers
     * only, without the lock.
     */
    private Batch take() {
        lock.lock();
        try {
            while (!closed) {
                long now = System.nanoTime();
                Lane best = null;
                long bestAge = Long.MAX_VALUE;
                long nextDeadline = Long.MAX_VALUE;
                boolean alone = lanes.size() == 1;
                for (Lane lane : lanes.values()) {
                    Job<?> head = lane.jobs.peekFirst();
                    if (head == null) continue;
                    boolean ready = alone || lane.kind.equals("native") || lane.jobs.size() >= options.maxBatch()
                            || now - head.enqueuedNanos >= maxWaitNanos;
                    if (ready) {
                        if (best == null || head.enqueuedNanos - bestAge < 0) {
                            best = lane;
                            bestAge = head.enqueuedNanos;
                        }
                    } else {
                        nextDeadline = Math.min(nextDeadline, head.enqueuedNanos + maxWaitNanos - now);
                    }
                }
                if (best != null) {
                    int max = best.kind.equals("native") ? 1 : options.maxBatch();
                    List<Job<?>> jobs = new ArrayList<>(Math.min(max, best.jobs.size()));
                    Iterator<Job<?>> it = best.jobs.iterator();
                    while (it.hasNext() && jobs.size() < max) {
                        Job<?> j = it.next();
                        it.remove();
                        depth--;
                        if (!j.future.isDone()) jobs.add(j); // cancelled or completed by the caller: dropped
                    }
                    if (best.jobs.isEmpty()) lanes.remove(best.key);
                    if (!lanes.isEmpty()) changed.signal(); // another free worker may start the next batch
                    if (jobs.isEmpty()) continue;
                    return new Batch(best.key, best.kind, jobs);
                }
                try {
                    if (lanes.isEmpty()) {
                        changed.await();
                    } else {
                        changed.awaitNanos(Math.max(1, nextDeadline));
                    }
                } catch (InterruptedException e) {
                    // Workers are stopped by close(), not by interrupts: keep serving.
                    LOG.debug("batch worker interrupted; ignored", e);
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    // --- workers ---------------------------------------------------------------------------------------

    private void workLoop(Preprocessor pp) {
        DeviceBuffers buffers = onDevice ? new DeviceBuffers() : null;
        try {
            Batch batch;
            while ((batch = take()) != null) {
                runBatch(batch, pp, buffers);
            }
        } finally {
            pp.close();
            if (buffers != null) buffers.close();
            LOG.debug("{} stopped", Thread.currentThread().getName());
        }
    }

    /** Runs one batch; never throws (every failure fails the batch's unsettled jobs). */
    private void runBatch(Batch batch, Preprocessor pp, DeviceBuffers buffers) {
        long start = System.nanoTime();
        List<Runnable> completions = new ArrayList<>(batch.jobs.size());
        Timer waitTimer = waitMeters.get(batch.kind);
        for (Job<?> j : batch.jobs) waitTimer.record(start - j.enqueuedNanos, TimeUnit.NANOSECONDS);
        try {
            switch (batch.kind) {
                case "text" -> runTexts(batch, completions);
                case "image" -> {
                    if (buffers != null) runImagesOnDevice(batch, pp, buffers, completions);
                    else runImages(batch, pp, completions);
                }
                case "frame" -> {
                    if (buffers != null) runFramesOnDevice(batch, pp, buffers, completions);
                    else runFrames(batch, pp, completions);
                }
                case "native" -> runNative(batch, completions);
                default -> throw new IllegalStateException("unknown lane kind " + batch.kind);
            }
        } catch (Throwable t) {
            int failed = 0;
            for (Job<?> j : batch.jobs) {
                if (!j.settled) {
                    j.settled = true;
                    completions.add(() -> j.fail(t));
                    failed++;
                }
            }
            LOG.warn("batch of {} job(s) in lane {} failed ({} job(s) failed): {}", batch.jobs.size(), batch.laneKey,
                    failed, t.toString(), t);
        }
        long ran = System.nanoTime() - start;
        runMeters.get(batch.kind).record(ran, TimeUnit.NANOSECONDS);
        sizeMeters.get(batch.kind).record(batch.jobs.size());
        batchCounts.get(batch.kind).increment();
        jobCounts.get(batch.kind).add(batch.jobs.size());
        if (LOG.isDebugEnabled()) {
            LOG.debug("lane {}: batch of {} in {} ms", batch.laneKey, batch.jobs.size(), ms(ran));
        }
        deliver(completions);
    }

    /**
     * Preprocesses each job of an image batch into its slot ({@code slotFor.apply(i)} for the
     * i-th job that succeeds) and returns the jobs filled, in order; a job that fails is failed
     * alone, unless {@code deviceFaults} and the failure is a device fault, which is rethrown
     * (the batch cannot go on).
     */
    @SuppressWarnings("try") // the pin is held while the preprocessor reads the pixels
    private List<ImageJob> fill(Batch batch, Preprocessor pp, java.util.function.IntFunction<Tensor> slotFor, boolean deviceFaults,
                                List<Runnable> out) {
        List<ImageJob> filled = new ArrayList<>(batch.jobs.size());
        for (Job<?> job : batch.jobs) {
            ImageJob j = (ImageJob) job;
            try (Image.Pin _ = j.image.pin()) {
                Tensor slot = slotFor.apply(filled.size());
                if (j.box == null) {
                    pp.wholeInto(j.image, slot);
                } else {
                    pp.cropsInto(j.image, List.of(j.box), slot);
                }
                filled.add(j);
            } catch (RuntimeException e) {
                if (deviceFaults && isDeviceFault(e)) throw e;
                fail(out, j, e);
            }
        }
        return filled;
    }

    /** Completes the futures on a virtual thread (inline once the scheduler is closing). */
    private void deliver(List<Runnable> completions) {
        if (completions.isEmpty()) return;
        Runnable all = () -> {
            for (Runnable r : completions) {
                try {
                    r.run();
                } catch (Throwable t) {
                    LOG.warn("completing a scheduler job failed", t);
                }
            }
        };
        try {
            delivery.execute(all);
        } catch (RejectedExecutionException e) {
            all.run();
        }
    }

    private void runTexts(Batch batch, List<Runnable> out) {
        List<String> texts = new ArrayList<>(batch.jobs.size());
        for (Job<?> j : batch.jobs) texts.add(((TextJob) j).text);
        float[] all;
        try (Tensor t = encoder.encodeTexts(texts)) {
            all = t.toFloatArray();
        }
        int dim = encoder.embedDim();
        checkRows(all.length, texts.size(), dim, "encodeTexts");
        for (int i = 0; i < texts.size(); i++) {
            TextJob j = (TextJob) batch.jobs.get(i);
            succeed(out, j, Arrays.copyOfRange(all, i * dim, (i + 1) * dim));
        }
    }

    @SuppressWarnings("try") // the pin is held while the preprocessor reads the pixels
    private void runImages(Batch batch, Preprocessor pp, List<Runnable> out) {
        int s = spec.size();
        int n = batch.jobs.size();
        long itemBytes = 3L * s * s * DType.F32.byteSize();
        try (Tensor px = Tensor.allocate(DType.F32, n, 3, s, s)) {
            List<ImageJob> filled = fill(batch, pp, i -> px.slice(i).reshape(1, 3, s, s), false, out);
            if (filled.isEmpty()) return;
            int k = filled.size();
            Tensor input = k == n ? px : Tensor.wrap(px.segment().asSlice(0, k * itemBytes), DType.F32, k, 3, s, s);
            float[] all;
            try (ImageEmbeddings e = encoder.encodeImages(input, false)) {
                all = e.embeddings().toFloatArray();
            }
            int dim = encoder.embedDim();
            checkRows(all.length, k, dim, "encodeImages");
            for (int i = 0; i < k; i++) succeed(out, filled.get(i), Arrays.copyOfRange(all, i * dim, (i + 1) * dim));
        }
    }

    /**
     * {@link #runImages} on a CUDA encoder: the pixels are preprocessed into the worker's device
     * pixel buffer, encoded there into its device embedding buffer (the same addresses batch
     * after batch, so a repeated batch size replays the encoder's CUDA graph), and only the
     * [k, E] embeddings are copied back.
     */
    @SuppressWarnings("try") // the pin is held while the preprocessor reads the pixels
    private void runImagesOnDevice(Batch batch, Preprocessor pp, DeviceBuffers buffers, List<Runnable> out) {
        Tensor px = buffers.pixels();
        List<ImageJob> filled = fill(batch, pp, slot -> px.narrow(slot, 1), true, out);
        if (filled.isEmpty()) return;
        int k = filled.size();
        Tensor emb = buffers.embeddings().narrow(0, k);
        encoder.encodeImagesInto(px.narrow(0, k), emb, null);
        float[] all = emb.toFloatArray();
        int dim = encoder.embedDim();
        checkRows(all.length, k, dim, "encodeImagesInto");
        for (int i = 0; i < k; i++) succeed(out, filled.get(i), Arrays.copyOfRange(all, i * dim, (i + 1) * dim));
    }

    /** A worker's device buffers for image batches, allocated on first use, freed when the worker stops. */
    private final class DeviceBuffers implements AutoCloseable {
        private Tensor pixels;
        private Tensor embeddings;

        Tensor pixels() {
            if (pixels == null) {
                int s = spec.size();
                pixels = Tensor.allocateCuda(cudaDevice, DType.F32, options.maxBatch(), 3, s, s);
            }
            return pixels;
        }

        Tensor embeddings() {
            if (embeddings == null) {
                embeddings = Tensor.allocateCuda(cudaDevice, DType.F32, options.maxBatch(), encoder.embedDim());
            }
            return embeddings;
        }

        private Tensor framePixels, frameEmbeddings, frameDense;

        /** A [n, 3, h, w] view of a grow-only device buffer (allocated again only when a larger frame batch comes). */
        Tensor framePixels(int n, int h, int w) {
            framePixels = atLeast(framePixels, (long) n * 3 * h * w);
            return framePixels.narrow(0, (long) n * 3 * h * w).reshape(n, 3, h, w);
        }

        /** A [n, E] view of a grow-only device buffer. */
        Tensor frameEmbeddings(int n) {
            long e = encoder.embedDim();
            frameEmbeddings = atLeast(frameEmbeddings, n * e);
            return frameEmbeddings.narrow(0, n * e).reshape(n, e);
        }

        /** A [n, cells, E] view of a grow-only device buffer. */
        Tensor frameDense(int n, int cells) {
            long e = encoder.embedDim();
            frameDense = atLeast(frameDense, (long) n * cells * e);
            return frameDense.narrow(0, (long) n * cells * e).reshape(n, cells, e);
        }

        private Tensor atLeast(Tensor t, long floats) {
            if (t != null && t.dim(0) >= floats) return t;
            if (t != null) t.close();
            return Tensor.allocateCuda(cudaDevice, DType.F32, floats);
        }

        @Override
        public void close() {
            for (Tensor t : new Tensor[] {pixels, embeddings, framePixels, frameEmbeddings, frameDense}) {
                if (t != null) t.close();
            }
        }
    }

    /**
     * {@link #runFrames} on a CUDA encoder: frames preprocessed into one device tensor, a dense
     * encode that leaves the features on the device, each relevance map computed there, the
     * decision on the host.
     */
    @SuppressWarnings("try") // the pin is held while the preprocessor reads the pixels
    private void runFramesOnDevice(Batch batch, Preprocessor pp, DeviceBuffers buffers, List<Runnable> out) {
        FrameJob first = (FrameJob) batch.jobs.getFirst();
        int rows = first.rows, cols = first.cols;
        int width = cols * patch, height = rows * patch;
        int n = batch.jobs.size();
        List<FrameJob> filled = new ArrayList<>(n);
        List<Double> frameMs = new ArrayList<>(n);
        Tensor px = buffers.framePixels(n, height, width);
        for (Job<?> job : batch.jobs) {
            FrameJob j = (FrameJob) job;
            long t0 = System.nanoTime();
            try (Image.Pin _ = j.image.pin()) {
                pp.frameInto(j.image, px.narrow(filled.size(), 1));
                filled.add(j);
                frameMs.add(ms(System.nanoTime() - t0));
            } catch (RuntimeException e) {
                if (isDeviceFault(e)) throw e;
                fail(out, j, e);
            }
        }
        if (filled.isEmpty()) return;
        int k = filled.size();
        Tensor input = k == n ? px : px.narrow(0, k);
        long t1 = System.nanoTime();
        Tensor emb = buffers.frameEmbeddings(k), dense = buffers.frameDense(k, rows * cols);
        int[] grid = encoder.encodeImagesInto(input, emb, dense);
        double encodeMs = ms(System.nanoTime() - t1);
        float[] frames = emb.toFloatArray();
        int dim = encoder.embedDim();
        checkRows(frames.length, k, dim, "encodeImagesInto");
        if (grid[0] != rows || grid[1] != cols) {
            throw new IllegalStateException("the encoder's grid " + grid[0] + "x" + grid[1]
                    + " differs from the frame grid " + rows + "x" + cols);
        }
        for (int i = 0; i < k; i++) {
            FrameJob j = filled.get(i);
            try {
                long t3 = System.nanoTime();
                GazeGeometry geom = GazeGeometry.squash(rows, cols, patch, j.imageW, j.imageH);
                RelevanceMap map = Scorer.relevanceOnDevice(dense.slice(i), j.question, rows, cols,
                        j.options.config());
                GazeDecision decision = Scorer.decide(map, geom, j.options.config());
                double scoreMs = ms(System.nanoTime() - t3);
                succeed(out, j, perception(j, decision, map, geom, frames, i, dim, frameMs.get(i), encodeMs,
                        scoreMs));
            } catch (RuntimeException ex) {
                if (isDeviceFault(ex)) throw ex;
                fail(out, j, ex);
            }
        }
    }

    private static Perception perception(FrameJob j, GazeDecision decision, RelevanceMap map, GazeGeometry geom,
                                         float[] frames, int i, int dim, double frameMs, double encodeMs,
                                         double scoreMs) {
        Map<String, Double> timings = new LinkedHashMap<>();
        timings.put("frame", frameMs);
        timings.put("encode", encodeMs);
        timings.put("score", scoreMs);
        return new Perception(decision, map, geom, Arrays.copyOfRange(frames, i * dim, (i + 1) * dim), j.question,
                Collections.unmodifiableMap(timings));
    }

    /** A failure on the CUDA device: it concerns the whole batch, not one job. */
    private static boolean isDeviceFault(RuntimeException e) {
        return e instanceof GogException g && (g.code() == dev.gog.bindings.GogErrorCode.CUDA
                || g.code() == dev.gog.bindings.GogErrorCode.NO_DEVICE
                || g.code() == dev.gog.bindings.GogErrorCode.OUT_OF_MEMORY);
    }

    @SuppressWarnings("try") // the pin is held while the preprocessor reads the pixels
    private void runFrames(Batch batch, Preprocessor pp, List<Runnable> out) {
        FrameJob first = (FrameJob) batch.jobs.getFirst();
        int rows = first.rows, cols = first.cols;
        int width = cols * patch, height = rows * patch;
        int n = batch.jobs.size();
        long itemBytes = 3L * width * height * DType.F32.byteSize();
        List<FrameJob> filled = new ArrayList<>(n);
        List<Double> frameMs = new ArrayList<>(n);
        try (Tensor px = Tensor.allocate(DType.F32, n, 3, height, width)) {
            for (Job<?> job : batch.jobs) {
                FrameJob j = (FrameJob) job;
                long t0 = System.nanoTime();
                try (Image.Pin _ = j.image.pin(); Tensor one = pp.frame(j.image, width, height)) {
                    MemorySegment.copy(one.segment(), 0, px.segment(), filled.size() * itemBytes, itemBytes);
                    filled.add(j);
                    frameMs.add(ms(System.nanoTime() - t0));
                } catch (RuntimeException e) {
                    fail(out, j, e);
                }
            }
            if (filled.isEmpty()) return;
            int k = filled.size();
            Tensor input = k == n ? px
                    : Tensor.wrap(px.segment().asSlice(0, k * itemBytes), DType.F32, k, 3, height, width);
            long t1 = System.nanoTime();
            try (ImageEmbeddings e = encoder.encodeImages(input, true)) {
                double encodeMs = ms(System.nanoTime() - t1);
                int dim = encoder.embedDim();
                float[] frames = e.embeddings().toFloatArray();
                checkRows(frames.length, k, dim, "encodeImages");
                if (e.rows() != rows || e.cols() != cols) {
                    throw new IllegalStateException("the encoder's grid " + e.rows() + "x" + e.cols()
                            + " differs from the frame grid " + rows + "x" + cols);
                }
                MemorySegment dense = e.dense().segment();
                long denseBytes = (long) rows * cols * dim * Float.BYTES;
                for (int i = 0; i < k; i++) {
                    FrameJob j = filled.get(i);
                    try {
                        long t3 = System.nanoTime();
                        GazeGeometry geom = GazeGeometry.squash(rows, cols, patch, j.imageW, j.imageH);
                        RelevanceMap map = Scorer.relevance(dense.asSlice(i * denseBytes, denseBytes), j.question, rows,
                                cols, j.options.config(), CpuIsa.AUTO);
                        GazeDecision decision = Scorer.decide(map, geom, j.options.config());
                        double scoreMs = ms(System.nanoTime() - t3);
                        Map<String, Double> timings = new LinkedHashMap<>();
                        timings.put("frame", frameMs.get(i));
                        timings.put("encode", encodeMs);
                        timings.put("score", scoreMs);
                        Perception p = new Perception(decision, map, geom,
                                Arrays.copyOfRange(frames, i * dim, (i + 1) * dim), j.question,
                                Collections.unmodifiableMap(timings));
                        succeed(out, j, p);
                    } catch (RuntimeException ex) {
                        fail(out, j, ex);
                    }
                }
            }
        }
    }

    private void runNative(Batch batch, List<Runnable> out) {
        for (Job<?> job : batch.jobs) {
            NativeJob<?> j = (NativeJob<?>) job;
            j.settled = true;
            try {
                Object r = j.work.call();
                out.add(() -> j.completeRaw(r));
            } catch (Throwable t) {
                if (t instanceof Error) LOG.warn("native job '{}' threw an Error", j.stage, t);
                else LOG.debug("native job '{}' failed", j.stage, t);
                out.add(() -> j.fail(t));
            }
        }
    }

    private static void checkRows(int values, int rows, int dim, String what) {
        if (values != rows * dim) {
            throw new IllegalStateException(what + " returned " + values + " values for " + rows + " x " + dim);
        }
    }

    private static <T> void succeed(List<Runnable> out, Job<T> job, T value) {
        job.settled = true;
        out.add(() -> job.future.complete(value));
    }

    private static void fail(List<Runnable> out, Job<?> job, Throwable error) {
        job.settled = true;
        LOG.debug("job in lane {} failed: {}", job.laneKey, error.toString());
        out.add(() -> job.fail(error));
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }

    @Override
    public String toString() {
        return "BatchScheduler[" + options.workers() + " worker(s), maxBatch=" + options.maxBatch() + ", maxWait="
                + options.maxWait() + ", queued=" + depth + (closed ? ", closed" : "") + "]";
    }

    // --- jobs ------------------------------------------------------------------------------------------

    /** A queue of jobs that can share a batch. */
    private static final class Lane {
        final String key;
        final String kind;
        final ArrayDeque<Job<?>> jobs = new ArrayDeque<>();

        Lane(String key, String kind) {
            this.key = key;
            this.kind = kind;
        }
    }

    /** Jobs taken from one lane to run together. */
    private record Batch(String laneKey, String kind, List<Job<?>> jobs) {}

    /** A job's future: cancelling it removes the job from its lane at once. */
    private final class JobFuture<T> extends CompletableFuture<T> {
        private Job<T> job;

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled && job != null) dequeue(job);
            return cancelled;
        }
    }

    /** One unit of work in a lane. {@link #settled} is touched by the running worker only. */
    private abstract class Job<T> {
        final String laneKey;
        final String kind;
        final long enqueuedNanos = System.nanoTime();
        final JobFuture<T> future = new JobFuture<>();
        boolean settled;

        Job(String laneKey, String kind) {
            this.laneKey = laneKey;
            this.kind = kind;
            future.job = this;
        }

        void fail(Throwable t) {
            future.completeExceptionally(t);
        }
    }

    private final class TextJob extends Job<float[]> {
        final String text;

        TextJob(String text) {
            super("text", "text");
            this.text = text;
        }
    }

    private final class ImageJob extends Job<float[]> {
        final Image image;
        final Box box;

        ImageJob(Image image, Box box) {
            super("image", "image");
            this.image = image;
            this.box = box;
        }
    }

    private final class FrameJob extends Job<Perception> {
        final Image image;
        final float[] question;
        final Gaze.Options options;
        final int rows;
        final int cols;
        final int imageW;
        final int imageH;

        FrameJob(Image image, float[] question, Gaze.Options options, int rows, int cols, int imageW, int imageH) {
            super("frame:" + rows + "x" + cols, "frame");
            this.image = image;
            this.question = question;
            this.options = options;
            this.rows = rows;
            this.cols = cols;
            this.imageW = imageW;
            this.imageH = imageH;
        }
    }

    private final class NativeJob<T> extends Job<T> {
        final String stage;
        final Callable<T> work;

        NativeJob(String stage, Callable<T> work) {
            super("native", "native");
            this.stage = stage;
            this.work = work;
        }

        @SuppressWarnings("unchecked")
        void completeRaw(Object value) {
            future.complete((T) value);
        }
    }
}
