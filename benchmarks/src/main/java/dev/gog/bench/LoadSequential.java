package dev.gog.bench;

import dev.gog.gaze.Gaze;
import dev.gog.gaze.GazeConfig;
import dev.gog.image.Box;
import dev.gog.image.Image;
import dev.gog.model.Encoder;
import dev.gog.model.ImageEmbeddings;
import dev.gog.preprocess.Preprocessor;
import dev.gog.tensor.DType;
import dev.gog.tensor.Tensor;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The sequential baseline: the same trajectory as {@link LoadPolicy} driven through the engine,
 * done the way MMSearch-R1 and WebWatcher run their tools: one blocking call after another on
 * the request's own thread, the model called directly (no batching). Per request: decode; LMM;
 * glance (whole-image encode, then the search delay); LMM; gaze (question encode, Selective Gaze
 * with the best box's crop encoded, or the centre half's crop when it proposes none, then the
 * search delay); text search delay; LMM. Thread-safe (the encoder is shared).
 */
final class LoadSequential {
    private final Encoder encoder;
    private final LoadClock clock;
    private final double searchMs;
    private final double lmmMs;
    private final Gaze.Options gaze;
    /** Nanoseconds spent in decode and model calls (waits for the shared encoder's lock included). */
    final LongAdder modelNanos = new LongAdder();
    /** Requests run to the end. */
    final LongAdder requests = new LongAdder();

    /**
     * @param encoder the shared encoder (not owned)
     * @param clock the delay source (not owned)
     * @param searchMs mean search latency
     * @param lmmMs mean LMM latency per turn
     */
    LoadSequential(Encoder encoder, LoadClock clock, double searchMs, double lmmMs) {
        this.encoder = encoder;
        this.clock = clock;
        this.searchMs = searchMs;
        this.lmmMs = lmmMs;
        // one box, as the engine's policy gazes at one; no JPEG bytes, as the engine's embedding search needs none
        this.gaze = Gaze.Options.defaults().withJpegQuality(0).withConfig(GazeConfig.defaults().withMaxBoxes(1));
    }

    /**
     * Runs one request to its answer on the calling thread.
     *
     * @param jpeg the encoded image
     * @param question the question
     * @return a checksum of the embeddings (keeps the work observable)
     * @throws InterruptedException if interrupted during a simulated call
     * @throws dev.gog.bindings.GogException if decoding or encoding fails
     */
    double run(byte[] jpeg, String question) throws InterruptedException {
        double sum = 0;
        long t0 = System.nanoTime();
        try (Image img = Image.decode(jpeg)) {
            long model = System.nanoTime() - t0;
            clock.sleep(lmmMs); // turn 1: the LMM decides to glance
            t0 = System.nanoTime();
            try (ImageEmbeddings e = encoder.encodeImage(img, false)) {
                sum += e.embeddings().toFloatArray()[0];
            }
            model += System.nanoTime() - t0;
            clock.sleep(searchMs); // glance search
            clock.sleep(lmmMs); // turn 2: the LMM decides to gaze and search text
            t0 = System.nanoTime();
            float[] q;
            try (Tensor t = encoder.encodeTexts(List.of(question))) {
                q = t.toFloatArray();
            }
            Gaze.Result r = Gaze.run(encoder, img, q, gaze);
            if (!r.crops().isEmpty()) {
                sum += r.crops().get(0).embedding()[0];
            } else {
                Box box = LoadPolicy.centreHalf(img.originalWidth(), img.originalHeight());
                try (Preprocessor pp = new Preprocessor(encoder.preprocessSpec().withDtype(DType.F32), 1);
                     Tensor px = pp.crops(img, List.of(box));
                     ImageEmbeddings e = encoder.encodeImages(px, false)) {
                    sum += e.embeddings().toFloatArray()[0];
                }
            }
            model += System.nanoTime() - t0;
            clock.sleep(searchMs); // gaze search
            clock.sleep(searchMs); // text search
            clock.sleep(lmmMs); // turn 3: the LMM answers
            modelNanos.add(model);
            requests.increment();
        }
        return sum;
    }
}
