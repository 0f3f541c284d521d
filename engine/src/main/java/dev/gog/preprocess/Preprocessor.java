package dev.gog.preprocess;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gog.bindings.CpuIsa;
import dev.gog.bindings.CudaNative;
import dev.gog.bindings.GogException;
import dev.gog.bindings.GogNative;
import dev.gog.bindings.GogStructs;
import dev.gog.image.Box;
import dev.gog.image.DecodeOptions;
import dev.gog.image.Image;
import dev.gog.image.ImageInfo;
import dev.gog.tensor.DType;
import dev.gog.tensor.Device;
import dev.gog.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns images into model inputs with one fused native call per batch (crop, resize,
 * normalise, NCHW layout; {@code gog_preprocess_run}), following a {@link PreprocessSpec}.
 *
 * <p><b>Coordinates.</b> Boxes are in the original image's frame (EXIF-oriented, before DCT
 * scaling). For an image decoded at 1/s ({@link Image#scaleDenom()}), every source box is
 * divided by s before the resize, as Pillow's {@code draft()} + {@code resize(box=...)} does.
 *
 * <p><b>Outputs.</b> {@link #whole} and {@link #crops} produce {@code spec.dtype()}: F32/BF16
 * {@code [N, 3, S, S]} normalised, or U8 {@code [N, S, S, 3]}; the {@code rgb8} variants always
 * produce U8 {@code [N, S, S, 3]} before normalisation, and {@link #normalize} turns those into
 * the normalised form (bit-identical to the fused path). Each method comes in two forms: with an
 * {@link Arena}, the output lives in that arena (the arena owns it; closing the tensor only
 * marks it closed); without, the returned tensor owns its memory and frees it on
 * {@link Tensor#close()}.
 *
 * <p><b>Threads.</b> With {@code threads} &gt; 1 a batch is split into tiles (items x bands of
 * rows) and the tile ranges run on a fixed pool of platform threads (a long native call would
 * pin a virtual thread's carrier); the caller waits. Results are identical for any thread
 * count. If the output tensor (or the input of {@link #normalize}) is confined to the calling
 * thread, the call runs on the calling thread; pixels confined to the calling thread are read
 * by the workers through their address while the caller waits (so their owner cannot free them
 * meanwhile). With 1 thread (the default) everything runs on the calling thread.
 *
 * <p><b>Memory.</b> Every call checks that the image and the output are open and their memory
 * alive ({@link IllegalStateException} otherwise) and that the image's pixels are not confined
 * to another thread ({@link WrongThreadException}); an image pinned by a call
 * ({@link Image#pin()}) keeps its own pixels alive until the call returns. Memory the caller
 * owns ({@link Image#wrap}, arenas) must not be freed while a call that uses it runs.
 *
 * <p>A preprocessor is thread-safe. {@link #close()} stops its pool; any later call throws
 * {@link IllegalStateException}.
 */
public final class Preprocessor implements AutoCloseable {
    private final PreprocessSpec spec;
    private final int threads;
    private final CpuIsa isa;
    private final ExecutorService pool;
    private final Thread[] poolThreads;
    private volatile boolean closed;

    /** A preprocessor on the calling thread with the default CPU kernels. */
    public Preprocessor(PreprocessSpec spec) {
        this(spec, 1, CpuIsa.AUTO);
    }

    /**
     * A preprocessor with {@code threads} worker threads and the default CPU kernels.
     *
     * @throws IllegalArgumentException if {@code threads} is not in 1..256
     */
    public Preprocessor(PreprocessSpec spec, int threads) {
        this(spec, threads, CpuIsa.AUTO);
    }

    /**
     * A preprocessor with {@code threads} worker threads running the {@code isa} kernels.
     *
     * @throws IllegalArgumentException if {@code threads} is not in 1..256, or this machine
     *     cannot run {@code isa}
     * @throws UnsatisfiedLinkError if libgog cannot be loaded
     */
    public Preprocessor(PreprocessSpec spec, int threads, CpuIsa isa) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.isa = Objects.requireNonNull(isa, "isa");
        if (threads < 1 || threads > 256) throw new IllegalArgumentException("threads must be 1..256, got " + threads);
        if (!isa.supported()) throw new IllegalArgumentException("this CPU cannot run the " + isa + " kernels");
        this.threads = threads;
        if (threads > 1) {
            this.poolThreads = new Thread[threads];
            AtomicInteger n = new AtomicInteger();
            ThreadFactory tf = r -> {
                int i = n.getAndIncrement();
                Thread t = Thread.ofPlatform().name("gog-preprocess-" + i).daemon(true).unstarted(r);
                if (i < poolThreads.length) poolThreads[i] = t;
                return t;
            };
            this.pool = Executors.newFixedThreadPool(threads, tf);
            // Start every worker now so that the accessibility check below sees real threads.
            List<Future<?>> warm = new ArrayList<>();
            for (int i = 0; i < threads; i++) warm.add(pool.submit(() -> { }));
            for (Future<?> f : warm) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        } else {
            this.pool = null;
            this.poolThreads = new Thread[0];
        }
    }

    /** The spec this preprocessor follows. */
    public PreprocessSpec spec() {
        return spec;
    }

    /** Worker threads (1: the calling thread). */
    public int threads() {
        return threads;
    }

    /** The CPU kernel variant requested ({@link CpuIsa#AUTO}: the library's default). */
    public CpuIsa isa() {
        return isa;
    }

    // --- whole image -------------------------------------------------------------------------------

    /**
     * The whole image through the spec's recipe: {@code [1, 3, S, S]} (F32/BF16) or
     * {@code [1, S, S, 3]} (U8). The returned tensor owns its memory.
     *
     * @throws IllegalStateException if this preprocessor or the image is closed
     * @throws GogException if the native call fails
     */
    public Tensor whole(Image image) {
        return whole(image, null);
    }

    /**
     * As {@link #whole(Image)}, with the output allocated in {@code arena} (which owns it).
     *
     * @throws IllegalStateException if this preprocessor or the image is closed
     * @throws GogException if the native call fails
     */
    public Tensor whole(Image image, Arena arena) {
        return run(image, List.of(wholePlacement(image)), spec.dtype(), arena);
    }

    /**
     * The whole image as RGB8 {@code [1, S, S, 3]}, before normalisation; the tensor owns its memory.
     *
     * @throws IllegalStateException if this preprocessor or the image is closed
     * @throws GogException if the native call fails
     */
    public Tensor wholeRgb8(Image image) {
        return wholeRgb8(image, null);
    }

    /**
     * As {@link #wholeRgb8(Image)}, allocated in {@code arena}.
     *
     * @throws IllegalStateException if this preprocessor or the image is closed
     * @throws GogException if the native call fails
     */
    public Tensor wholeRgb8(Image image, Arena arena) {
        return run(image, List.of(wholePlacement(image)), DType.U8, arena);
    }

    /**
     * Where the whole image goes under the spec's recipe (original-image coordinates).
     *
     * @throws IllegalStateException if the image is closed
     */
    public Placement wholePlacement(Image image) {
        Objects.requireNonNull(image, "image");
        return spec.place(Box.of(image.originalWidth(), image.originalHeight()));
    }

    // --- crops ---------------------------------------------------------------------------------------

    /**
     * Each box resized to S x S, as one batch: {@code [N, 3, S, S]} (F32/BF16) or
     * {@code [N, S, S, 3]} (U8), item i from {@code boxes.get(i)}. A box crop is defined as
     * Pillow's {@code Image.resize((S, S), filter, box=(x1, y1, x2, y2))}: the whole box, squashed
     * to the square (the spec's recipe is for whole images and does not apply; a caller that wants
     * another aspect passes a square box). The tensor owns its memory. Gaze crops should come
     * from a full-resolution image.
     *
     * @throws IllegalArgumentException if {@code boxes} is empty or a box lies outside the image
     * @throws IllegalStateException if this preprocessor or the image is closed
     * @throws GogException if the native call fails
     */
    public Tensor crops(Image image, List<Box> boxes) {
        return crops(image, boxes, null);
    }

    /**
     * As {@link #crops(Image, List)}, allocated in {@code arena}.
     *
     * @throws IllegalArgumentException if {@code boxes} is empty or a box lies outside the image
     * @throws IllegalStateException if this preprocessor or the image is closed
     * @throws GogException if the native call fails
     */
    public Tensor crops(Image image, List<Box> boxes, Arena arena) {
        return run(image, placements(image, boxes), spec.dtype(), arena);
    }

    /**
     * The boxes as RGB8 {@code [N, S, S, 3]}, before normalisation; the tensor owns its memory.
     *
     * @throws IllegalArgumentException if {@code boxes} is empty or a box lies outside the image
     * @throws IllegalStateException if this preprocessor or the image is closed
     * @throws GogException if the native call fails
     */
    public Tensor cropsRgb8(Image image, List<Box> boxes) {
        return cropsRgb8(image, boxes, null);
    }

    /**
     * As {@link #cropsRgb8(Image, List)}, allocated in {@code arena}.
     *
     * @throws IllegalArgumentException if {@code boxes} is empty or a box lies outside the image
     * @throws IllegalStateException if this preprocessor or the image is closed
     * @throws GogException if the native call fails
     */
    public Tensor cropsRgb8(Image image, List<Box> boxes, Arena arena) {
        return run(image, placements(image, boxes), DType.U8, arena);
    }

    /**
     * Where each box goes: the whole box into the whole S x S frame.
     *
     * @throws IllegalArgumentException if {@code boxes} is empty or a box lies outside the image
     * @throws IllegalStateException if the image is closed
     */
    public List<Placement> placements(Image image, List<Box> boxes) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(boxes, "boxes");
        if (boxes.isEmpty()) throw new IllegalArgumentException("no boxes");
        int w = image.originalWidth();
        int h = image.originalHeight();
        List<Placement> out = new ArrayList<>(boxes.size());
        for (int i = 0; i < boxes.size(); i++) {
            Box b = Objects.requireNonNull(boxes.get(i), "box " + i);
            if (!b.within(w, h)) {
                throw new IllegalArgumentException("box " + i + " " + b + " lies outside the " + w + "x" + h + " image");
            }
            out.add(new Placement(b, 0, 0, spec.size(), spec.size()));
        }
        return out;
    }

    // --- glance: DCT-scaled decode -----------------------------------------------------------------

    /**
     * The glance input straight from encoded bytes, decoding no more pixels than the recipe
     * needs: probe the size W x H, decode with target {@link PreprocessSpec#resizeTarget} (the
     * JPEG decoder picks the DCT scale 1/s as Pillow's {@code draft()} does), then
     * {@link #whole(Image)} with the recipe's box computed on W x H and divided by s. The
     * tensor owns its memory.
     *
     * @throws GogException if the bytes cannot be decoded, or the native call fails
     * @throws IllegalStateException if this preprocessor is closed
     */
    public Tensor glance(byte[] encoded) {
        return glance(encoded, DecodeOptions.DEFAULTS, spec.dtype(), null);
    }

    /**
     * As {@link #glance(byte[])} with decode options, output type and arena ({@code null}: the
     * tensor owns its memory). The target of {@code options} is replaced by the recipe's.
     *
     * @throws GogException if the bytes cannot be decoded, or the native call fails
     * @throws IllegalStateException if this preprocessor is closed
     */
    public Tensor glance(byte[] encoded, DecodeOptions options, DType dtype, Arena arena) {
        checkOpen();
        try (Image image = glanceImage(encoded, options)) {
            return run(image, List.of(wholePlacement(image)), dtype, arena);
        }
    }

    /**
     * The DCT-scaled decode a {@link #glance} uses, for callers that want the image itself
     * ({@link Image#scaleDenom()} tells the scale); the image owns its pixels.
     *
     * @throws GogException if the bytes cannot be decoded
     */
    public Image glanceImage(byte[] encoded, DecodeOptions options) {
        Objects.requireNonNull(encoded, "encoded");
        Objects.requireNonNull(options, "options");
        try (Arena scratch = Arena.ofConfined()) {
            // One native copy of the bytes serves the probe and the decode.
            MemorySegment data = scratch.allocateFrom(JAVA_BYTE, encoded);
            ImageInfo info = Image.probe(data, options.withTarget(0, 0));
            PreprocessSpec.Size t = spec.resizeTarget(info.width(), info.height());
            return Image.decode(data, options.withTarget(t.width(), t.height()));
        }
    }

    /**
     * As {@link #glanceImage(byte[], DecodeOptions)}, from a file (memory-mapped, not copied);
     * the image owns its pixels.
     *
     * @throws IOException if the file cannot be opened or mapped
     * @throws GogException if the file cannot be decoded
     */
    public Image glanceImage(Path file, DecodeOptions options) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        ImageInfo info = Image.probe(file, options.withTarget(0, 0));
        PreprocessSpec.Size t = spec.resizeTarget(info.width(), info.height());
        return Image.read(file, options.withTarget(t.width(), t.height()));
    }

    // --- normalize -------------------------------------------------------------------------------------

    /**
     * Normalises RGB8 {@code [N, H, W, 3]} into {@code [N, 3, H, W]} of the spec's dtype (F32
     * when the spec says U8), bit-identical to the fused path. The tensor owns its memory.
     *
     * @throws IllegalArgumentException if {@code u8} is not a U8 tensor of shape [N, H, W, 3]
     * @throws IllegalStateException if this preprocessor or the tensor is closed
     * @throws GogException if the native call fails
     */
    public Tensor normalize(Tensor u8) {
        return normalize(u8, null);
    }

    /**
     * As {@link #normalize(Tensor)}, allocated in {@code arena}.
     *
     * @throws IllegalArgumentException if {@code u8} is not a U8 tensor of shape [N, H, W, 3]
     * @throws IllegalStateException if this preprocessor or the tensor is closed
     * @throws GogException if the native call fails
     */
    public Tensor normalize(Tensor u8, Arena arena) {
        checkOpen();
        Objects.requireNonNull(u8, "u8");
        if (u8.dtype() != DType.U8) {
            throw new IllegalArgumentException("normalize needs a U8 [N, H, W, 3] tensor, got " + u8.dtype());
        }
        long[] s = u8.shape();
        if (s.length != 4 || s[3] != 3 || s[1] < 1 || s[2] < 1 || s[1] > Integer.MAX_VALUE || s[2] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("normalize needs shape [N, H, W, 3], got " + Arrays.toString(s));
        }
        DType outType = spec.dtype() == DType.U8 ? DType.F32 : spec.dtype();
        long n = s[0];
        int h = (int) s[1];
        int w = (int) s[2];
        Tensor out = arena == null ? Tensor.allocate(outType, n, 3, h, w) : Tensor.allocate(arena, outType, n, 3, h, w);
        if (n == 0) return out;
        try {
            MemorySegment src = u8.segment();
            MemorySegment dst = out.segment();
            long inItem = 3L * h * w;
            long outItem = inItem * outType.byteSize();
            int chunks = (int) Math.min(n, threads);
            if (chunks <= 1 || !sharable(src) || !sharable(dst)) {
                normalizeChunk(src, dst, n, h, w, outType);
            } else {
                List<Callable<Void>> tasks = new ArrayList<>();
                for (int c = 0; c < chunks; c++) {
                    long b = n * c / chunks;
                    long e = n * (c + 1) / chunks;
                    MemorySegment si = src.asSlice(b * inItem, (e - b) * inItem);
                    MemorySegment di = dst.asSlice(b * outItem, (e - b) * outItem);
                    tasks.add(() -> {
                        normalizeChunk(si, di, e - b, h, w, outType);
                        return null;
                    });
                }
                invokeAll(tasks);
            }
            return out;
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }

    private void normalizeChunk(MemorySegment src, MemorySegment dst, long n, int h, int w, DType outType) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mean = a.allocate(JAVA_FLOAT, 3);
            MemorySegment std = a.allocate(JAVA_FLOAT, 3);
            Normalization norm = spec.normalization();
            for (int c = 0; c < 3; c++) {
                mean.setAtIndex(JAVA_FLOAT, c, norm.mean(c));
                std.setAtIndex(JAVA_FLOAT, c, norm.std(c));
            }
            GogNative.normalizeRgb8(src, n, h, w, mean, std, outType.nativeCode(), isa.code(), dst, dst.byteSize());
        }
    }

    /**
     * The whole image resized (squashed) to {@code width x height}, normalised into
     * {@code spec.dtype()} ([1, 3, height, width]; U8 gives [1, height, width, 3]): the input of a
     * whole-frame encode, where the caller picks a size that keeps the aspect ratio (each side a
     * multiple of the patch size). Same resize definition and filter as every other output; the
     * spec's size and recipe are not used.
     *
     * @param image the image (not closed)
     * @param width output width, 1..16384
     * @param height output height, 1..16384
     * @return the tensor; the caller owns it
     * @throws IllegalArgumentException if a size is out of range
     * @throws IllegalStateException if this preprocessor or the image is closed
     * @throws GogException if the native call fails
     */
    public Tensor frame(Image image, int width, int height) {
        checkOpen();
        Objects.requireNonNull(image, "image");
        if (width < 1 || height < 1 || width > PreprocessSpec.MAX_SIZE || height > PreprocessSpec.MAX_SIZE) {
            throw new IllegalArgumentException("frame " + width + "x" + height + " out of range 1.." + PreprocessSpec.MAX_SIZE);
        }
        List<Placement> items = List.of(new Placement(Box.of(image.originalWidth(), image.originalHeight()), 0, 0,
                width, height));
        checkItems(image, items, width, height);
        Tensor out = alloc(null, spec.dtype(), outputShape(spec.dtype(), 1, width, height));
        try {
            runChecked(image, items, out, width, height);
            return out;
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }

    /**
     * As {@link #frame(Image, int, int)}, written into {@code out}, whose shape gives the size:
     * {@code [1, 3, height, width]} F32/BF16 or U8 {@code [1, height, width, 3]}, on the host or
     * a CUDA device (see {@link #runInto}). The caller owns {@code out} and may reuse it.
     *
     * @param image the image (not closed)
     * @param out the output tensor
     * @throws IllegalArgumentException if {@code out} is not of such a shape or a size is out of
     *     range 1..16384
     * @throws IllegalStateException if this preprocessor, the image or {@code out} is closed
     * @throws GogException if the native call fails
     */
    public void frameInto(Image image, Tensor out) {
        checkOpen();
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(out, "out");
        long[] s = out.shape();
        boolean u8 = out.dtype() == DType.U8;
        if (s.length != 4 || s[0] != 1 || (u8 ? s[3] : s[1]) != 3) {
            throw new IllegalArgumentException("frame output must be " + (u8 ? "[1, height, width, 3]" : "[1, 3, height, width]")
                    + ", got " + Arrays.toString(s) + " of " + out.dtype());
        }
        long h = u8 ? s[1] : s[2];
        long w = u8 ? s[2] : s[3];
        if (w < 1 || h < 1 || w > PreprocessSpec.MAX_SIZE || h > PreprocessSpec.MAX_SIZE) {
            throw new IllegalArgumentException("frame " + w + "x" + h + " out of range 1.." + PreprocessSpec.MAX_SIZE);
        }
        List<Placement> items = List.of(new Placement(Box.of(image.originalWidth(), image.originalHeight()), 0, 0,
                (int) w, (int) h));
        checkItems(image, items, (int) w, (int) h);
        runChecked(image, items, out, (int) w, (int) h);
    }

    // --- the general form ------------------------------------------------------------------------------

    /**
     * The general form: one output item per placement (in original-image coordinates), of
     * {@code dtype}, in {@code arena} ({@code null}: the tensor owns its memory).
     *
     * @throws IllegalArgumentException if {@code items} is empty, a source box lies outside
     *     the image, or a placed rectangle leaves the S x S frame
     * @throws IllegalStateException if this preprocessor or the image is closed
     * @throws GogException if the native call fails
     */
    public Tensor run(Image image, List<Placement> items, DType dtype, Arena arena) {
        checkOpen();
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(dtype, "dtype");
        int size = spec.size();
        checkItems(image, items, size, size);
        Tensor out = alloc(arena, dtype, outputShape(dtype, items.size(), size, size));
        try {
            runChecked(image, items, out, size, size);
            return out;
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }

    /**
     * As {@link #crops(Image, List)}, written into {@code out}, which the caller owns and may
     * reuse from call to call (no allocation on the hot path). {@code out} must have the shape
     * and dtype {@link #crops(Image, List)} would return ({@code spec.dtype()}) or U8
     * {@code [N, S, S, 3]}, on the host or a CUDA device (see {@link #runInto}).
     *
     * @throws IllegalArgumentException if {@code boxes} is empty, a box lies outside the image,
     *     or {@code out} has the wrong shape
     * @throws IllegalStateException if this preprocessor, the image or {@code out} is closed
     * @throws GogException if the native call fails
     */
    public void cropsInto(Image image, List<Box> boxes, Tensor out) {
        runInto(image, placements(image, boxes), out);
    }

    /**
     * As {@link #whole(Image)}, written into {@code out} ({@code [1, 3, S, S]} of the spec's
     * dtype, or U8 {@code [1, S, S, 3]}), which the caller owns and may reuse; host or CUDA
     * device memory (see {@link #runInto}).
     *
     * @throws IllegalArgumentException if {@code out} has the wrong shape
     * @throws IllegalStateException if this preprocessor, the image or {@code out} is closed
     * @throws GogException if the native call fails
     */
    public void wholeInto(Image image, Tensor out) {
        runInto(image, List.of(wholePlacement(image)), out);
    }

    /**
     * The general form, written into {@code out}: one item per placement; the dtype is
     * {@code out}'s (F32/BF16 {@code [N, 3, S, S]} or U8 {@code [N, S, S, 3]}).
     *
     * <p>{@code out} may be a CUDA device tensor ({@link Tensor#allocateCuda}): the same items
     * and parameters then run as one {@code gog_cuda_preprocess_device} on its device (the CPU
     * variant and thread count do not apply), the output never leaving the device. Results are
     * within +-1 per 8-bit channel of the CPU path (gog_cuda.h). The validation is the same.
     *
     * @throws IllegalArgumentException if {@code items} is empty, a source box lies outside
     *     the image, a placed rectangle leaves the S x S frame, or {@code out} has the wrong
     *     shape or read-only host memory
     * @throws IllegalStateException if this preprocessor, the image or {@code out} is closed
     * @throws GogException if the native call fails ({@link dev.gog.bindings.GogErrorCode#NO_DEVICE}
     *     for a device tensor without libgog_cuda, a driver or a device)
     */
    public void runInto(Image image, List<Placement> items, Tensor out) {
        checkOpen();
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(out, "out");
        checkItems(image, items, spec.size(), spec.size());
        runChecked(image, items, out, spec.size(), spec.size());
    }

    /** {@link #runInto} once the items are checked. */
    @SuppressWarnings("try") // the pin is held for the duration of the block
    private void runChecked(Image image, List<Placement> items, Tensor out, int frameW, int frameH) {
        DType dtype = out.dtype();
        int n = items.size();
        if (!Arrays.equals(out.shape(), outputShape(dtype, n, frameW, frameH))) {
            throw new IllegalArgumentException("output tensor has shape " + Arrays.toString(out.shape())
                    + ", want " + Arrays.toString(outputShape(dtype, n, frameW, frameH)) + " of " + dtype);
        }
        if (out.device() == Device.CUDA) {
            runOnDevice(image, items, out, frameW, frameH);
            return;
        }
        MemorySegment dst = out.segment();
        if (dst.isReadOnly()) throw new IllegalArgumentException("output tensor is read-only");
        try (Image.Pin pin = image.pin()) {
            Call call = new Call(image, items, dtype, frameW, frameH);
            long tiles;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment params = call.params(a);
                long expect = GogNative.preprocessOutputBytes(params, n);
                if (expect != dst.byteSize()) {
                    // 0 means libgog rejects the arguments: let the run say why (GogException).
                    if (expect == 0) call.run(a, params, 0, 0, dst);
                    throw new IllegalStateException("libgog wants " + expect + " output bytes, Java computed "
                            + dst.byteSize());
                }
                tiles = GogNative.preprocessTileCount(params, n);
                if (threads == 1 || tiles < 2 || !sharable(dst)) {
                    call.run(a, params, 0, tiles, dst);
                    return;
                }
            }
            int k = (int) Math.min(threads, tiles);
            List<Callable<Void>> tasks = new ArrayList<>(k);
            for (int c = 0; c < k; c++) {
                long b = tiles * c / k;
                long e = tiles * (c + 1) / k;
                tasks.add(() -> {
                    try (Arena a = Arena.ofConfined()) {
                        call.run(a, call.params(a), b, e, dst);
                    }
                    return null;
                });
            }
            invokeAll(tasks);
        }
    }

    /**
     * {@link #runChecked} into a device tensor: one {@code gog_cuda_preprocess_device} on the
     * tensor's device (the CPU variant and the thread count do not apply).
     */
    @SuppressWarnings("try") // the pin is held for the duration of the block
    private void runOnDevice(Image image, List<Placement> items, Tensor out, int frameW, int frameH) {
        int n = items.size();
        long capacity = out.byteSize();
        int ordinal = out.cudaDevice();
        MemorySegment dst = MemorySegment.ofAddress(out.deviceAddress());
        try (Image.Pin pin = image.pin(); Arena a = Arena.ofConfined()) {
            Call call = new Call(image, items, out.dtype(), frameW, frameH);
            MemorySegment params = call.params(a);
            long expect = GogNative.preprocessOutputBytes(params, n);
            if (expect != capacity) {
                if (expect == 0) call.runDevice(a, params, ordinal, dst, capacity); // says why (GogException)
                throw new IllegalStateException("libgog wants " + expect + " output bytes, Java computed " + capacity);
            }
            call.runDevice(a, params, ordinal, dst, capacity);
        }
    }

    private static long[] outputShape(DType dtype, int n, int w, int h) {
        return dtype == DType.U8 ? new long[] {n, h, w, 3} : new long[] {n, 3, h, w};
    }

    private void checkItems(Image image, List<Placement> items, int frameW, int frameH) {
        if (items.isEmpty()) throw new IllegalArgumentException("no items");
        int ow = image.originalWidth();
        int oh = image.originalHeight();
        for (int i = 0; i < items.size(); i++) {
            Placement p = Objects.requireNonNull(items.get(i), "item " + i);
            if (!p.source().within(ow, oh)) {
                throw new IllegalArgumentException("box " + i + " " + p.source() + " lies outside the "
                        + ow + "x" + oh + " image");
            }
            if ((long) p.x() + p.width() > frameW || (long) p.y() + p.height() > frameH) {
                throw new IllegalArgumentException("item " + i + " is placed outside the " + frameW + "x" + frameH + " frame");
            }
        }
    }

    private static Tensor alloc(Arena arena, DType dtype, long... shape) {
        return arena == null ? Tensor.allocate(dtype, shape) : Tensor.allocate(arena, dtype, shape);
    }

    /** Whether every pool thread may pass this segment to native code. */
    private boolean sharable(MemorySegment s) {
        for (Thread t : poolThreads) {
            if (t == null || !s.isAccessibleBy(t)) return false;
        }
        return true;
    }

    /**
     * Runs the tasks on the pool and waits for all of them, also when interrupted (a native
     * call cannot be stopped, and its output must not be freed under it); the interrupt is
     * restored afterwards. The first failure is rethrown.
     */
    private void invokeAll(List<Callable<Void>> tasks) {
        List<Future<Void>> futures = new ArrayList<>(tasks.size());
        try {
            for (Callable<Void> t : tasks) futures.add(pool.submit(t));
        } catch (RejectedExecutionException e) {
            awaitAll(futures);
            throw new IllegalStateException("preprocessor is closed", e);
        }
        Throwable first = awaitAll(futures);
        if (first instanceof RuntimeException r) throw r;
        if (first instanceof Error err) throw err;
        if (first != null) throw new IllegalStateException(first);
    }

    private static Throwable awaitAll(List<Future<Void>> futures) {
        Throwable first = null;
        boolean interrupted = false;
        for (Future<Void> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (first == null) first = e.getCause();
                    break;
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        return first;
    }

    /**
     * The argument structs of one {@code gog_preprocess_run} call, rebuilt in each worker's own
     * confined arena (they are tiny), with the pixel address taken once on the calling thread.
     */
    private final class Call {
        private final long pixelAddress;
        private final int width;
        private final int height;
        private final long stride;
        private final float[] boxes;
        private final int[] rects;
        private final int dtypeCode;
        private final int bandRows;
        private final int frameW;
        private final int frameH;

        Call(Image image, List<Placement> items, DType dtype, int frameW, int frameH) {
            this.frameW = frameW;
            this.frameH = frameH;
            MemorySegment px = image.pixels();
            this.pixelAddress = px.address();
            this.width = image.width();
            this.height = image.height();
            this.stride = image.stride();
            this.dtypeCode = dtype.nativeCode();
            int n = items.size();
            this.boxes = new float[4 * n];
            this.rects = new int[4 * n];
            // Boxes are in original-image coordinates; a 1/s decode divides them by s (exact in
            // binary floating point: s is a power of two).
            float s = image.scaleDenom();
            for (int i = 0; i < n; i++) {
                Placement p = items.get(i);
                Box b = p.source();
                boxes[4 * i] = b.x1() / s;
                boxes[4 * i + 1] = b.y1() / s;
                boxes[4 * i + 2] = Math.min(b.x2() / s, width);
                boxes[4 * i + 3] = Math.min(b.y2() / s, height);
                rects[4 * i] = p.x();
                rects[4 * i + 1] = p.y();
                rects[4 * i + 2] = p.width();
                rects[4 * i + 3] = p.height();
            }
            this.bandRows = bandRows(n);
        }

        /** Rows per tile: whole items when there are enough of them, else bands for 4 tiles per thread. */
        private int bandRows(int n) {
            if (threads == 1 || n >= 4 * threads) return 0;
            int bands = (4 * threads + n - 1) / n;
            return Math.max(8, (frameH + bands - 1) / bands);
        }

        MemorySegment params(Arena a) {
            MemorySegment p = a.allocate(GogStructs.PREPROCESS_PARAMS);
            p.set(JAVA_INT, GogStructs.PARAMS_OUT_WIDTH, frameW);
            p.set(JAVA_INT, GogStructs.PARAMS_OUT_HEIGHT, frameH);
            p.set(JAVA_INT, GogStructs.PARAMS_FILTER, spec.filter().nativeCode());
            p.set(JAVA_INT, GogStructs.PARAMS_DTYPE, dtypeCode);
            p.set(JAVA_INT, GogStructs.PARAMS_ISA, isa.code());
            p.set(JAVA_INT, GogStructs.PARAMS_BAND_ROWS, bandRows);
            Normalization norm = spec.normalization();
            PreprocessSpec.Rgb fill = spec.fill();
            int[] f = {fill.r(), fill.g(), fill.b()};
            for (int c = 0; c < 3; c++) {
                p.set(JAVA_FLOAT, GogStructs.PARAMS_MEAN + 4L * c, norm.mean(c));
                p.set(JAVA_FLOAT, GogStructs.PARAMS_STD + 4L * c, norm.std(c));
                p.set(JAVA_BYTE, GogStructs.PARAMS_FILL + c, (byte) f[c]);
            }
            return p;
        }

        /** One {@code gog_preprocess_run}, with {@code params} from {@link #params} and structs in {@code a}. */
        void run(Arena a, MemorySegment params, long tileBegin, long tileEnd, MemorySegment out) {
            int n = boxes.length / 4;
            MemorySegment items = items(a);
            MemorySegment view = view(a);
            GogNative.preprocessRun(view, params, items, n, tileBegin, tileEnd, out, out.byteSize());
        }

        /** One {@code gog_cuda_preprocess_device} into device memory {@code outDev} of {@code device}. */
        void runDevice(Arena a, MemorySegment params, int device, MemorySegment outDev, long capacity) {
            CudaNative.preprocessDevice(device, view(a), params, items(a), boxes.length / 4, outDev, capacity);
        }

        private MemorySegment items(Arena a) {
            int n = boxes.length / 4;
            MemorySegment items = a.allocate(GogStructs.RESIZE_ITEM, n);
            for (int i = 0; i < n; i++) {
                long o = i * GogStructs.RESIZE_ITEM.byteSize();
                items.set(JAVA_FLOAT, o + GogStructs.RESIZE_ITEM_X1, boxes[4 * i]);
                items.set(JAVA_FLOAT, o + GogStructs.RESIZE_ITEM_Y1, boxes[4 * i + 1]);
                items.set(JAVA_FLOAT, o + GogStructs.RESIZE_ITEM_X2, boxes[4 * i + 2]);
                items.set(JAVA_FLOAT, o + GogStructs.RESIZE_ITEM_Y2, boxes[4 * i + 3]);
                items.set(JAVA_INT, o + GogStructs.RESIZE_ITEM_DST_X, rects[4 * i]);
                items.set(JAVA_INT, o + GogStructs.RESIZE_ITEM_DST_Y, rects[4 * i + 1]);
                items.set(JAVA_INT, o + GogStructs.RESIZE_ITEM_DST_W, rects[4 * i + 2]);
                items.set(JAVA_INT, o + GogStructs.RESIZE_ITEM_DST_H, rects[4 * i + 3]);
            }
            return items;
        }

        private MemorySegment view(Arena a) {
            MemorySegment view = a.allocate(GogStructs.IMAGE_VIEW);
            // The pixels are kept alive by the caller's Image.pin() for the whole call.
            view.set(ADDRESS, GogStructs.IMAGE_VIEW_DATA, MemorySegment.ofAddress(pixelAddress));
            view.set(JAVA_INT, GogStructs.IMAGE_VIEW_WIDTH, width);
            view.set(JAVA_INT, GogStructs.IMAGE_VIEW_HEIGHT, height);
            view.set(JAVA_LONG, GogStructs.IMAGE_VIEW_STRIDE, stride);
            return view;
        }
    }

    // --- lifecycle -------------------------------------------------------------------------------------

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("preprocessor is closed");
    }

    /** Stops the worker threads (after running calls finish). Idempotent. */
    @Override
    public void close() {
        closed = true;
        if (pool != null) pool.shutdown();
    }

    @Override
    public String toString() {
        return "Preprocessor[" + spec + ", threads=" + threads + ", isa=" + isa + "]";
    }
}
