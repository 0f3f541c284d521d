package dev.gog.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.gaze.Gaze;
import dev.gog.gaze.GazeConfig;
import dev.gog.gaze.GazeDecision;
import dev.gog.gaze.ScoredBox;
import dev.gog.image.Box;
import dev.gog.image.Image;
import dev.gog.model.Encoder;
import dev.gog.model.ImageEmbeddings;
import dev.gog.preprocess.Preprocessor;
import dev.gog.tensor.DType;
import dev.gog.tensor.Tensor;
import dev.gog.testing.TestData;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The batching scheduler on the tiny CLIP test model: batched results equal the unbatched
 * encoder's, batches form under concurrency, a lone job does not wait for the batch window, one
 * bad job never fails its batch-mates, close and cancellation drop queued jobs, perceive matches
 * {@link Gaze#run}, and the metrics are recorded. Queues are held deterministically by a
 * {@code submit} job that blocks the single worker on a latch.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BatchSchedulerTest {
    private static final float TOL = 1e-5f;
    private static Encoder encoder;

    @BeforeAll
    static void load() {
        encoder = Encoder.load(TestData.path("models/tiny-clip"));
    }

    @AfterAll
    static void unload() {
        if (encoder != null) encoder.close();
    }

    private static SchedulerOptions opts(int maxBatch, long maxWaitMs) {
        return SchedulerOptions.defaults().withMaxBatch(maxBatch).withMaxWait(Duration.ofMillis(maxWaitMs)).withWorkers(1);
    }

    private static Image photo(int i) throws IOException {
        return Image.read(TestData.path("photos/sample-" + i + ".jpg"));
    }

    // --- correctness against the unbatched encoder -------------------------------------------------------

    @Test
    void batchedImagesAndTextsEqualTheUnbatchedEncoder() throws Exception {
        List<String> texts = List.of("a photo of a dog", "what building is this?", "x",
                "a much longer question about the name of the mountain in the background of this picture");
        try (Image a = photo(1); Image b = photo(2); Image c = photo(3);
             BatchScheduler s = new BatchScheduler(encoder, opts(8, 20), new SimpleMeterRegistry())) {
            List<Image> images = List.of(a, b, c);
            Blocker block = Blocker.hold(s);
            List<CompletableFuture<float[]>> whole = new ArrayList<>();
            List<CompletableFuture<float[]>> crops = new ArrayList<>();
            List<Box> boxes = new ArrayList<>();
            List<CompletableFuture<float[]>> embedded = new ArrayList<>();
            for (Image img : images) {
                whole.add(s.embedWhole(img));
                Box box = new Box(10.5f, 20f, img.originalWidth() * 0.6f, img.originalHeight() - 1f);
                boxes.add(box);
                crops.add(s.embedCrop(img, box));
            }
            for (String t : texts) embedded.add(s.embedText(t));
            awaitDepth(s, 6 + texts.size());
            block.release();
            for (int i = 0; i < images.size(); i++) {
                assertClose(referenceWhole(images.get(i)), get(whole.get(i)), "whole " + i);
                assertClose(referenceCrop(images.get(i), boxes.get(i)), get(crops.get(i)), "crop " + i);
            }
            for (int i = 0; i < texts.size(); i++) {
                try (Tensor t = encoder.encodeTexts(List.of(texts.get(i)))) {
                    assertClose(t.toFloatArray(), get(embedded.get(i)), "text " + i);
                }
            }
            block.finish();
            assertEquals(6.0, s.meanBatchSize("image"), "the six image jobs ran as one batch");
            assertEquals(texts.size(), s.meanBatchSize("text"), "the texts ran as one batch");
        }
    }

    @Test
    void sixteenConcurrentCropsBatchAndEachGetsItsOwnResult() throws Exception {
        Random rnd = new Random(42);
        try (Image img = photo(2); BatchScheduler s = new BatchScheduler(encoder, opts(16, 50), new SimpleMeterRegistry());
             ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Box> boxes = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                float x1 = rnd.nextInt(img.originalWidth() / 2), y1 = rnd.nextInt(img.originalHeight() / 2);
                boxes.add(new Box(x1, y1, x1 + 20 + rnd.nextInt(img.originalWidth() / 2 - 20),
                        y1 + 20 + rnd.nextInt(img.originalHeight() / 2 - 20)));
            }
            Blocker block = Blocker.hold(s);
            List<Future<float[]>> results = new ArrayList<>();
            for (Box box : boxes) results.add(vts.submit(() -> s.embedCrop(img, box).get(10, TimeUnit.SECONDS)));
            awaitDepth(s, 16);
            block.release();
            for (int i = 0; i < 16; i++) {
                assertClose(referenceCrop(img, boxes.get(i)), results.get(i).get(10, TimeUnit.SECONDS), "crop " + i);
            }
            block.finish();
            assertTrue(s.meanBatchSize("image") > 1, "mean image batch " + s.meanBatchSize("image"));
            assertEquals(16.0, s.meanBatchSize("image"), "all 16 queued crops fit one batch of 16");
        }
    }

    @Test
    void batchesNeverExceedMaxBatch() throws Exception {
        try (Image img = photo(1); BatchScheduler s = new BatchScheduler(encoder, opts(4, 50), new SimpleMeterRegistry())) {
            Blocker block = Blocker.hold(s);
            List<CompletableFuture<float[]>> fs = new ArrayList<>();
            for (int i = 0; i < 10; i++) fs.add(s.embedCrop(img, new Box(i, i, 100 + i, 120 + i)));
            awaitDepth(s, 10);
            block.release();
            for (int i = 0; i < 10; i++) {
                assertClose(referenceCrop(img, new Box(i, i, 100 + i, 120 + i)), get(fs.get(i)), "crop " + i);
            }
            block.finish();
            assertEquals(10.0 / 3, s.meanBatchSize("image"), 1e-9, "10 jobs in batches of at most 4: 4 + 4 + 2");
        }
    }

    // --- latency -----------------------------------------------------------------------------------------

    @Test
    void aLoneJobDoesNotWaitForTheBatchWindow() throws Exception {
        try (Image img = photo(3); BatchScheduler s = new BatchScheduler(encoder, opts(16, 500), new SimpleMeterRegistry())) {
            get(s.embedText("warm up the tokenizer"));
            get(s.embedWhole(img));
            long t0 = System.nanoTime();
            float[] crop = get(s.embedCrop(img, new Box(0, 0, 200, 200)));
            long cropMs = (System.nanoTime() - t0) / 1_000_000;
            t0 = System.nanoTime();
            float[] text = get(s.embedText("a lone question"));
            long textMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(encoder.embedDim(), crop.length);
            assertEquals(encoder.embedDim(), text.length);
            assertTrue(cropMs < 400, "a lone crop took " + cropMs + " ms with maxWait 500 ms");
            assertTrue(textMs < 400, "a lone text took " + textMs + " ms with maxWait 500 ms");
        }
    }

    @Test
    void anOldJobStartsAfterMaxWaitEvenWithAnotherLaneQueued() throws Exception {
        // Two lanes queued at once: neither is alone, so each starts when it is full or has waited.
        try (Image img = photo(1); BatchScheduler s = new BatchScheduler(encoder, opts(16, 30), new SimpleMeterRegistry())) {
            Blocker block = Blocker.hold(s);
            CompletableFuture<float[]> text = s.embedText("a question");
            CompletableFuture<float[]> image = s.embedWhole(img);
            awaitDepth(s, 2);
            block.release();
            assertEquals(encoder.embedDim(), get(text).length);
            assertEquals(encoder.embedDim(), get(image).length);
            block.finish();
        }
    }

    // --- failures are confined to their job ----------------------------------------------------------------

    @Test
    void aBadBoxFailsOnlyItsOwnJob() throws Exception {
        try (Image img = photo(1); BatchScheduler s = new BatchScheduler(encoder, opts(8, 20), new SimpleMeterRegistry())) {
            Blocker block = Blocker.hold(s);
            Box good = new Box(5, 5, 300, 400);
            CompletableFuture<float[]> ok = s.embedCrop(img, good);
            CompletableFuture<float[]> bad = s.embedCrop(img, new Box(100, 100, img.originalWidth() + 1, 200));
            CompletableFuture<float[]> ok2 = s.embedWhole(img);
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(5, TimeUnit.SECONDS));
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("outside"), e.getCause().getMessage());
            assertEquals(2, s.queueDepth(), "the bad job was never queued");
            block.release();
            assertClose(referenceCrop(img, good), get(ok), "good crop");
            assertClose(referenceWhole(img), get(ok2), "whole");
            block.finish();
        }
    }

    @Test
    void aClosedImageFailsOnlyItsOwnJob() throws Exception {
        try (Image open = photo(1); Image doomed = photo(2);
             BatchScheduler s = new BatchScheduler(encoder, opts(8, 20), new SimpleMeterRegistry())) {
            Blocker block = Blocker.hold(s);
            Box box = new Box(0, 0, 128, 128);
            CompletableFuture<float[]> ok = s.embedCrop(open, box);
            CompletableFuture<float[]> lost = s.embedCrop(doomed, box);
            CompletableFuture<float[]> lostWhole = s.embedWhole(doomed);
            awaitDepth(s, 3);
            doomed.close();
            block.release();
            assertClose(referenceCrop(open, box), get(ok), "open image's crop");
            for (CompletableFuture<float[]> f : List.of(lost, lostWhole)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
                assertInstanceOf(IllegalStateException.class, e.getCause());
            }
            block.finish();
            assertEquals(3.0, s.meanBatchSize("image"), "the three jobs shared one batch");
            // A closed image at submit time fails at once, also for perceive.
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> s.embedWhole(doomed).get(5, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, e.getCause());
            e = assertThrows(ExecutionException.class, () -> s.perceive(doomed, new float[encoder.embedDim()],
                    Gaze.Options.defaults()).get(5, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
    }

    @Test
    void aWorkerSurvivesExceptionsAndErrorsFromJobs() throws Exception {
        try (BatchScheduler s = new BatchScheduler(encoder, opts(8, 5), new SimpleMeterRegistry())) {
            CompletableFuture<Object> ex = s.submit("boom", () -> {
                throw new IOException("disk on fire");
            });
            CompletableFuture<Object> err = s.submit("error", () -> {
                throw new AssertionError("an Error from a job");
            });
            ExecutionException e1 = assertThrows(ExecutionException.class, () -> ex.get(5, TimeUnit.SECONDS));
            assertInstanceOf(IOException.class, e1.getCause());
            ExecutionException e2 = assertThrows(ExecutionException.class, () -> err.get(5, TimeUnit.SECONDS));
            assertInstanceOf(AssertionError.class, e2.getCause());
            assertEquals("worked", s.submit("fine", () -> "worked").get(5, TimeUnit.SECONDS));
            assertEquals(encoder.embedDim(), get(s.embedText("still serving")).length);
            String name = s.submit("where", () -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
            assertEquals("gog-batch-0", name);
            assertFalse(s.submit("virtual?", () -> Thread.currentThread().isVirtual()).get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void badPerceiveArgumentsFailTheFuture() throws Exception {
        try (Image img = photo(1); BatchScheduler s = new BatchScheduler(encoder, opts(8, 5), new SimpleMeterRegistry())) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> s.perceive(img, new float[3], Gaze.Options.defaults()).get(5, TimeUnit.SECONDS));
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertThrows(NullPointerException.class, () -> s.embedText(null));
            assertThrows(NullPointerException.class, () -> s.embedCrop(img, null));
            assertThrows(IllegalArgumentException.class, () -> s.meanBatchSize("gpu"));
            assertTrue(Double.isNaN(s.meanBatchSize("frame")), "no frame batch has run");
        }
    }

    // --- close and cancellation --------------------------------------------------------------------------

    @Test
    void closeFailsQueuedJobsAndLaterSubmissions() throws Exception {
        BatchScheduler s = new BatchScheduler(encoder, opts(8, 5), new SimpleMeterRegistry());
        Blocker block = Blocker.hold(s);
        CompletableFuture<float[]> queued = s.embedText("never run");
        CompletableFuture<String> queuedNative = s.submit("never run", () -> "ran");
        awaitDepth(s, 2);
        Thread closer = Thread.ofVirtual().start(s::close);
        for (CompletableFuture<?> f : List.of(queued, queuedNative)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertEquals("scheduler closed", e.getCause().getMessage());
        }
        assertEquals(0, s.queueDepth());
        assertTrue(closer.isAlive(), "close() waits for the running batch");
        block.release();
        assertTrue(closer.join(Duration.ofSeconds(5)), "close() returns once the running batch is done");
        assertNull(block.future.get(5, TimeUnit.SECONDS), "the running batch completed normally");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> s.embedText("too late").get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        e = assertThrows(ExecutionException.class, () -> s.submit("late", () -> 1).get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        s.close(); // idempotent
    }

    @Test
    void cancellingAQueuedJobDropsIt() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (BatchScheduler s = new BatchScheduler(encoder, opts(8, 5), registry)) {
            Blocker block = Blocker.hold(s);
            CompletableFuture<float[]> dropped = s.embedText("cancel me");
            CompletableFuture<float[]> kept = s.embedText("keep me");
            awaitDepth(s, 2);
            assertTrue(dropped.cancel(false));
            assertEquals(1, s.queueDepth(), "the cancelled job left the queue");
            block.release();
            try (Tensor t = encoder.encodeTexts(List.of("keep me"))) {
                assertClose(t.toFloatArray(), get(kept), "kept");
            }
            assertThrows(CancellationException.class, dropped::join);
            block.finish();
            assertEquals(1.0, s.meanBatchSize("text"), "the text batch held only the kept job");
            DistributionSummary text = registry.get("gog.batch.size").tag("lane", "text").summary();
            assertEquals(1, text.count());
            assertEquals(1.0, text.totalAmount());
        }
    }

    // --- perceive -----------------------------------------------------------------------------------------

    @Test
    void perceiveEqualsGazeRun() throws Exception {
        GazeConfig always = GazeConfig.defaults().withDecision(0f, 1f, 1f);
        List<String> questions = List.of("what is this building?", "which animal is this", "who painted it");
        try (Arena arena = Arena.ofShared(); Image a = photo(1); Image b = photo(2); Image c = photo(3);
             Image noise = noise(arena, a.originalWidth(), a.originalHeight(), 7);
             BatchScheduler s = new BatchScheduler(encoder, opts(8, 20), new SimpleMeterRegistry())) {
            // a and the noise image share a grid: their batch holds different frames.
            List<Image> images = List.of(a, b, noise, c, a, b);
            List<Gaze.Options> options = new ArrayList<>();
            List<float[]> texts = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                options.add(Gaze.Options.defaults().withConfig(i % 2 == 0 ? always : GazeConfig.defaults()));
                try (Tensor t = encoder.encodeTexts(List.of(questions.get(i % questions.size())))) {
                    texts.add(t.toFloatArray());
                }
            }
            Blocker block = Blocker.hold(s);
            List<CompletableFuture<Perception>> fs = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) fs.add(s.perceive(images.get(i), texts.get(i), options.get(i)));
            awaitDepth(s, images.size());
            block.release();
            for (int i = 0; i < images.size(); i++) {
                Gaze.Result ref = Gaze.run(encoder, images.get(i), texts.get(i), options.get(i));
                Perception p = get(fs.get(i));
                String what = "perception " + i;
                assertEquals(ref.geometry(), p.geometry(), what);
                assertEquals(ref.map().rows(), p.map().rows(), what);
                assertEquals(ref.map().cols(), p.map().cols(), what);
                assertClose(ref.map().map(), p.map().map(), what + " map");
                assertClose(ref.map().cosines(), p.map().cosines(), what + " cosines");
                assertClose(ref.frameEmbedding(), p.frameEmbedding(), what + " frame embedding");
                assertClose(texts.get(i), p.questionEmbedding(), what + " question");
                GazeDecision rd = ref.decision(), pd = p.decision();
                assertEquals(rd.kind(), pd.kind(), what + " decision");
                assertEquals(rd.boxes().size(), pd.boxes().size(), what + " boxes");
                for (int k = 0; k < rd.boxes().size(); k++) {
                    ScoredBox rb = rd.boxes().get(k), pb = pd.boxes().get(k);
                    assertEquals(rb.box().x1(), pb.box().x1(), 1e-3, what + " box " + k);
                    assertEquals(rb.box().y1(), pb.box().y1(), 1e-3, what + " box " + k);
                    assertEquals(rb.box().x2(), pb.box().x2(), 1e-3, what + " box " + k);
                    assertEquals(rb.box().y2(), pb.box().y2(), 1e-3, what + " box " + k);
                    assertEquals(rb.score(), pb.score(), 1e-5, what + " box score " + k);
                }
                assertEquals(rd.stats().peakToMean(), pd.stats().peakToMean(), 1e-5, what);
                assertEquals(rd.stats().entropy(), pd.stats().entropy(), 1e-5, what);
                if (i % 2 == 0) assertEquals(GazeDecision.Kind.GAZE, pd.kind(), what + ": open thresholds mean gaze");
                assertEquals(List.of("frame", "encode", "score"), List.copyOf(p.timingsMs().keySet()), what);
            }
            block.finish();
            // a and noise (384x512: 12x9 cells) thrice, b (800x531: 8x12) twice, c (800x600: 9x12) once.
            assertEquals(2.0, s.meanBatchSize("frame"), "frames of one grid share a batch");
        }
    }

    // --- metrics ------------------------------------------------------------------------------------------

    @Test
    void metricsAreRecorded() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Image img = photo(1); BatchScheduler s = new BatchScheduler(encoder, opts(8, 5), registry)) {
            get(s.embedText("metrics"));
            get(s.embedWhole(img));
            s.submit("jpeg", () -> img.encodeJpeg(new Box(0, 0, 64, 64), 80)).get(5, TimeUnit.SECONDS);
            for (String lane : List.of("text", "image", "native")) {
                DistributionSummary size = registry.get("gog.batch.size").tag("lane", lane).summary();
                assertTrue(size.count() > 0, lane + " batch size count");
                Timer wait = registry.get("gog.batch.wait").tag("lane", lane).timer();
                Timer run = registry.get("gog.batch.run").tag("lane", lane).timer();
                assertTrue(wait.count() > 0, lane + " wait count");
                assertTrue(run.count() > 0 && run.totalTime(TimeUnit.NANOSECONDS) > 0, lane + " run time");
                assertEquals(1.0, s.meanBatchSize(lane), lane);
            }
            Gauge depth = registry.get("gog.scheduler.queue.depth").gauge();
            assertEquals(0.0, depth.value());
            Blocker block = Blocker.hold(s);
            CompletableFuture<float[]> queued = s.embedText("queued");
            awaitDepth(s, 1);
            assertEquals(1.0, depth.value(), "the gauge shows the queued job");
            block.release();
            assertNotNull(get(queued));
            block.finish();
        }
        assertNull(registry.find("gog.scheduler.queue.depth").gauge(), "close() removes the gauge");
    }

    // --- helpers ------------------------------------------------------------------------------------------

    /** A native job that holds the single worker until released. */
    private record Blocker(CompletableFuture<Object> future, CountDownLatch latch) {
        static Blocker hold(BatchScheduler s) throws InterruptedException {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch latch = new CountDownLatch(1);
            CompletableFuture<Object> f = s.submit("block", () -> {
                started.countDown();
                if (!latch.await(10, TimeUnit.SECONDS)) throw new TimeoutException("blocker never released");
                return null;
            });
            assertTrue(started.await(5, TimeUnit.SECONDS), "the blocker started");
            return new Blocker(f, latch);
        }

        void release() {
            latch.countDown();
        }

        void finish() throws Exception {
            release();
            future.get(5, TimeUnit.SECONDS);
        }
    }

    /** A {@code width x height} image of seeded random pixels in {@code arena}. */
    private static Image noise(Arena arena, int width, int height, long seed) {
        byte[] px = new byte[width * height * 3];
        new Random(seed).nextBytes(px);
        MemorySegment seg = arena.allocate(px.length);
        MemorySegment.copy(px, 0, seg, ValueLayout.JAVA_BYTE, 0, px.length);
        return Image.wrap(seg, width, height, 3L * width);
    }

    private static void awaitDepth(BatchScheduler s, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (s.queueDepth() != n) {
            if (System.nanoTime() > deadline) throw new AssertionError("queue depth " + s.queueDepth() + ", want " + n);
            Thread.sleep(1);
        }
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private static float[] referenceWhole(Image img) {
        try (ImageEmbeddings e = encoder.encodeImage(img, false)) {
            return e.embeddings().toFloatArray();
        }
    }

    private static float[] referenceCrop(Image img, Box box) {
        try (Preprocessor pp = new Preprocessor(encoder.preprocessSpec().withDtype(DType.F32), 1);
             Tensor px = pp.crops(img, List.of(box));
             ImageEmbeddings e = encoder.encodeImages(px, false)) {
            return e.embeddings().toFloatArray();
        }
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], TOL, what + " [" + i + "]");
        }
    }
}
