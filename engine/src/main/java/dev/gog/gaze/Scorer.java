package dev.gog.gaze;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.gog.bindings.CpuIsa;
import dev.gog.bindings.CudaNative;
import dev.gog.bindings.GazeNative;
import dev.gog.bindings.GogErrorCode;
import dev.gog.bindings.GogException;
import dev.gog.image.Box;
import dev.gog.tensor.DType;
import dev.gog.tensor.Device;
import dev.gog.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Selective Gaze scoring in libgog ({@code gog_gaze.h}): the relevance map of dense patch features
 * against a text embedding, and the glance-or-gaze decision with its boxes. Stateless and
 * thread-safe; every call allocates its native buffers in a confined arena and frees them before
 * returning. Results are new objects owned by the caller.
 */
public final class Scorer {
    private static final Logger LOG = LoggerFactory.getLogger(Scorer.class);

    private Scorer() {}

    /**
     * The relevance map of {@code dense} [rows*cols, E] (row-major floats) against {@code text} [E],
     * on the default CPU variant.
     *
     * @throws NullPointerException if an argument is null
     * @throws GogException (INVALID_ARGUMENT) if the grid is empty, {@code dense} does not hold
     *     rows*cols*E values, or a value is not finite, naming it
     */
    public static RelevanceMap relevance(float[] dense, float[] text, int rows, int cols, GazeConfig cfg) {
        return relevance(dense, text, rows, cols, cfg, CpuIsa.AUTO);
    }

