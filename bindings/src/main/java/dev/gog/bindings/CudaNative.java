package dev.gog.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Downcalls for {@code gog_cuda.h} (libgog_cuda). The library is optional: it is loaded with
 * libgog by {@link NativeLibrary} when the platform jar (or the {@code gog.native.path}
 * directory) carries it. Without it, or without a CUDA driver or device, {@link #available()}
 * is false, {@link #deviceCount()} is 0 and the other calls throw a {@link GogException} with
 * {@link GogErrorCode#NO_DEVICE}. Failures carry libgog's {@code gog_last_error()} message.
 *
 * <p>The CUDA encoder ({@code gog_cuda_encoder_*}) is bound like {@link EncoderNative} binds the
 * CPU one, with the same {@link EncoderNative#ENCODER_CONFIG} and
 * {@link EncoderNative#TENSOR_DESC} structs. A CUDA encoder handle is a raw
 * {@link MemorySegment} address owned by the caller, who must call {@link #encoderDestroy}
 * exactly once, never concurrently with another call on it. Unlike the CPU encoder, the tensor
 * data may be unmapped as soon as {@link #encoderCreate} returns (the weights are copied to the
 * device).
 *
 * <p>Device memory ({@link #malloc}, {@link #free}, {@link #copyToDevice}, {@link #copyToHost}) is
 * handled as raw addresses in zero-length {@link MemorySegment}s that must never be dereferenced
 * from Java; the device-resident entry points ({@link #preprocessDevice},
 * {@link #encoderEncodeImageDevice}, {@link #gazeRelevanceDevice}) take such addresses where
 * gog_cuda.h expects DEVICE memory, and libgog_cuda checks each of them (the first byte only: the
 * caller vouches for the rest of the range).
 */
@SuppressWarnings("restricted") // this class is where native access happens
public final class CudaNative {
    private CudaNative() {}

    /**
     * A CUDA device: ordinal, name and compute capability.
     *
     * @param ordinal the device ordinal
     * @param name the device name
     * @param ccMajor compute capability, major
     * @param ccMinor compute capability, minor
     */
    public record Device(int ordinal, String name, int ccMajor, int ccMinor) {}

    private static final class H {
        static final boolean LOADED;
        static final MethodHandle COUNT;
        static final MethodHandle INFO;
        static final MethodHandle PREPROCESS;
        static final MethodHandle ENC_CREATE;
        static final MethodHandle ENC_DESTROY;
        static final MethodHandle ENC_IMAGE;
        static final MethodHandle ENC_TEXT;
        static final MethodHandle MALLOC;
        static final MethodHandle FREE;
        static final MethodHandle TO_DEVICE;
        static final MethodHandle TO_HOST;
        static final MethodHandle PREPROCESS_DEVICE;
        static final MethodHandle ENC_RESERVE;
        static final MethodHandle ENC_IMAGE_DEVICE;
        static final MethodHandle ENC_SET_GRAPHS;
        static final MethodHandle ENC_GRAPH_INFO;
        static final MethodHandle GAZE_RELEVANCE_DEVICE;

        static {
            Optional<SymbolLookup> lookup = NativeLibrary.isAvailable() && NativeLibrary.get().cudaLoaded()
                    ? Optional.of(SymbolLookup.loaderLookup()) : Optional.empty();
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> count = lookup.flatMap(l -> l.find("gog_cuda_device_count"));
            Optional<MemorySegment> info = lookup.flatMap(l -> l.find("gog_cuda_device_info"));
            Optional<MemorySegment> pre = lookup.flatMap(l -> l.find("gog_cuda_preprocess"));
            LOADED = count.isPresent() && info.isPresent() && pre.isPresent();
            COUNT = count.map(s -> linker.downcallHandle(s, FunctionDescriptor.of(JAVA_INT))).orElse(null);
            INFO = info.map(s -> linker.downcallHandle(s, FunctionDescriptor.of(JAVA_INT,
                    JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS))).orElse(null);
            PREPROCESS = pre.map(s -> linker.downcallHandle(s, FunctionDescriptor.of(JAVA_INT,
                    JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG))).orElse(null);
            ENC_CREATE = link(lookup, linker, "gog_cuda_encoder_create",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
            ENC_DESTROY = link(lookup, linker, "gog_cuda_encoder_destroy", FunctionDescriptor.ofVoid(ADDRESS));
            ENC_IMAGE = link(lookup, linker, "gog_cuda_encoder_encode_image",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
            ENC_TEXT = link(lookup, linker, "gog_cuda_encoder_encode_text",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
            MALLOC = link(lookup, linker, "gog_cuda_malloc", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
            FREE = link(lookup, linker, "gog_cuda_free", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
            TO_DEVICE = link(lookup, linker, "gog_cuda_copy_to_device",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
            TO_HOST = link(lookup, linker, "gog_cuda_copy_to_host",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
            PREPROCESS_DEVICE = link(lookup, linker, "gog_cuda_preprocess_device", FunctionDescriptor.of(JAVA_INT,
                    JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));
            ENC_RESERVE = link(lookup, linker, "gog_cuda_encoder_reserve",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
            ENC_IMAGE_DEVICE = link(lookup, linker, "gog_cuda_encoder_encode_image_device",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
            ENC_SET_GRAPHS = link(lookup, linker, "gog_cuda_encoder_set_graphs",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            ENC_GRAPH_INFO = link(lookup, linker, "gog_cuda_encoder_graph_info",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
            GAZE_RELEVANCE_DEVICE = link(lookup, linker, "gog_cuda_gaze_relevance_device", FunctionDescriptor.of(
                    JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        }

        private static MethodHandle link(Optional<SymbolLookup> lookup, Linker linker, String name,
                                         FunctionDescriptor fd) {
            return lookup.flatMap(l -> l.find(name)).map(s -> linker.downcallHandle(s, fd)).orElse(null);
        }
    }

    /** Whether libgog_cuda is loaded (it may still see no device). Never throws. */
    public static boolean loaded() {
        return H.LOADED;
    }

    /**
     * Whether CUDA preprocessing can run here: libgog_cuda is loaded and sees at least one
     * device. Never throws.
     */
    public static boolean available() {
        return H.LOADED && deviceCount() > 0;
    }

    /**
     * {@code gog_cuda_device_count()}: usable CUDA devices; 0 without libgog_cuda, a driver or
     * a device. Never throws.
     */
    public static int deviceCount() {
        if (!H.LOADED) return 0;
        try {
            return (int) H.COUNT.invokeExact();
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
    }

    /**
     * {@code gog_cuda_device_info}: name and compute capability of a device.
     *
     * @throws GogException {@link GogErrorCode#NO_DEVICE} without libgog_cuda or a device, or
     *     the native status (e.g. {@link GogErrorCode#INVALID_ARGUMENT} for a bad ordinal)
     */
    public static Device deviceInfo(int ordinal) {
        requireLoaded("gog_cuda_device_info");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(256);
            MemorySegment major = arena.allocate(JAVA_INT);
            MemorySegment minor = arena.allocate(JAVA_INT);
            int st;
            try {
                st = (int) H.INFO.invokeExact(ordinal, name, 256L, major, minor);
            } catch (Throwable t) {
                throw GogNative.rethrow(t);
            }
            if (st != 0) throw GogNative.failure(st, "gog_cuda_device_info");
            return new Device(ordinal, name.getString(0), major.get(JAVA_INT, 0), minor.get(JAVA_INT, 0));
        }
    }

    /**
     * {@code gog_cuda_preprocess}: the fused crop-resize-normalize of
     * {@link GogNative#preprocessRun} on a CUDA device, host memory in and out.
     *
     * @param device the device ordinal
     * @param image a {@link GogStructs#IMAGE_VIEW}; the pixels it points to must stay alive
     * @param params a {@link GogStructs#PREPROCESS_PARAMS} ({@code isa}, {@code band_rows} ignored)
     * @param items {@code nItems} consecutive {@link GogStructs#RESIZE_ITEM}s
     * @param nItems number of items
     * @param out host output buffer, at least {@code capacity} bytes
     * @param capacity bytes of {@code out}
     * @throws IllegalArgumentException if a size is negative or a segment is smaller than
     *     libgog_cuda reads or writes (checked as for {@link GogNative#preprocessRun})
     * @throws GogException with the native status and message on failure
     *     ({@link GogErrorCode#NO_DEVICE} without libgog_cuda or a device)
     */
    public static void preprocess(int device, MemorySegment image, MemorySegment params, MemorySegment items,
                                  int nItems, MemorySegment out, long capacity) {
        requireLoaded("gog_cuda_preprocess");
        GogNative.checkRun(image, params, items, nItems, out, capacity, "gog_cuda_preprocess");
        int st;
        try {
            st = (int) H.PREPROCESS.invokeExact(device, image, params, items, nItems, out, capacity);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
        if (st != 0) throw GogNative.failure(st, "gog_cuda_preprocess");
    }

    /**
     * Why CUDA cannot be used on device {@code ordinal} here, or {@code null} when it can
     * (libgog_cuda is loaded and the ordinal names a device). The reason is libgog_cuda's own
     * message when it is loaded (e.g. the driver is missing) or says that it is not loaded.
     * Never throws.
     *
     * @param ordinal the device ordinal
     * @return the reason, or null when the device is usable
     */
    public static String unavailableReason(int ordinal) {
        if (!H.LOADED) return "libgog_cuda is not loaded (it is built only where nvcc is available)";
        int n = deviceCount();
        if (ordinal < 0 || (n > 0 && ordinal >= n)) {
            return "device ordinal " + ordinal + " out of range: " + n + " CUDA device" + (n == 1 ? "" : "s");
        }
        if (n > 0) return null;
        try {
            deviceInfo(ordinal);
            return "no CUDA device";
        } catch (GogException e) {
            return e.nativeMessage().isBlank() ? e.getMessage() : e.nativeMessage();
        }
    }

    /**
     * {@code gog_cuda_encoder_create}: builds a CLIP / SigLIP encoder on device {@code device}
     * from the same config and tensor descriptors as {@link EncoderNative#create}. The weights
     * are copied to the device: the tensor data may be freed once this returns.
     *
     * @param device the device ordinal
     * @param config an {@link EncoderNative#ENCODER_CONFIG} ({@code threads} and {@code isa}
     *     ignored; {@code compute} F32 or BF16)
     * @param tensors {@code n} consecutive {@link EncoderNative#TENSOR_DESC}s
     * @param n number of tensors
     * @param out an address-sized segment that receives the handle, owned by the caller (destroy
     *     it with {@link #encoderDestroy})
     * @throws IllegalArgumentException if a segment is too small or {@code n} is negative
     * @throws GogException {@link GogErrorCode#NO_DEVICE} without libgog_cuda, a driver or a
     *     device (naming the reason), {@link GogErrorCode#INVALID_ARGUMENT} for a bad ordinal,
     *     {@link GogErrorCode#MODEL} for a bad config or tensor, {@link GogErrorCode#UNSUPPORTED}
     *     without cuBLAS or for an unknown compute type, {@link GogErrorCode#OUT_OF_MEMORY},
     *     {@link GogErrorCode#CUDA}
     */
    public static void encoderCreate(int device, MemorySegment config, MemorySegment tensors, long n,
                                     MemorySegment out) {
        requireEncoder(H.ENC_CREATE, "gog_cuda_encoder_create");
        GogNative.requireBytes(config, EncoderNative.ENCODER_CONFIG.byteSize(), "gog_cuda_encoder_create config");
        GogNative.requireBytes(tensors, GogNative.bytes(n, EncoderNative.TENSOR_DESC.byteSize(),
                "gog_cuda_encoder_create tensors"), "gog_cuda_encoder_create tensors");
        GogNative.requireBytes(out, ADDRESS.byteSize(), "gog_cuda_encoder_create out");
        int st;
        try {
            st = (int) H.ENC_CREATE.invokeExact(device, config, tensors, n, out);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
        if (st != 0) throw GogNative.failure(st, "gog_cuda_encoder_create");
    }

    /**
     * {@code gog_cuda_encoder_destroy}: frees the encoder and its device memory. NULL is a
     * no-op, and so is any call when libgog_cuda is not loaded (no handle can exist then).
     *
     * @param encoder a handle from {@link #encoderCreate}, or NULL
     */
    public static void encoderDestroy(MemorySegment encoder) {
        if (H.ENC_DESTROY == null || encoder.equals(MemorySegment.NULL)) return;
        try {
            H.ENC_DESTROY.invokeExact(encoder);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
    }

    /**
     * {@code gog_cuda_encoder_encode_image}: host pixels [batch, C, height, width] fp32 in, host
     * embeds [batch, E] and, unless NULL, host dense [batch, rows * cols, E] out. As for
     * {@link EncoderNative#encodeImage}, the caller checks the segment sizes against the grid.
     *
     * @throws GogException with the native status and message ({@link GogErrorCode#CUDA} for a
     *     failure on the device, after which the encoder should be destroyed)
     */
    public static void encoderEncodeImage(MemorySegment encoder, MemorySegment pixels, int batch, int height,
                                          int width, MemorySegment embeds, MemorySegment dense) {
        requireEncoder(H.ENC_IMAGE, "gog_cuda_encoder_encode_image");
        int st;
        try {
            st = (int) H.ENC_IMAGE.invokeExact(encoder, pixels, batch, height, width, embeds, dense);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
        if (st != 0) throw GogNative.failure(st, "gog_cuda_encoder_encode_image");
    }

    /**
     * {@code gog_cuda_encoder_encode_text}: host ids [batch, length] int32 in, host embeds
     * [batch, E] out (the caller checks the size of {@code embeds}).
     *
     * @throws IllegalArgumentException if {@code ids} holds fewer than batch*length ints
     * @throws GogException with the native status and message
     */
    public static void encoderEncodeText(MemorySegment encoder, MemorySegment ids, int batch, int length,
                                         MemorySegment embeds) {
        requireEncoder(H.ENC_TEXT, "gog_cuda_encoder_encode_text");
        if (batch > 0 && length > 0) {
            GogNative.requireBytes(ids, GogNative.bytes((long) batch * length, 4, "ids"),
                    "gog_cuda_encoder_encode_text ids");
        }
        int st;
        try {
            st = (int) H.ENC_TEXT.invokeExact(encoder, ids, batch, length, embeds);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
        if (st != 0) throw GogNative.failure(st, "gog_cuda_encoder_encode_text");
    }

    // --- device memory ---------------------------------------------------------------------------

    /**
     * {@code gog_cuda_malloc}: {@code bytes} of device memory on {@code device} (256-byte
     * aligned, contents undefined).
     *
     * <p>The result is a raw device address wrapped in a zero-length {@link MemorySegment}: it
     * must never be dereferenced from Java, only passed to the {@code gog_cuda_*} calls that take
     * DEVICE memory. It is owned by the caller, who frees it exactly once with {@link #free}
     * (on the same device) once no call uses it. {@code bytes == 0} returns
     * {@link MemorySegment#NULL}.
     *
     * @param device the device ordinal
     * @param bytes the size, at least 0
     * @return the device address (owned by the caller)
     * @throws IllegalArgumentException if {@code bytes} is negative
     * @throws GogException {@link GogErrorCode#NO_DEVICE} without libgog_cuda, a driver or a
     *     device; {@link GogErrorCode#INVALID_ARGUMENT} for a bad ordinal;
     *     {@link GogErrorCode#OUT_OF_MEMORY}; {@link GogErrorCode#CUDA}
     */
    public static MemorySegment malloc(int device, long bytes) {
        requireFunction(H.MALLOC, "gog_cuda_malloc");
        if (bytes < 0) throw new IllegalArgumentException("gog_cuda_malloc: negative size " + bytes);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int st;
            try {
                st = (int) H.MALLOC.invokeExact(device, bytes, out);
            } catch (Throwable t) {
                throw GogNative.rethrow(t);
            }
            if (st != 0) throw GogNative.failure(st, "gog_cuda_malloc");
            return out.get(ADDRESS, 0);
        }
    }

    /**
     * {@code gog_cuda_free}: frees memory from {@link #malloc} on {@code device}. NULL is a no-op
     * (after the device check). Not while any call still uses the buffer.
     *
     * @param device the device ordinal the memory was allocated on
     * @param ptr the device address from {@link #malloc}, or NULL
     * @throws GogException {@link GogErrorCode#NO_DEVICE}; {@link GogErrorCode#INVALID_ARGUMENT}
     *     if {@code ptr} is not device memory of {@code device}; {@link GogErrorCode#CUDA}
     */
    public static void free(int device, MemorySegment ptr) {
        requireFunction(H.FREE, "gog_cuda_free");
        int st;
        try {
            st = (int) H.FREE.invokeExact(device, ptr);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
        if (st != 0) throw GogNative.failure(st, "gog_cuda_free");
    }

    /**
     * {@code gog_cuda_copy_to_device}: copies {@code bytes} from host memory to device memory;
     * returns when the copy is done.
     *
     * @param device the device ordinal
     * @param dstDev a device address on {@code device} (the caller vouches for {@code bytes} bytes)
     * @param srcHost host memory of at least {@code bytes} bytes
     * @param bytes the size, at least 0 (0 is a no-op after the device check)
     * @throws IllegalArgumentException if {@code bytes} is negative or {@code srcHost} is smaller
     * @throws GogException {@link GogErrorCode#NO_DEVICE}; {@link GogErrorCode#INVALID_ARGUMENT}
     *     for a pointer of the wrong kind; {@link GogErrorCode#CUDA}
     */
    public static void copyToDevice(int device, MemorySegment dstDev, MemorySegment srcHost, long bytes) {
        requireFunction(H.TO_DEVICE, "gog_cuda_copy_to_device");
        GogNative.requireBytes(srcHost, bytes, "gog_cuda_copy_to_device src");
        int st;
        try {
            st = (int) H.TO_DEVICE.invokeExact(device, dstDev, srcHost, bytes);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
        if (st != 0) throw GogNative.failure(st, "gog_cuda_copy_to_device");
    }

    /**
     * {@code gog_cuda_copy_to_host}: copies {@code bytes} from device memory to host memory;
     * returns when the copy is done.
     *
     * @param device the device ordinal
     * @param dstHost writable host memory of at least {@code bytes} bytes
     * @param srcDev a device address on {@code device} (the caller vouches for {@code bytes} bytes)
     * @param bytes the size, at least 0
     * @throws IllegalArgumentException if {@code bytes} is negative, {@code dstHost} is smaller or
     *     read-only
     * @throws GogException {@link GogErrorCode#NO_DEVICE}; {@link GogErrorCode#INVALID_ARGUMENT}
     *     for a pointer of the wrong kind; {@link GogErrorCode#CUDA}
     */
    public static void copyToHost(int device, MemorySegment dstHost, MemorySegment srcDev, long bytes) {
        requireFunction(H.TO_HOST, "gog_cuda_copy_to_host");
        GogNative.requireBytes(dstHost, bytes, "gog_cuda_copy_to_host dst");
        if (dstHost.isReadOnly()) throw new IllegalArgumentException("gog_cuda_copy_to_host dst: read-only segment");
        int st;
        try {
            st = (int) H.TO_HOST.invokeExact(device, dstHost, srcDev, bytes);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
        if (st != 0) throw GogNative.failure(st, "gog_cuda_copy_to_host");
    }

    /**
     * {@code gog_cuda_preprocess_device}: as {@link #preprocess}, with the output in device
     * memory {@code outDev} of {@code device} (owned by the caller, at least {@code capacity}
     * bytes). Returns with the work finished.
     *
     * @param device the device ordinal
     * @param image a {@link GogStructs#IMAGE_VIEW} (host); the pixels it points to must stay alive
     * @param params a {@link GogStructs#PREPROCESS_PARAMS} ({@code isa}, {@code band_rows} ignored)
     * @param items {@code nItems} consecutive {@link GogStructs#RESIZE_ITEM}s (host)
     * @param nItems number of items
     * @param outDev device output buffer
     * @param capacity bytes of {@code outDev}
     * @throws IllegalArgumentException if a size is negative or a host segment is smaller than
     *     libgog_cuda reads
     * @throws GogException with the native status and message ({@link GogErrorCode#NO_DEVICE}
     *     without libgog_cuda or a device, {@link GogErrorCode#INVALID_ARGUMENT} for an
     *     {@code outDev} that is not device memory of {@code device})
     */
    public static void preprocessDevice(int device, MemorySegment image, MemorySegment params, MemorySegment items,
                                        int nItems, MemorySegment outDev, long capacity) {
        requireFunction(H.PREPROCESS_DEVICE, "gog_cuda_preprocess_device");
        if (capacity < 0) throw new IllegalArgumentException("gog_cuda_preprocess_device: negative capacity " + capacity);
        // the output is device memory: only the host arguments are checked here
        GogNative.checkRun(image, params, items, nItems, MemorySegment.NULL, 0, "gog_cuda_preprocess_device");
        int st;
        try {
            st = (int) H.PREPROCESS_DEVICE.invokeExact(device, image, params, items, nItems, outDev, capacity);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
        if (st != 0) throw GogNative.failure(st, "gog_cuda_preprocess_device");
    }

    // --- the encoder on device buffers ---------------------------------------------------------------

    /**
     * CUDA-graph figures of an encoder ({@code gog_cuda_encoder_graph_info}).
     *
     * @param graphs instantiated graphs held now
     * @param replays graph launches so far that replayed an existing graph
     * @param lastFailure the reason of the last capture / instantiation / launch failure, or why
     *     graphs are unavailable ("" when none)
     */
    public record GraphInfo(int graphs, int replays, String lastFailure) {}

    /**
     * {@code gog_cuda_encoder_reserve}: grows the encoder's workspace and staging once to the
     * worst case of the given shapes (see gog_cuda.h).
     *
     * @throws GogException {@link GogErrorCode#NO_DEVICE}, {@link GogErrorCode#INVALID_ARGUMENT}
     *     (a negative or too large count, a bad image size or text length, a missing tower),
     *     {@link GogErrorCode#LIMIT_EXCEEDED}, {@link GogErrorCode#OUT_OF_MEMORY},
     *     {@link GogErrorCode#CUDA}
     */
    public static void encoderReserve(MemorySegment encoder, int maxBatch, int maxHeight, int maxWidth,
                                      int maxTextBatch, int maxTextLength) {
        requireEncoder(H.ENC_RESERVE, "gog_cuda_encoder_reserve");
        int st;
        try {
            st = (int) H.ENC_RESERVE.invokeExact(encoder, maxBatch, maxHeight, maxWidth, maxTextBatch, maxTextLength);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
        if (st != 0) throw GogNative.failure(st, "gog_cuda_encoder_reserve");
    }

    /**
     * {@code gog_cuda_encoder_encode_image_device}: device pixels [batch, C, height, width] fp32
     * in, device embeds [batch, E] and, unless NULL, device dense [batch, rows * cols, E] out, all
     * on the encoder's device and owned by the caller (who vouches for their sizes). Returns with
     * the work finished; bit-identical to {@link #encoderEncodeImage}.
     *
     * @throws GogException with the native status and message ({@link GogErrorCode#INVALID_ARGUMENT}
     *     for a pointer that is not device memory of the encoder's device, {@link GogErrorCode#CUDA}
     *     for a failure on the device, after which the encoder should be destroyed)
     */
    public static void encoderEncodeImageDevice(MemorySegment encoder, MemorySegment pixelsDev, int batch, int height,
                                                int width, MemorySegment embedsDev, MemorySegment denseDev) {
        requireEncoder(H.ENC_IMAGE_DEVICE, "gog_cuda_encoder_encode_image_device");
        int st;
        try {
            st = (int) H.ENC_IMAGE_DEVICE.invokeExact(encoder, pixelsDev, batch, height, width, embedsDev, denseDev);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
        if (st != 0) throw GogNative.failure(st, "gog_cuda_encoder_encode_image_device");
    }

    /**
     * {@code gog_cuda_encoder_set_graphs}: enables or disables CUDA graphs for the encoder's image
     * forward (a graph problem never fails a call; see {@link #encoderGraphInfo}).
     *
     * @throws GogException {@link GogErrorCode#NO_DEVICE}; {@link GogErrorCode#INVALID_ARGUMENT}
     *     for a NULL encoder
     */
    public static void encoderSetGraphs(MemorySegment encoder, boolean enabled) {
        requireEncoder(H.ENC_SET_GRAPHS, "gog_cuda_encoder_set_graphs");
        int st;
        try {
            st = (int) H.ENC_SET_GRAPHS.invokeExact(encoder, enabled ? 1 : 0);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
        if (st != 0) throw GogNative.failure(st, "gog_cuda_encoder_set_graphs");
    }

    /**
     * {@code gog_cuda_encoder_graph_info}: the encoder's graph figures.
     *
     * @return a new record owned by the caller
     * @throws GogException {@link GogErrorCode#NO_DEVICE}; {@link GogErrorCode#INVALID_ARGUMENT}
     *     for a NULL encoder
     */
    public static GraphInfo encoderGraphInfo(MemorySegment encoder) {
        requireEncoder(H.ENC_GRAPH_INFO, "gog_cuda_encoder_graph_info");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment graphs = arena.allocate(JAVA_INT);
            MemorySegment replays = arena.allocate(JAVA_INT);
            MemorySegment why = arena.allocate(512);
            int st;
            try {
                st = (int) H.ENC_GRAPH_INFO.invokeExact(encoder, graphs, replays, why, 512L);
            } catch (Throwable t) {
                throw GogNative.rethrow(t);
            }
            if (st != 0) throw GogNative.failure(st, "gog_cuda_encoder_graph_info");
            return new GraphInfo(graphs.get(JAVA_INT, 0), replays.get(JAVA_INT, 0), why.getString(0));
        }
    }

    // --- gaze on device features ----------------------------------------------------------------------

    /**
     * {@code gog_cuda_gaze_relevance_device}: the relevance map of device features
     * {@code denseDev} [rows * cols][dim] fp32 on {@code device} (read only; the caller vouches
     * for the size) against host {@code text} [dim]; host {@code cosines} (or NULL) and
     * {@code map} [rows * cols] out. Same definitions as {@link GazeNative#relevance}.
     *
     * @param cfg a {@link GazeNative#CONFIG} (host)
     * @throws IllegalArgumentException if a host segment is smaller than rows*cols (or dim) floats
     * @throws GogException {@link GogErrorCode#NO_DEVICE}; {@link GogErrorCode#INVALID_ARGUMENT}
     *     (a bad grid, a non-finite value, a {@code denseDev} that is not device memory of
     *     {@code device}); {@link GogErrorCode#OUT_OF_MEMORY}; {@link GogErrorCode#CUDA}
     */
    public static void gazeRelevanceDevice(int device, MemorySegment denseDev, int rows, int cols, int dim,
                                           MemorySegment text, MemorySegment cfg, MemorySegment cosines,
                                           MemorySegment map) {
        requireFunction(H.GAZE_RELEVANCE_DEVICE, "gog_cuda_gaze_relevance_device");
        if (rows > 0 && cols > 0 && dim > 0) {
            long n = (long) rows * cols;
            GogNative.requireBytes(text, GogNative.bytes(dim, 4, "gog_cuda_gaze_relevance_device text"),
                    "gog_cuda_gaze_relevance_device text");
            GogNative.requireBytes(cosines, GogNative.bytes(n, 4, "cosines"), "gog_cuda_gaze_relevance_device cosines");
            GogNative.requireBytes(map, GogNative.bytes(n, 4, "map"), "gog_cuda_gaze_relevance_device map");
        }
        GogNative.requireBytes(cfg, GazeNative.CONFIG.byteSize(), "gog_cuda_gaze_relevance_device cfg");
        int st;
        try {
            st = (int) H.GAZE_RELEVANCE_DEVICE.invokeExact(device, denseDev, rows, cols, dim, text, cfg, cosines, map);
        } catch (Throwable t) {
            throw GogNative.rethrow(t);
        }
        if (st != 0) throw GogNative.failure(st, "gog_cuda_gaze_relevance_device");
    }

    private static void requireFunction(MethodHandle handle, String function) {
        requireLoaded(function);
        if (handle == null) {
            throw new GogException(GogErrorCode.UNSUPPORTED, function,
                    "this libgog_cuda has no " + function + " (it was built before the device-resident entry points)");
        }
    }

    private static void requireEncoder(MethodHandle handle, String function) {
        requireLoaded(function);
        if (handle == null) {
            throw new GogException(GogErrorCode.UNSUPPORTED, function,
                    "this libgog_cuda has no " + function + " (it was built before the CUDA encoder)");
        }
    }

    private static void requireLoaded(String function) {
        if (!H.LOADED) {
            throw new GogException(GogErrorCode.NO_DEVICE, function,
                    "libgog_cuda is not loaded (it is built only where nvcc is available)");
        }
    }
}
