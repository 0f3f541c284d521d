package dev.gog.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.bindings.CudaNative;
import dev.gog.gaze.Gaze;
import dev.gog.gaze.GazeConfig;
import dev.gog.gaze.GazeDecision;
import dev.gog.gaze.GazeStats;
import dev.gog.image.Box;
import dev.gog.image.Image;
import dev.gog.model.Backend;
import dev.gog.model.Encoder;
import dev.gog.tensor.Tensor;
import dev.gog.testing.Similarity;
import dev.gog.testing.TestData;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scheduler's device-resident path on a CUDA encoder against its CPU path on the three test
 * photos: whole-image and crop embeddings and frame embeddings agree (cosine at least 0.999),
 * relevance maps agree, and decisions are identical unless a decision statistic lies near its
 * threshold; repeated image batches replay the encoder's CUDA graph. Skipped with "no CUDA
 * device" where there is none.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BatchSchedulerCudaTest {
    private static final Path CLIP = TestData.path("models/tiny-clip");

    private static boolean device() {
        return CudaNative.available() && CudaNative.deviceCount() > 0;
    }

    private static SchedulerOptions opts() {
        return SchedulerOptions.defaults().withMaxBatch(8).withMaxWait(Duration.ofMillis(20)).withWorkers(1);
    }

    private static Image photo(int i) throws IOException {
        return Image.read(TestData.path("photos/sample-" + i + ".jpg"));
    }

    /** What one scheduler computed for the three photos. */
    private record Run(List<float[]> whole, List<float[]> crops, List<Perception> frames) {}

    private static Run run(Encoder enc, List<Image> images, List<float[]> questions, Gaze.Options gaze)
            throws Exception {
        try (BatchScheduler s = new BatchScheduler(enc, opts(), new SimpleMeterRegistry())) {
            List<CompletableFuture<float[]>> whole = new ArrayList<>();
            List<CompletableFuture<float[]>> crops = new ArrayList<>();
            List<CompletableFuture<Perception>> frames = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                Image img = images.get(i);
                whole.add(s.embedWhole(img));
                crops.add(s.embedCrop(img, new Box(10.5f, 20f, img.originalWidth() * 0.6f, img.originalHeight() - 1f)));
                frames.add(s.perceive(img, questions.get(i), gaze));
            }
            List<float[]> w = new ArrayList<>(), c = new ArrayList<>();
            List<Perception> f = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                w.add(whole.get(i).get(30, TimeUnit.SECONDS));
                c.add(crops.get(i).get(30, TimeUnit.SECONDS));
                f.add(frames.get(i).get(30, TimeUnit.SECONDS));
            }
            return new Run(w, c, f);
        }
    }

    @Test
    void theDevicePathMatchesTheCpuPath() throws Exception {
        Assumptions.assumeTrue(device(), "no CUDA device");
        List<String> qs = List.of("What is the country of origin of this food?", "What is this building dedicated to?",
                "What is the name of this place?");
        try (Encoder cpu = Encoder.load(CLIP, Encoder.Options.defaults().withBackend(Backend.CPU));
             Encoder gpu = Encoder.load(CLIP, Encoder.Options.defaults().withBackend(Backend.CUDA));
             Image a = photo(1); Image b = photo(2); Image c = photo(3)) {
            List<Image> images = List.of(a, b, c);
            List<float[]> questions = new ArrayList<>();
            for (String q : qs) {
                try (Tensor t = cpu.encodeTexts(List.of(q))) {
                    questions.add(t.toFloatArray());
                }
            }
            Gaze.Options gaze = Gaze.Options.defaults();
            Run ref = run(cpu, images, questions, gaze);
            Run dev = run(gpu, images, questions, gaze);
            int e = cpu.embedDim();
            GazeConfig cfg = gaze.config();
            for (int i = 0; i < images.size(); i++) {
                String what = "photo " + (i + 1);
                assertTrue(Similarity.minRowCosine(ref.whole().get(i), dev.whole().get(i), e) >= 0.999, what + " whole");
                assertTrue(Similarity.minRowCosine(ref.crops().get(i), dev.crops().get(i), e) >= 0.999, what + " crop");
                Perception rp = ref.frames().get(i), dp = dev.frames().get(i);
                assertTrue(Similarity.minRowCosine(rp.frameEmbedding(), dp.frameEmbedding(), e) >= 0.999, what + " frame");
                assertEquals(rp.geometry(), dp.geometry(), what);
                assertArrayEquals(questions.get(i), dp.questionEmbedding(), what);
                float[] rm = rp.map().map(), dm = dp.map().map();
                assertTrue(Similarity.minRowCosine(rm, dm, rm.length) >= 0.99, what + " relevance map");
                GazeDecision rd = rp.decision(), dd = dp.decision();
                if (rd.kind() != dd.kind()) {
                    assertTrue(nearThreshold(rd.stats(), cfg) || nearThreshold(dd.stats(), cfg),
                            what + ": decisions differ (" + rd.kind() + " vs " + dd.kind() + ") away from every threshold: "
                                    + rd.stats() + " vs " + dd.stats());
                }
                assertEquals(List.of("frame", "encode", "score"), List.copyOf(dp.timingsMs().keySet()), what);
            }
        }
    }

    /** Whether a decision statistic lies within 2 % of its threshold. */
    private static boolean nearThreshold(GazeStats s, GazeConfig cfg) {
        return near(s.peakToMean(), cfg.minPeakToMean()) || near(s.entropy(), cfg.maxEntropy())
                || near(s.bestCover(), cfg.maxCover());
    }

    private static boolean near(float v, float threshold) {
        return Math.abs(v - threshold) <= 0.02f * Math.max(Math.abs(threshold), 1e-3f);
    }

    @Test
    void repeatedImageBatchesReplayTheEncodersGraph() throws Exception {
        Assumptions.assumeTrue(device(), "no CUDA device");
        try (Encoder gpu = Encoder.load(CLIP, Encoder.Options.defaults().withBackend(Backend.CUDA));
             Image a = photo(1);
             BatchScheduler s = new BatchScheduler(gpu, opts(), new SimpleMeterRegistry())) {
            float[] first = null;
            for (int i = 0; i < 5; i++) {
                float[] now = s.embedWhole(a).get(30, TimeUnit.SECONDS); // a lone job: batches of one
                if (first == null) first = now;
                else assertArrayEquals(first, now, "batch " + i);
            }
            Encoder.GraphInfo g = gpu.graphInfo();
            Assumptions.assumeTrue(g.lastFailure().isEmpty(), "graphs unavailable here: " + g.lastFailure());
            assertTrue(g.replays() > 0, g.toString());
        }
    }
}
