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

    private static void requireLoaded(String function) {
        if (!H.LOADED) {
            throw new GogException(GogErrorCode.NO_DEVICE, function,
                    "libgog_cuda is not loaded (it is built only where nvcc is available)");
        }
    }
}