    /**
     * {@link #relevance(float[], float[], int, int, GazeConfig)} on a given CPU variant.
     *
     * @throws GogException also (UNSUPPORTED) if this machine cannot run {@code isa}
     */
    public static RelevanceMap relevance(float[] dense, float[] text, int rows, int cols, GazeConfig cfg,
                                         CpuIsa isa) {
        Objects.requireNonNull(dense, "dense");
        Objects.requireNonNull(text, "text");
        checkDense((long) dense.length, text.length, rows, cols);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment d = arena.allocate((long) dense.length * 4, 64);
            MemorySegment.copy(dense, 0, d, JAVA_FLOAT, 0, dense.length);
            return relevance(d, text, rows, cols, cfg, isa);
        }
    }

    /**
     * The relevance map of {@code dense} [rows*cols, E] floats in native memory (for instance the
     * dense output of the encoder) against {@code text} [E], with no copy of {@code dense}.
     *
     * @throws NullPointerException if an argument is null
     * @throws GogException (INVALID_ARGUMENT) if the grid is empty, the segment is smaller than
     *     rows*cols*E floats, or a value is not finite, naming it; (UNSUPPORTED) for an ISA this
     *     machine cannot run
     */
    public static RelevanceMap relevance(MemorySegment dense, float[] text, int rows, int cols, GazeConfig cfg,
                                         CpuIsa isa) {
        Objects.requireNonNull(dense, "dense");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(cfg, "cfg");
        Objects.requireNonNull(isa, "isa");
        checkDense(dense.byteSize() / 4, text.length, rows, cols);
        return relevanceCall(text, rows, cols, cfg, (t, c, cos, map) ->
                GazeNative.relevance(dense, rows, cols, text.length, t, c, isa.code(), cos, map));
    }

    /** One native relevance call: text and config in native memory, cosines and map out. */
    private interface RelevanceCall {
        void run(MemorySegment text, MemorySegment cfg, MemorySegment cosines, MemorySegment map);
    }

    private static RelevanceMap relevanceCall(float[] text, int rows, int cols, GazeConfig cfg, RelevanceCall call) {
        int n = rows * cols;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate((long) text.length * 4, 64);
            MemorySegment.copy(text, 0, t, JAVA_FLOAT, 0, text.length);
            MemorySegment c = config(arena, cfg);
            MemorySegment cos = arena.allocate((long) n * 4, 64), map = arena.allocate((long) n * 4, 64);
            call.run(t, c, cos, map);
            return new RelevanceMap(rows, cols, map.toArray(JAVA_FLOAT), cos.toArray(JAVA_FLOAT));
        }
    }

    /**
     * The relevance map of dense features that live on a CUDA device ({@code dense}: an F32
     * device tensor of [rows*cols, E] values, for instance a slice of the dense output of
     * {@link dev.gog.model.Encoder#encodeImagesOnDevice}) against {@code text} [E], computed on
     * that device ({@code gog_cuda_gaze_relevance_device}); only the map and cosines come back.
     * Matches {@link #relevance(MemorySegment, float[], int, int, GazeConfig, CpuIsa)} with
     * {@link CpuIsa#SCALAR} within about 1e-5 relative, so the same
     * {@link #decide(RelevanceMap, GazeGeometry, GazeConfig)} follows.
     *
     * @param dense the features, a CUDA tensor owned by the caller (read only, left open)
     * @param text the text embedding
     * @param rows grid rows
     * @param cols grid columns
     * @param cfg the scoring settings
     * @return a new map owned by the caller
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code dense} is not an F32 device tensor
     * @throws IllegalStateException if {@code dense} is closed
     * @throws GogException (INVALID_ARGUMENT) if the grid is empty, the tensor holds fewer than
     *     rows*cols*E floats, or a value is not finite; (NO_DEVICE), (OUT_OF_MEMORY), (CUDA)
     */
    public static RelevanceMap relevanceOnDevice(Tensor dense, float[] text, int rows, int cols, GazeConfig cfg) {
        Objects.requireNonNull(dense, "dense");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(cfg, "cfg");
        if (dense.device() != Device.CUDA || dense.dtype() != DType.F32) {
            throw new IllegalArgumentException("relevanceOnDevice needs an F32 CUDA tensor, got " + dense);
        }
        checkDense(dense.byteSize() / 4, text.length, rows, cols);
        return relevanceCall(text, rows, cols, cfg, (t, c, cos, map) -> CudaNative.gazeRelevanceDevice(dense.cudaDevice(),
                MemorySegment.ofAddress(dense.deviceAddress()), rows, cols, text.length, t, c, cos, map));
    }

    /**
     * The decision on a relevance map (its cosine statistics are filled in), on the default variant.
     *
     * @throws NullPointerException if an argument is null
     * @throws GogException (INVALID_ARGUMENT) if the geometry's grid differs from the map's or the
     *     geometry is bad, naming the field
     */
    public static GazeDecision decide(RelevanceMap map, GazeGeometry geom, GazeConfig cfg) {
        return decide(map, geom, cfg, CpuIsa.AUTO);
    }

    /**
     * {@link #decide(RelevanceMap, GazeGeometry, GazeConfig)} on a given CPU variant.
     *
     * @throws GogException also (UNSUPPORTED) if this machine cannot run {@code isa}
     */
    public static GazeDecision decide(RelevanceMap map, GazeGeometry geom, GazeConfig cfg, CpuIsa isa) {
        Objects.requireNonNull(map, "map");
        Objects.requireNonNull(geom, "geom");
        if (geom.rows() != map.rows() || geom.cols() != map.cols()) {
            throw new GogException(GogErrorCode.INVALID_ARGUMENT, "Scorer.decide", "geometry grid " + geom.rows()
                    + " x " + geom.cols() + " differs from the relevance map's " + map.rows() + " x " + map.cols());
        }
        return decide(map.map(), geom, cfg, isa, map.maxCosine(), map.meanCosine());
    }

    /**
     * The decision on a raw map [geom.rows * geom.cols] (any non-negative finite values, not all
     * zero), on the default variant; the cosine statistics are NaN.
     *
     * @throws NullPointerException if an argument is null
     * @throws GogException (INVALID_ARGUMENT) for a map of the wrong length, an empty grid, a bad
     *     geometry, or a NaN, infinite, negative or all-zero map, naming it
     */
    public static GazeDecision decide(float[] map, GazeGeometry geom, GazeConfig cfg) {
        return decide(map, geom, cfg, CpuIsa.AUTO);
    }

    /**
     * {@link #decide(float[], GazeGeometry, GazeConfig)} on a given CPU variant.
     *
     * @throws GogException also (UNSUPPORTED) if this machine cannot run {@code isa}
     */
    public static GazeDecision decide(float[] map, GazeGeometry geom, GazeConfig cfg, CpuIsa isa) {
        return decide(map, geom, cfg, isa, Float.NaN, Float.NaN);
    }

    private static GazeDecision decide(float[] map, GazeGeometry geom, GazeConfig cfg, CpuIsa isa, float maxCos,
                                       float meanCos) {
        Objects.requireNonNull(map, "map");
        Objects.requireNonNull(geom, "geom");
        Objects.requireNonNull(cfg, "cfg");
        Objects.requireNonNull(isa, "isa");
        if (geom.rows() > 0 && geom.cols() > 0 && (long) geom.rows() * geom.cols() != map.length) {
            throw new GogException(GogErrorCode.INVALID_ARGUMENT, "Scorer.decide", "map of " + map.length
                    + " values for a " + geom.rows() + " x " + geom.cols() + " grid");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(Math.max(4L, (long) map.length * 4), 64);
            MemorySegment.copy(map, 0, m, JAVA_FLOAT, 0, map.length);
            MemorySegment g = geometry(arena, geom);
            MemorySegment c = config(arena, cfg);
            int cap = cfg.maxBoxes();
            MemorySegment boxes = arena.allocate(GazeNative.BOX.byteSize() * cap, 8);
            MemorySegment st = arena.allocate(GazeNative.STATS);
            GazeNative.decide(m, g, c, isa.code(), boxes, cap, st);
            int n = st.get(JAVA_INT, GazeNative.ST_N_BOXES);
            List<ScoredBox> out = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                MemorySegment b = boxes.asSlice(GazeNative.BOX.byteSize() * k, GazeNative.BOX.byteSize());
                out.add(new ScoredBox(new Box(b.get(JAVA_FLOAT, GazeNative.BOX_X1), b.get(JAVA_FLOAT, GazeNative.BOX_Y1),
                        b.get(JAVA_FLOAT, GazeNative.BOX_X2), b.get(JAVA_FLOAT, GazeNative.BOX_Y2)),
                        b.get(JAVA_FLOAT, GazeNative.BOX_SCORE), b.get(JAVA_INT, GazeNative.BOX_CELL_X1),
                        b.get(JAVA_INT, GazeNative.BOX_CELL_Y1), b.get(JAVA_INT, GazeNative.BOX_CELL_X2),
                        b.get(JAVA_INT, GazeNative.BOX_CELL_Y2)));
            }
            GazeStats stats = new GazeStats(st.get(JAVA_FLOAT, GazeNative.ST_PEAK_TO_MEAN),
                    st.get(JAVA_FLOAT, GazeNative.ST_ENTROPY), st.get(JAVA_FLOAT, GazeNative.ST_BEST_COVER),
                    st.get(JAVA_FLOAT, GazeNative.ST_THRESHOLD), maxCos, meanCos,
                    st.get(JAVA_INT, GazeNative.ST_COMPONENTS), st.get(JAVA_INT, GazeNative.ST_CANDIDATES));
            GazeDecision.Kind kind = st.get(JAVA_INT, GazeNative.ST_DECISION) == GazeNative.GAZE
                    ? GazeDecision.Kind.GAZE : GazeDecision.Kind.GLANCE;
            if (LOG.isDebugEnabled()) {
                LOG.debug("gaze {} on {}x{}: peak/mean {} entropy {} cover {} boxes {}", kind, geom.rows(), geom.cols(),
                        stats.peakToMean(), stats.entropy(), stats.bestCover(), n);
            }
            return new GazeDecision(kind, stats, out);
        }
    }

    private static void checkDense(long values, int dim, int rows, int cols) {
        if (rows < 1 || cols < 1 || dim < 1) {
            throw new GogException(GogErrorCode.INVALID_ARGUMENT, "Scorer.relevance",
                    "empty grid " + rows + " x " + cols + " or text embedding of " + dim + " values");
        }
        if (values < (long) rows * cols * dim) {
            throw new GogException(GogErrorCode.INVALID_ARGUMENT, "Scorer.relevance", "dense holds " + values
                    + " values, a " + rows + " x " + cols + " grid of dim " + dim + " needs " + (long) rows * cols * dim);
        }
    }

    /** A native {@code gog_gaze_config} holding {@code cfg}; lives as long as {@code arena}. */
    static MemorySegment config(Arena arena, GazeConfig cfg) {
        MemorySegment c = arena.allocate(GazeNative.CONFIG);
        c.set(JAVA_FLOAT, GazeNative.CFG_TEMPERATURE, cfg.temperature());
        c.set(JAVA_INT, GazeNative.CFG_SMOOTH, cfg.smooth() ? 1 : 0);
        c.set(JAVA_FLOAT, GazeNative.CFG_RING, cfg.ring());
        c.set(JAVA_FLOAT, GazeNative.CFG_AREA_PRIOR, cfg.areaPrior());
        c.set(JAVA_FLOAT, GazeNative.CFG_MAX_ASPECT, cfg.maxAspect());
        c.set(JAVA_FLOAT, GazeNative.CFG_CC_K, cfg.ccK());
        c.set(JAVA_FLOAT, GazeNative.CFG_NMS_IOU, cfg.nmsIou());
        c.set(JAVA_INT, GazeNative.CFG_MAX_BOXES, cfg.maxBoxes());
        c.set(JAVA_FLOAT, GazeNative.CFG_MARGIN, cfg.margin());
        c.set(JAVA_FLOAT, GazeNative.CFG_MIN_SIDE, cfg.minSide());
        c.set(JAVA_FLOAT, GazeNative.CFG_MIN_PEAK_TO_MEAN, cfg.minPeakToMean());
        c.set(JAVA_FLOAT, GazeNative.CFG_MAX_ENTROPY, cfg.maxEntropy());
        c.set(JAVA_FLOAT, GazeNative.CFG_MAX_COVER, cfg.maxCover());
        return c;
    }

    /** A native {@code gog_gaze_geometry} holding {@code g}; lives as long as {@code arena}. */
    static MemorySegment geometry(Arena arena, GazeGeometry g) {
        MemorySegment s = arena.allocate(GazeNative.GEOMETRY);
        s.set(JAVA_INT, GazeNative.GEO_ROWS, g.rows());
        s.set(JAVA_INT, GazeNative.GEO_COLS, g.cols());
        s.set(JAVA_FLOAT, GazeNative.GEO_INPUT_W, g.inputW());
        s.set(JAVA_FLOAT, GazeNative.GEO_INPUT_H, g.inputH());
        s.set(JAVA_FLOAT, GazeNative.GEO_CONTENT_X, g.contentX());
        s.set(JAVA_FLOAT, GazeNative.GEO_CONTENT_Y, g.contentY());
        s.set(JAVA_FLOAT, GazeNative.GEO_CONTENT_W, g.contentW());
        s.set(JAVA_FLOAT, GazeNative.GEO_CONTENT_H, g.contentH());
        s.set(JAVA_FLOAT, GazeNative.GEO_SRC_X1, g.srcX1());
        s.set(JAVA_FLOAT, GazeNative.GEO_SRC_Y1, g.srcY1());
        s.set(JAVA_FLOAT, GazeNative.GEO_SRC_X2, g.srcX2());
        s.set(JAVA_FLOAT, GazeNative.GEO_SRC_Y2, g.srcY2());
        s.set(JAVA_FLOAT, GazeNative.GEO_IMAGE_W, g.imageW());
        s.set(JAVA_FLOAT, GazeNative.GEO_IMAGE_H, g.imageH());
        return s;
    }
}
