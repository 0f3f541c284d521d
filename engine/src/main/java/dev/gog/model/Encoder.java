package dev.gog.model;

import dev.gog.bindings.CpuIsa;
import dev.gog.bindings.CudaNative;
import dev.gog.bindings.EncoderNative;
import dev.gog.bindings.GogErrorCode;
import dev.gog.bindings.GogException;
import dev.gog.image.Image;
import dev.gog.preprocess.PreprocessSpec;
import dev.gog.preprocess.Preprocessor;
import dev.gog.tensor.DType;
import dev.gog.tensor.Tensor;
import dev.gog.text.Tokenizer;
import dev.gog.text.Tokenizers;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CLIP or SigLIP encoder running on libgog's CPU kernels or on a CUDA device
 * ({@link Backend}): pixels to L2-normalised image
 * embeddings and dense patch features, token ids to L2-normalised text embeddings, all in one
 * joint space of {@link #embedDim()} values. The forward, the dense-feature recipe (MaskCLIP for
 * CLIP, the attention-pooling head's analogue for SigLIP) and the tensor-name table are
 * documented in {@code kernels/include/gog/gog_encoder.h}; the config keys in
 * {@link EncoderConfig}.
 *
 * <p>Loading maps the safetensors files, validates them ({@link SafeTensors}), checks every
 * tensor against the config and packs the linear layers for the chosen precision and CPU
 * variant. Token and position tables are read in place from the mapping, which the encoder keeps
 * open until {@link #close()}. On the {@link Backend#CUDA} backend the same config and tensors
 * are handed to libgog_cuda, which copies every weight to the device; the mapping is then closed
 * at once and nothing is packed on the host. Inputs are validated identically and outputs have
 * the same shapes (host tensors) on both backends. On CUDA, {@link #encodeImages} also takes
 * device pixels and {@link #encodeImagesOnDevice} leaves the outputs on the device;
 * {@link #reserve} sizes the device workspace once and {@link Options#cudaGraphs()} replays
 * repeated image forwards as CUDA graphs ({@link #graphInfo()}).
 *
 * <p>Thread safety: every method may be called from any thread; calls run one at a time inside
 * the native encoder (on the CPU it uses its own pool of {@link Options#threads()} threads for
 * each call; on CUDA each encoder has its own stream and every call returns with its work done).
 * {@link #close()} waits for running calls; any call after it throws
 * {@link IllegalStateException}. Results are owned by the caller.
 */
public final class Encoder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Encoder.class);

    /**
     * How to run the encoder.
     *
     * @param precision matrix-product precision (both backends: fp32, or bf16 linear layers with
     *     fp32 accumulation)
     * @param threads threads per call, counting the caller (0: one per available processor; CPU
     *     backend only)
     * @param isa CPU kernel variant ({@link CpuIsa#AUTO}: the best this machine runs; CPU backend
     *     only, and a pinned variant makes {@link Backend#AUTO} choose the CPU)
     * @param backend where to run ({@link Backend#AUTO}: CUDA when usable, else the CPU)
     * @param cudaDevice the CUDA device ordinal, 0..1023 (CUDA backend only)
     * @param cudaGraphs whether the CUDA encoder replays repeated image forwards as CUDA graphs
     *     ({@code gog_cuda_encoder_set_graphs}; bit-identical results, less launch overhead;
     *     CUDA backend only; default true)
     */
    public record Options(Precision precision, int threads, CpuIsa isa, Backend backend, int cudaDevice,
                          boolean cudaGraphs) {
        /**
         * Validates.
         *
         * @throws NullPointerException if an enum is null
         * @throws IllegalArgumentException if {@code threads} or {@code cudaDevice} is out of range
         */
        public Options {
            Objects.requireNonNull(precision, "precision");
            Objects.requireNonNull(isa, "isa");
            Objects.requireNonNull(backend, "backend");
            if (threads < 0 || threads > 256) throw new IllegalArgumentException("threads must be in [0, 256], got " + threads);
            if (cudaDevice < 0 || cudaDevice > 1023) {
                throw new IllegalArgumentException("cudaDevice must be in [0, 1023], got " + cudaDevice);
            }
        }

        /**
         * Options with CUDA graphs enabled.
         *
         * @throws NullPointerException if an enum is null
         * @throws IllegalArgumentException if {@code threads} or {@code cudaDevice} is out of range
         */
        public Options(Precision precision, int threads, CpuIsa isa, Backend backend, int cudaDevice) {
            this(precision, threads, isa, backend, cudaDevice, true);
        }

        /**
         * Options with the {@link Backend#CPU} backend (CUDA device 0 and graphs for when
         * {@link #withBackend} picks CUDA or AUTO). The CPU is the default until the CUDA path has
         * run on a GPU: it has only been compiled and its tests skip without a device.
         *
         * @throws NullPointerException if an enum is null
         * @throws IllegalArgumentException if {@code threads} is out of range
         */
        public Options(Precision precision, int threads, CpuIsa isa) {
            this(precision, threads, isa, Backend.CPU, 0, true);
        }

        /** fp32, all processors, the best kernel variant, the {@link Backend#CPU} backend. */
        public static Options defaults() {
            return new Options(Precision.F32, 0, CpuIsa.AUTO);
        }

        /** These options with another precision. */
        public Options withPrecision(Precision p) {
            return new Options(p, threads, isa, backend, cudaDevice, cudaGraphs);
        }

        /** These options with another thread count. */
        public Options withThreads(int n) {
            return new Options(precision, n, isa, backend, cudaDevice, cudaGraphs);
        }

        /** These options with another kernel variant. */
        public Options withIsa(CpuIsa i) {
            return new Options(precision, threads, i, backend, cudaDevice, cudaGraphs);
        }

        /** These options with another backend. */
        public Options withBackend(Backend b) {
            return new Options(precision, threads, isa, b, cudaDevice, cudaGraphs);
        }

        /**
         * These options with another CUDA device ordinal.
         *
         * @throws IllegalArgumentException if it is outside 0..1023
         */
        public Options withCudaDevice(int ordinal) {
            return new Options(precision, threads, isa, backend, ordinal, cudaGraphs);
        }

        /** These options with CUDA graphs on or off. */
        public Options withCudaGraphs(boolean enabled) {
            return new Options(precision, threads, isa, backend, cudaDevice, enabled);
        }
    }

    /**
     * CUDA-graph figures of a CUDA encoder ({@link #graphInfo()}).
     *
     * @param graphs instantiated graphs held now
     * @param replays image forwards so far that replayed an existing graph
     * @param lastFailure the reason of the last graph failure, or why graphs are unavailable or
     *     off ("" when none)
     */
    public record GraphInfo(int graphs, long replays, String lastFailure) {}

    private final Path dir;
    private final EncoderConfig config;
    private final Options options;
    private final PreprocessSpec spec;
    private final Checkpoint checkpoint; // null on CUDA (closed once the weights are on the device)
    private final Backend backend; // CPU or CUDA
    private final MemorySegment handle; // gog_encoder* or gog_cuda_encoder*
    private final long packedBytes;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private volatile String deviceFault; // the GOG_ERR_CUDA that made a CUDA encoder unusable
    private volatile Tokenizer tokenizer;

    private Encoder(Path dir, EncoderConfig config, Options options, PreprocessSpec spec, Checkpoint checkpoint,
                    Backend backend, MemorySegment handle) {
        this.dir = dir;
        this.config = config;
        this.options = options;
        this.spec = spec;
        this.checkpoint = checkpoint;
        this.backend = backend;
        this.handle = handle;
        this.packedBytes = backend == Backend.CPU ? EncoderNative.packedBytes(handle) : 0;
    }

    /**
     * Loads with {@link Options#defaults()}.
     *
     * @see #load(Path, Options)
     */
    public static Encoder load(Path dir) {
        return load(dir, Options.defaults());
    }

    /**
     * Loads a model directory in the Hugging Face layout ({@code config.json},
     * {@code preprocessor_config.json} (optional: defaults per family), {@code model.safetensors}
     * or a sharded set).
     *
     * <p>{@link Backend#AUTO} tries CUDA as {@link Backend#AUTO} says and otherwise loads on the
     * CPU, logging why at INFO ({@code auto: no CUDA device (libgog_cuda: <reason>); using the
     * CPU backend}); if CUDA is usable but creating the encoder there fails, the failure is
     * logged at WARN (DEBUG for a model the CUDA encoder rejects, which the CPU encoder then
     * reports) and the CPU is used.
     *
     * @param dir the model directory
     * @param options precision, threads, kernel variant, backend
     * @return the encoder; the caller owns it and must close it
     * @throws dev.gog.preprocess.ModelConfigException if a config file is missing or invalid
     * @throws CheckpointException if the weights are malformed
     * @throws dev.gog.bindings.GogException (code MODEL) if a tensor is missing or does not fit
     *     the config, (UNSUPPORTED) if the kernel variant cannot run here or, on CUDA, libcublas
     *     is missing, (OUT_OF_MEMORY); with {@link Backend#CUDA}: (NO_DEVICE) without libgog_cuda, a
     *     driver or a device, the message naming the reason, (INVALID_ARGUMENT) for a device
     *     ordinal that does not exist, (CUDA) for a failure on the device
     */
    public static Encoder load(Path dir, Options options) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(options, "options");
        long t0 = System.nanoTime();
        EncoderConfig cfg = EncoderConfig.load(dir);
        PreprocessSpec spec = Files.isRegularFile(dir.resolve(PreprocessSpec.PREPROCESSOR_CONFIG))
                ? PreprocessSpec.fromPreprocessorConfig(dir)
                : (cfg.family() == EncoderConfig.Family.CLIP
                        ? PreprocessSpec.clip(cfg.vision().imageSize())
                        : PreprocessSpec.siglip(cfg.vision().imageSize()));
        Checkpoint ckpt = Checkpoint.open(dir);
        Backend want = options.backend();
        String cpuReason = want == Backend.AUTO ? autoCpuReason(options) : null;
        Backend used = Backend.CPU;
        MemorySegment handle = MemorySegment.NULL;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeCfg = nativeConfig(arena, cfg, options);
            List<String> names = ckpt.names();
            MemorySegment descs = arena.allocate(EncoderNative.TENSOR_DESC, Math.max(1, names.size()));
            for (int i = 0; i < names.size(); i++) {
                describe(arena, ckpt, names.get(i), descs.asSlice(i * EncoderNative.TENSOR_DESC.byteSize(),
                        EncoderNative.TENSOR_DESC.byteSize()));
            }
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            if (want == Backend.CUDA || (want == Backend.AUTO && cpuReason == null)) {
                try {
                    CudaNative.encoderCreate(options.cudaDevice(), nativeCfg, descs, names.size(), out);
                    MemorySegment created = out.get(ValueLayout.ADDRESS, 0);
                    if (options.cudaGraphs()) {
                        try {
                            CudaNative.encoderSetGraphs(created, true);
                        } catch (RuntimeException | Error e) {
                            CudaNative.encoderDestroy(created);
                            throw e;
                        }
                    }
                    handle = created;
                    used = Backend.CUDA;
                } catch (GogException e) {
                    if (want == Backend.CUDA) throw e;
                    if (e.code() == GogErrorCode.MODEL) {
                        // a bad checkpoint: the CPU encoder below reports it as it always has
                        LOG.debug("auto: the CUDA encoder rejected the model ({}); trying the CPU backend", e.getMessage());
                    } else {
                        LOG.warn("auto: creating the CUDA encoder on device {} failed ({}); using the CPU backend",
                                options.cudaDevice(), e.getMessage());
                    }
                }
            } else if (want == Backend.AUTO) {
                LOG.info("auto: {}; using the CPU backend", cpuReason);
            }
            if (used == Backend.CPU) {
                EncoderNative.create(nativeCfg, descs, names.size(), out);
                handle = out.get(ValueLayout.ADDRESS, 0);
            }
        } catch (RuntimeException | Error e) {
            ckpt.close();
            throw e;
        }
        Encoder enc;
        try {
            if (used == Backend.CUDA) ckpt.close(); // the weights are on the device now
            enc = new Encoder(dir, cfg, options, spec, used == Backend.CUDA ? null : ckpt, used, handle);
        } catch (RuntimeException | Error e) {
            if (used == Backend.CUDA) {
                CudaNative.encoderDestroy(handle);
            } else {
                EncoderNative.destroy(handle);
                ckpt.close();
            }
            throw e;
        }
        LOG.info("Loaded {} encoder from {} in {} ms on {}: vision {}x{}, text {}x{}, E={}, {}, packed {} MiB",
                cfg.family(), dir, (System.nanoTime() - t0) / 1_000_000,
                used == Backend.CUDA ? "CUDA device " + options.cudaDevice() : "the CPU", cfg.vision().layers(),
                cfg.vision().hidden(), cfg.text().layers(), cfg.text().hidden(), cfg.embedDim(), options.precision(),
                enc.packedBytes >> 20);
        return enc;
    }

    /**
     * Why {@link Backend#AUTO} must use the CPU with these options, or {@code null} when CUDA is
     * worth trying (libgog_cuda sees the device and no CPU kernel variant is pinned). Never
     * throws.
     */
    static String autoCpuReason(Options options) {
        if (options.isa() != CpuIsa.AUTO) return "the CPU kernel variant " + options.isa() + " was chosen";
        String why = CudaNative.unavailableReason(options.cudaDevice());
        if (why == null) return null;
        // libgog_cuda's messages start with "no CUDA device"; keep only what follows
        String rest = why.startsWith("no CUDA device") ? why.substring("no CUDA device".length()).strip() : why;
        if (rest.startsWith(":")) rest = rest.substring(1).strip();
        if (rest.startsWith("(") && rest.endsWith(")")) rest = rest.substring(1, rest.length() - 1);
        return "no CUDA device (libgog_cuda: " + (rest.isEmpty() ? "no device" : rest) + ")";
    }

    private static MemorySegment nativeConfig(Arena arena, EncoderConfig cfg, Options o) {
        MemorySegment c = arena.allocate(EncoderNative.ENCODER_CONFIG);
        c.set(ValueLayout.JAVA_INT, EncoderNative.CFG_FAMILY,
                cfg.family() == EncoderConfig.Family.CLIP ? EncoderNative.FAMILY_CLIP : EncoderNative.FAMILY_SIGLIP);
        c.set(ValueLayout.JAVA_INT, EncoderNative.CFG_EMBED_DIM, cfg.embedDim());
        tower(c.asSlice(EncoderNative.CFG_VISION, EncoderNative.TOWER_CONFIG.byteSize()), cfg.vision());
        tower(c.asSlice(EncoderNative.CFG_TEXT, EncoderNative.TOWER_CONFIG.byteSize()), cfg.text());
        c.set(ValueLayout.JAVA_INT, EncoderNative.CFG_COMPUTE,
                o.precision() == Precision.BF16 ? EncoderNative.COMPUTE_BF16 : EncoderNative.COMPUTE_F32);
        c.set(ValueLayout.JAVA_INT, EncoderNative.CFG_THREADS,
                o.threads() == 0 ? Runtime.getRuntime().availableProcessors() : o.threads());
        c.set(ValueLayout.JAVA_INT, EncoderNative.CFG_ISA, o.isa().code());
        return c;
    }

    private static void tower(MemorySegment t, EncoderConfig.Tower c) {
        t.set(ValueLayout.JAVA_INT, EncoderNative.TOWER_HIDDEN, c.hidden());
        t.set(ValueLayout.JAVA_INT, EncoderNative.TOWER_HEADS, c.heads());
        t.set(ValueLayout.JAVA_INT, EncoderNative.TOWER_LAYERS, c.layers());
        t.set(ValueLayout.JAVA_INT, EncoderNative.TOWER_INTERMEDIATE, c.intermediate());
        t.set(ValueLayout.JAVA_INT, EncoderNative.TOWER_ACT, switch (c.act()) {
            case QUICK_GELU -> EncoderNative.ACT_QUICK_GELU;
            case GELU_TANH -> EncoderNative.ACT_GELU_TANH;
            case GELU -> EncoderNative.ACT_GELU;
        });
        t.set(ValueLayout.JAVA_FLOAT, EncoderNative.TOWER_EPS, (float) c.eps());
        t.set(ValueLayout.JAVA_INT, EncoderNative.TOWER_IMAGE_SIZE, c.imageSize());
        t.set(ValueLayout.JAVA_INT, EncoderNative.TOWER_PATCH_SIZE, c.patchSize());
        t.set(ValueLayout.JAVA_INT, EncoderNative.TOWER_CHANNELS, c.channels());
        t.set(ValueLayout.JAVA_INT, EncoderNative.TOWER_VOCAB_SIZE, c.vocabSize());
        t.set(ValueLayout.JAVA_INT, EncoderNative.TOWER_MAX_POSITIONS, c.maxPositions());
        t.set(ValueLayout.JAVA_INT, EncoderNative.TOWER_EOS_TOKEN_ID, c.eosTokenId());
    }

    private static void describe(Arena arena, Checkpoint ckpt, String name, MemorySegment d) {
        SafeTensors.Entry e = ckpt.entry(name);
        d.set(ValueLayout.ADDRESS, EncoderNative.DESC_NAME, arena.allocateFrom(name));
        long[] shape = e.shape();
        boolean usable = e.type().isEncoderWeight() && shape.length <= 4;
        d.set(ValueLayout.JAVA_INT, EncoderNative.DESC_DTYPE, !usable ? 255 : switch (e.type()) {
            case F32 -> EncoderNative.DTYPE_F32;
            case F16 -> EncoderNative.DTYPE_F16;
            default -> EncoderNative.DTYPE_BF16;
        });
        d.set(ValueLayout.JAVA_INT, EncoderNative.DESC_NDIM, usable ? shape.length : 0);
        for (int i = 0; usable && i < shape.length; i++) {
            d.set(ValueLayout.JAVA_LONG, EncoderNative.DESC_SHAPE + 8L * i, shape[i]);
        }
        MemorySegment data = ckpt.data(name);
        d.set(ValueLayout.ADDRESS, EncoderNative.DESC_DATA, data);
        d.set(ValueLayout.JAVA_LONG, EncoderNative.DESC_NBYTES, data.byteSize());
    }

    /** The model directory. */
    public Path dir() {
        return dir;
    }

    /** The architecture. */
    public EncoderConfig config() {
        return config;
    }

    /** The options it runs with (as given: the backend may be {@link Backend#AUTO}). */
    public Options options() {
        return options;
    }

    /** The backend in use: {@link Backend#CPU} or {@link Backend#CUDA}, never {@link Backend#AUTO}. */
    public Backend backend() {
        return backend;
    }

    /** Size E of every embedding. */
    public int embedDim() {
        return config.embedDim();
    }

    /** The model's preprocessing ({@code preprocessor_config.json}, or the family default). */
    public PreprocessSpec preprocessSpec() {
        return spec;
    }

    /** Bytes of weights packed by the encoder on the host (beyond the mapped files); 0 on CUDA. */
    public long packedBytes() {
        return packedBytes;
    }

    /**
     * The patch grid of an input of {@code height x width} pixels.
     *
     * @return {rows, cols}
     * @throws dev.gog.bindings.GogException if a side is not a positive multiple of the patch size
     * @throws IllegalStateException if closed
     */
    public int[] grid(int height, int width) {
        lock.readLock().lock();
        try {
            ensureOpen();
            return gridOf(height, width);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The grid under the lock; on CUDA with gog_encoder_grid's checks and messages. */
    private int[] gridOf(int height, int width) {
        if (backend == Backend.CPU) return EncoderNative.grid(handle, height, width);
        int p = config.vision().patchSize();
        if (height < p || width < p || height % p != 0 || width % p != 0) {
            throw new GogException(GogErrorCode.INVALID_ARGUMENT, "gog_encoder_grid", "image " + width + "x" + height
                    + ": width and height must be positive multiples of the patch size " + p);
        }
        long n = (long) (height / p) * (width / p);
        if (n > MAX_PATCHES) {
            throw new GogException(GogErrorCode.LIMIT_EXCEEDED, "gog_encoder_grid", "image " + width + "x" + height
                    + ": " + n + " patches, more than " + MAX_PATCHES);
        }
        return new int[] {height / p, width / p};
    }

    /** GOG_ENCODER_MAX_TOKENS of kernels/src/encoder/weights.h. */
    private static final int MAX_PATCHES = 65536;

    /**
     * Encodes a batch of preprocessed images.
     *
     * <p>{@code pixels} may be a host tensor (both backends) or, on the {@link Backend#CUDA}
     * backend, a device tensor of the encoder's device ({@link Tensor#allocateCuda}): the forward
     * then reads the pixels in place ({@code gog_cuda_encoder_encode_image_device}) and only the
     * outputs are copied to the host, bit-identical to the host-pixel call.
     *
     * @param pixels F32 [batch, channels, height, width], normalised as {@link #preprocessSpec()}
     *     says; height and width are positive multiples of the patch size (other sizes than the
     *     trained one use bicubically resampled position embeddings)
     * @param dense whether to compute dense patch features
     * @return embeddings (and dense features) in host memory; the caller owns and closes them
     * @throws IllegalArgumentException if the tensor's dtype, rank or channels are wrong, or it
     *     is a device tensor and this encoder runs on the CPU or on another device
     * @throws dev.gog.bindings.GogException if the size is not a multiple of the patch size, or
     *     memory runs out
     * @throws IllegalStateException if this encoder or the tensor is closed
     */
    public ImageEmbeddings encodeImages(Tensor pixels, boolean dense) {
        long[] bhw = checkPixels(pixels);
        if (pixels.device() == dev.gog.tensor.Device.CUDA) {
            try (ImageEmbeddings onDevice = encodeImagesOnDevice(pixels, dense)) {
                return toHost(onDevice);
            }
        }
        long b = bhw[0], h = bhw[1], w = bhw[2];
        lock.readLock().lock();
        try {
            ensureUsable();
            int[] g = gridOf((int) h, (int) w);
            int e = config.embedDim();
            Tensor emb = Tensor.allocate(DType.F32, b, e);
            Tensor den = null;
            try {
                if (dense) den = Tensor.allocate(DType.F32, b, (long) g[0] * g[1], e);
                MemorySegment d = den == null ? MemorySegment.NULL : den.segment();
                if (backend == Backend.CUDA) {
                    try {
                        CudaNative.encoderEncodeImage(handle, pixels.segment(), (int) b, (int) h, (int) w, emb.segment(), d);
                    } catch (GogException ex) {
                        noteFault(ex);
                        throw ex;
                    }
                } else {
                    EncoderNative.encodeImage(handle, pixels.segment(), (int) b, (int) h, (int) w, emb.segment(), d);
                }
                return new ImageEmbeddings(emb, den, g[0], g[1]);
            } catch (RuntimeException | Error ex) {
                emb.close();
                if (den != null) den.close();
                throw ex;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Encodes a batch of preprocessed images on the CUDA device and leaves the outputs there:
     * the returned embeddings [batch, E] and dense features [batch, rows * cols, E] are device
     * tensors of the encoder's device ({@link Tensor#cudaDevice()} ==
     * {@link Options#cudaDevice()}), so that dense features can feed device-side work
     * ({@link dev.gog.gaze.Scorer#relevanceOnDevice}) without a copy. Host {@code pixels} are
     * uploaded first; device pixels (same device) are read in place. Results are bit-identical
     * to {@link #encodeImages(Tensor, boolean)}.
     *
     * @param pixels F32 [batch, channels, height, width], host or device memory of the encoder's
     *     device
     * @param dense whether to compute dense patch features
     * @return device tensors owned by the caller, who closes them (frees the device memory)
     * @throws IllegalArgumentException if the tensor's dtype, rank or channels are wrong, or it
     *     is a device tensor of another device
     * @throws IllegalStateException if this encoder runs on the CPU backend, or this encoder or
     *     the tensor is closed
     * @throws dev.gog.bindings.GogException if the size is not a multiple of the patch size, or
     *     device memory runs out, or the device fails ({@link GogErrorCode#CUDA}: the encoder then
     *     refuses further calls)
     */
    public ImageEmbeddings encodeImagesOnDevice(Tensor pixels, boolean dense) {
        long[] bhw = checkPixels(pixels);
        if (backend != Backend.CUDA) {
            throw new IllegalStateException("encodeImagesOnDevice needs the CUDA backend; encoder " + dir
                    + " runs on the CPU");
        }
        long b = bhw[0], h = bhw[1], w = bhw[2];
        int ordinal = options.cudaDevice();
        lock.readLock().lock();
        try {
            ensureUsable();
            int[] g = gridOf((int) h, (int) w);
            int e = config.embedDim();
            Tensor upload = null;
            Tensor emb = null;
            Tensor den = null;
            try {
                Tensor px = pixels;
                if (pixels.device() != dev.gog.tensor.Device.CUDA) {
                    upload = Tensor.allocateCuda(ordinal, DType.F32, b, config.vision().channels(), h, w);
                    upload.copyFrom(pixels);
                    px = upload;
                }
                emb = Tensor.allocateCuda(ordinal, DType.F32, b, e);
                if (dense) den = Tensor.allocateCuda(ordinal, DType.F32, b, (long) g[0] * g[1], e);
                encodeOnDevice(px, b, h, w, emb, den);
                return new ImageEmbeddings(emb, den, g[0], g[1]);
            } catch (RuntimeException | Error ex) {
                if (emb != null) emb.close();
                if (den != null) den.close();
                throw ex;
            } finally {
                if (upload != null) upload.close();
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * As {@link #encodeImagesOnDevice}, into device outputs the caller owns and may reuse: with
     * the same pixel and output buffers (same addresses) and shape, a repeated call replays the
     * CUDA graph captured for it ({@link Options#cudaGraphs()}), which fresh outputs per call
     * would prevent. {@code embeddings} and {@code dense} may be views
     * ({@link Tensor#narrow}) of larger buffers.
     *
     * @param pixels F32 [batch, channels, height, width] on the encoder's device
     * @param embeddings F32 [batch, E] on the encoder's device, written
     * @param dense F32 [batch, rows * cols, E] on the encoder's device, written; or null for none
     * @return {rows, cols}, the patch grid
     * @throws IllegalArgumentException if a tensor has the wrong dtype, shape or device (a host
     *     tensor included)
     * @throws IllegalStateException if this encoder runs on the CPU backend, or it or a tensor
     *     is closed
     * @throws dev.gog.bindings.GogException as {@link #encodeImagesOnDevice}
     */
    public int[] encodeImagesInto(Tensor pixels, Tensor embeddings, Tensor dense) {
        long[] bhw = checkPixels(pixels);
        Objects.requireNonNull(embeddings, "embeddings");
        if (backend != Backend.CUDA) {
            throw new IllegalStateException("encodeImagesInto needs the CUDA backend; encoder " + dir + " runs on the CPU");
        }
        if (pixels.device() != dev.gog.tensor.Device.CUDA) {
            throw new IllegalArgumentException("encodeImagesInto needs device pixels, got " + pixels);
        }
        long b = bhw[0], h = bhw[1], w = bhw[2];
        lock.readLock().lock();
        try {
            ensureUsable();
            int[] g = gridOf((int) h, (int) w);
            int e = config.embedDim();
            checkDeviceOutput(embeddings, "embeddings", b, e);
            if (dense != null) checkDeviceOutput(dense, "dense", b, (long) g[0] * g[1], e);
            encodeOnDevice(pixels, b, h, w, embeddings, dense);
            return g;
        } finally {
            lock.readLock().unlock();
        }
    }

    private void checkDeviceOutput(Tensor t, String what, long... shape) {
        if (t.dtype() != DType.F32 || !java.util.Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(what + " must be F32 " + java.util.Arrays.toString(shape) + ", got " + t);
        }
        if (t.device() != dev.gog.tensor.Device.CUDA || t.cudaDevice() != options.cudaDevice()) {
            throw new IllegalArgumentException(what + " must be on CUDA device " + options.cudaDevice() + ", got " + t);
        }
    }

    /** Checks the pixels' dtype, shape and device; returns {batch, height, width}. */
    private long[] checkPixels(Tensor pixels) {
        Objects.requireNonNull(pixels, "pixels");
        if (pixels.dtype() != DType.F32) throw new IllegalArgumentException("pixels must be F32, got " + pixels.dtype());
        if (pixels.rank() != 4 || pixels.dim(1) != config.vision().channels()) {
            throw new IllegalArgumentException("pixels must be [batch, " + config.vision().channels()
                    + ", height, width], got " + java.util.Arrays.toString(pixels.shape()));
        }
        long b = pixels.dim(0), h = pixels.dim(2), w = pixels.dim(3);
        if (b < 1 || b > 65536 || h > Integer.MAX_VALUE || w > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pixels shape " + java.util.Arrays.toString(pixels.shape()) + " out of range");
        }
        if (pixels.device() == dev.gog.tensor.Device.CUDA) {
            if (backend != Backend.CUDA) {
                throw new IllegalArgumentException("pixels are on CUDA device " + pixels.cudaDevice()
                        + " but encoder " + dir + " runs on the CPU: copy them to a host tensor");
            }
            if (pixels.cudaDevice() != options.cudaDevice()) {
                throw new IllegalArgumentException("pixels are on CUDA device " + pixels.cudaDevice()
                        + " but the encoder runs on CUDA device " + options.cudaDevice());
            }
        }
        return new long[] {b, h, w};
    }

    /** Host copies of device embeddings (the caller closes {@code onDevice}). */
    private static ImageEmbeddings toHost(ImageEmbeddings onDevice) {
        Tensor emb = Tensor.allocate(DType.F32, onDevice.embeddings().shape());
        Tensor den = null;
        try {
            onDevice.embeddings().copyToHost(emb);
            if (onDevice.dense() != null) {
                den = Tensor.allocate(DType.F32, onDevice.dense().shape());
                onDevice.dense().copyToHost(den);
            }
            return new ImageEmbeddings(emb, den, onDevice.rows(), onDevice.cols());
        } catch (RuntimeException | Error ex) {
            emb.close();
            if (den != null) den.close();
            throw ex;
        }
    }

    /**
     * Grows the CUDA encoder's device workspace and pinned staging once to the worst case of
     * image calls of up to {@code maxBatch} images of at most {@code maxHeight x maxWidth}
     * pixels (dense features included) and text calls of up to {@code maxTextBatch} sequences
     * of at most {@code maxTextLength} tokens ({@code gog_cuda_encoder_reserve}), so that later
     * calls within those shapes allocate nothing (and CUDA graphs are not dropped by a growth).
     * Memory only grows. {@code maxBatch == 0} (or {@code maxTextBatch == 0}) leaves that tower
     * out. A no-op on the CPU backend (which allocates per call).
     *
     * @throws IllegalArgumentException if a count is negative
     * @throws IllegalStateException if closed (or unusable after a device fault)
     * @throws dev.gog.bindings.GogException on CUDA: (INVALID_ARGUMENT) for a size that is not a
     *     valid image size for the patch grid or a text length outside [1,
     *     max_position_embeddings]; (LIMIT_EXCEEDED), (OUT_OF_MEMORY), (CUDA)
     */
    public void reserve(int maxBatch, int maxHeight, int maxWidth, int maxTextBatch, int maxTextLength) {
        if (maxBatch < 0 || maxHeight < 0 || maxWidth < 0 || maxTextBatch < 0 || maxTextLength < 0) {
            throw new IllegalArgumentException("reserve: negative argument (" + maxBatch + ", " + maxHeight + ", "
                    + maxWidth + ", " + maxTextBatch + ", " + maxTextLength + ")");
        }
        lock.readLock().lock();
        try {
            ensureUsable();
            if (backend != Backend.CUDA) return;
            try {
                CudaNative.encoderReserve(handle, maxBatch, maxHeight, maxWidth, maxTextBatch, maxTextLength);
            } catch (GogException ex) {
                noteFault(ex);
                throw ex;
            }
            LOG.debug("encoder {}: reserved {} images of {}x{}, {} texts of {} tokens", dir, maxBatch, maxWidth,
                    maxHeight, maxTextBatch, maxTextLength);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The CUDA encoder's graph figures ({@code gog_cuda_encoder_graph_info}). On the CPU
     * backend: no graphs, no replays and a reason saying so.
     *
     * @return a new record owned by the caller
     * @throws IllegalStateException if closed
     * @throws dev.gog.bindings.GogException if the native call fails
     */
    public GraphInfo graphInfo() {
        lock.readLock().lock();
        try {
            ensureOpen();
            if (backend != Backend.CUDA) return new GraphInfo(0, 0, "the CPU backend has no CUDA graphs");
            CudaNative.GraphInfo g = CudaNative.encoderGraphInfo(handle);
            String why = g.lastFailure();
            if (why.isEmpty() && !options.cudaGraphs()) why = "CUDA graphs are disabled (Options.cudaGraphs)";
            return new GraphInfo(g.graphs(), g.replays(), why);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Preprocesses one whole image with {@link #preprocessSpec()} and encodes it.
     *
     * @param image a decoded image (not closed)
     * @param dense whether to compute dense patch features
     * @return the embeddings of a batch of one; the caller owns them
     * @throws IllegalStateException if this encoder or the image is closed
     */
    public ImageEmbeddings encodeImage(Image image, boolean dense) {
        Objects.requireNonNull(image, "image");
        PreprocessSpec f32 = spec.dtype() == DType.F32 ? spec : spec.withDtype(DType.F32);
        try (Preprocessor pp = new Preprocessor(f32, 1); Tensor px = pp.whole(image)) {
            return encodeImages(px, dense);
        }
    }

    /**
     * Encodes token sequences.
     *
     * @param ids [batch, length] row-major ids, each in [0, vocab_size); CLIP rows hold an
     *     end-of-text id (pooled at the first), SigLIP rows are padded to 64
     * @param batch rows
     * @param length ids per row, 1..max_position_embeddings
     * @return [batch, E] L2-normalised embeddings; the caller owns the tensor
     * @throws IllegalArgumentException if {@code ids.length != batch * length}
     * @throws dev.gog.bindings.GogException if an id or the length is out of range
     * @throws IllegalStateException if closed
     */
    public Tensor encodeTokens(int[] ids, int batch, int length) {
        Objects.requireNonNull(ids, "ids");
        if (batch < 1 || length < 1 || (long) batch * length != ids.length) {
            throw new IllegalArgumentException("ids holds " + ids.length + " values, not batch " + batch + " x length " + length);
        }
        lock.readLock().lock();
        try {
            ensureUsable();
            Tensor emb = Tensor.allocate(DType.F32, batch, config.embedDim());
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocateFrom(ValueLayout.JAVA_INT, ids);
                if (backend == Backend.CUDA) {
                    try {
                        CudaNative.encoderEncodeText(handle, seg, batch, length, emb.segment());
                    } catch (GogException ex) {
                        noteFault(ex);
                        throw ex;
                    }
                } else {
                    EncoderNative.encodeText(handle, seg, batch, length, emb.segment());
                }
                return emb;
            } catch (RuntimeException | Error ex) {
                emb.close();
                throw ex;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The model's tokenizer, loaded from the model directory on first use ({@code tokenizer.json},
     * {@code vocab.json} + {@code merges.txt}, or {@code spiece.model}).
     *
     * @return the tokenizer (immutable, thread-safe)
     * @throws dev.gog.text.TokenizerException if the directory has no usable tokenizer files
     * @throws IllegalStateException if closed
     */
    public Tokenizer tokenizer() {
        Tokenizer t = tokenizer;
        if (t == null) {
            synchronized (this) {
                ensureOpen();
                t = tokenizer;
                if (t == null) {
                    t = Tokenizers.load(dir, config.text().maxPositions());
                    tokenizer = t;
                }
            }
        }
        return t;
    }

    /**
     * Tokenizes and encodes texts (CLIP: padded to the longest; SigLIP: to 64 tokens).
     *
     * @param texts one or more texts
     * @return [texts.size(), E] L2-normalised embeddings; the caller owns the tensor
     * @throws IllegalArgumentException if {@code texts} is empty
     * @throws dev.gog.text.TokenizerException if the model has no usable tokenizer
     * @throws IllegalStateException if closed
     */
    public Tensor encodeTexts(List<String> texts) {
        Objects.requireNonNull(texts, "texts");
        if (texts.isEmpty()) throw new IllegalArgumentException("no texts");
        Tokenizer.Batch b = tokenizer().encodeBatch(texts);
        return encodeTokens(b.ids(), b.rows(), b.columns());
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("encoder " + dir + " is closed");
    }

    /** {@link #ensureOpen()}, and no earlier fault on the CUDA device. */
    private void ensureUsable() {
        ensureOpen();
        String fault = deviceFault;
        if (fault != null) {
            throw new IllegalStateException("encoder " + dir + " is unusable after a failure on the CUDA device ("
                    + fault + "); close it and load it again");
        }
    }

    /** After GOG_ERR_CUDA the device context may be unusable (gog_cuda.h): refuse further calls. */
    /** The device-resident image forward between device tensors ({@code dense} may be null); a device fault is noted. */
    private void encodeOnDevice(Tensor pixels, long b, long h, long w, Tensor embeddings, Tensor dense) {
        MemorySegment d = dense == null ? MemorySegment.NULL : MemorySegment.ofAddress(dense.deviceAddress());
        try {
            CudaNative.encoderEncodeImageDevice(handle, MemorySegment.ofAddress(pixels.deviceAddress()), (int) b, (int) h,
                    (int) w, MemorySegment.ofAddress(embeddings.deviceAddress()), d);
        } catch (GogException ex) {
            noteFault(ex);
            throw ex;
        }
    }

    private void noteFault(GogException e) {
        if (e.code() == GogErrorCode.CUDA) {
            deviceFault = e.getMessage();
            LOG.error("CUDA encoder {} failed on the device; further calls are refused: {}", dir, e.getMessage());
        }
    }

    /** Frees the native encoder and unmaps the weights; waits for running calls. Idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) return;
            closed = true;
            if (backend == Backend.CUDA) {
                CudaNative.encoderDestroy(handle);
            } else {
                EncoderNative.destroy(handle);
                checkpoint.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "Encoder[" + config.family() + ", " + dir + ", E=" + config.embedDim() + ", " + options.precision() + ", "
                + backend + (backend == Backend.CUDA ? ":" + options.cudaDevice() + (options.cudaGraphs() ? ", graphs" : "") : "")
                + "]";
    }
}
