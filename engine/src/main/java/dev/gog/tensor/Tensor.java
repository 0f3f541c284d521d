package dev.gog.tensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.gog.bindings.CudaNative;
import dev.gog.bindings.GogException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dense, C-ordered (row-major) array of {@link #dtype()} elements with a {@link #shape()},
 * in host memory ({@link Device#CPU}) or in the memory of a CUDA device ({@link Device#CUDA}).
 *
 * <h2>Device tensors</h2>
 * {@link #allocateCuda(int, DType, long...)} and {@link #wrapCuda(int, long, DType, long...)}
 * make tensors in device memory. Their address must never be dereferenced from Java:
 * {@link #segment()} throws {@link IllegalStateException} for them, and the data moves only by
 * explicit copies ({@link #toFloatArray()}, {@link #toByteArray()}, {@link #copyToHost(Tensor)},
 * {@link #copyFrom(Tensor)}). Native calls that take device memory get the address from
 * {@link #deviceAddress()} and the ordinal from {@link #cudaDevice()}. Views
 * ({@link #slice(long)}, {@link #narrow(long, long)}, {@link #reshape(long...)}) work on device
 * tensors by address arithmetic. Device memory cannot be guarded against a concurrent native
 * call: closing a device tensor while a call that uses it runs is the caller's bug.
 *
 * <h2>Ownership</h2>
 * <ul>
 *   <li>{@link #allocate(DType, long...)} returns a tensor that owns its memory (a shared
 *       arena of its own): {@link #close()} frees it.</li>
 *   <li>{@link #allocate(Arena, DType, long...)} and {@link #wrap(MemorySegment, DType, long...)}
 *       use memory owned by the caller's arena / the caller: {@link #close()} only marks the
 *       tensor closed.</li>
 *   <li>{@link #slice(long)} and {@link #reshape(long...)} return views over the same memory,
 *       without copies. A view keeps its parent reachable and fails with
 *       {@link IllegalStateException} once the parent (or any ancestor) is closed; closing a
 *       view does not close the parent.</li>
 * </ul>
 * Every accessor of a closed tensor throws {@link IllegalStateException}. Tensors are safe to
 * read from several threads; closing concurrently with a read is the caller's race.
 */
public final class Tensor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Tensor.class);

    private final MemorySegment segment; // host memory; null for a device tensor
    private final long deviceAddress; // device tensors: the address of element 0; 0 on the host
    private final long bytes;
    private final int cudaDevice; // the ordinal, or -1 on the host
    private final DType dtype;
    private final long[] shape;
    private final Device device;
    private final Arena ownArena;
    private final boolean ownsDeviceMemory;
    private final Tensor parent;
    private volatile boolean closed;

    private Tensor(MemorySegment segment, DType dtype, long[] shape, Arena ownArena, Tensor parent) {
        this.segment = segment;
        this.deviceAddress = 0;
        this.bytes = segment.byteSize();
        this.cudaDevice = -1;
        this.dtype = dtype;
        this.shape = shape;
        this.device = Device.CPU;
        this.ownArena = ownArena;
        this.ownsDeviceMemory = false;
        this.parent = parent;
    }

    /** A device tensor. */
    private Tensor(int cudaDevice, long address, long bytes, DType dtype, long[] shape, boolean owns, Tensor parent) {
        this.segment = null;
        this.deviceAddress = address;
        this.bytes = bytes;
        this.cudaDevice = cudaDevice;
        this.dtype = dtype;
        this.shape = shape;
        this.device = Device.CUDA;
        this.ownArena = null;
        this.ownsDeviceMemory = owns;
        this.parent = parent;
    }

    /**
     * Allocates a zero-filled tensor in {@code arena} (64-byte aligned). The arena owns the
     * memory; {@link #close()} only marks the tensor closed.
     *
     * @throws IllegalArgumentException if a dimension is negative or the size overflows
     */
    public static Tensor allocate(Arena arena, DType dtype, long... shape) {
        Objects.requireNonNull(arena, "arena");
        Objects.requireNonNull(dtype, "dtype");
        long[] s = checkShape(shape);
        long bytes = byteSize(s, dtype);
        return new Tensor(arena.allocate(Math.max(bytes, 1), 64).asSlice(0, bytes), dtype, s, null, null);
    }

    /**
     * Allocates a zero-filled tensor that owns its memory: {@link #close()} frees it.
     *
     * @throws IllegalArgumentException if a dimension is negative or the size overflows
     */
    public static Tensor allocate(DType dtype, long... shape) {
        Objects.requireNonNull(dtype, "dtype");
        long[] s = checkShape(shape);
        long bytes = byteSize(s, dtype);
        Arena arena = Arena.ofShared();
        try {
            return new Tensor(arena.allocate(Math.max(bytes, 1), 64).asSlice(0, bytes), dtype, s, arena, null);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * A tensor over existing memory, without a copy; the caller owns and keeps alive the memory
     * ({@link #close()} only marks the tensor closed). A read-only segment makes a tensor that
     * can be read but not written by a preprocess call.
     *
     * @throws IllegalArgumentException if a dimension is negative, the size overflows, or the
     *     segment is not exactly the tensor's byte size
     */
    public static Tensor wrap(MemorySegment segment, DType dtype, long... shape) {
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(dtype, "dtype");
        long[] s = checkShape(shape);
        long bytes = byteSize(s, dtype);
        if (segment.byteSize() != bytes) {
            throw new IllegalArgumentException("segment has " + segment.byteSize() + " bytes, shape "
                    + Arrays.toString(s) + " of " + dtype + " needs " + bytes);
        }
        return new Tensor(segment, dtype, s, null, null);
    }

    /**
     * Allocates a tensor in the memory of CUDA device {@code device} ({@code gog_cuda_malloc},
     * 256-byte aligned) that owns it: {@link #close()} frees it ({@code gog_cuda_free}). The
     * contents are undefined (not zero-filled): write them with {@link #copyFrom(Tensor)} or a
     * device-side call before reading.
     *
     * @param device the CUDA device ordinal
     * @param dtype the element type
     * @param shape the shape
     * @return the tensor, owned by the caller
     * @throws IllegalArgumentException if a dimension is negative, the size overflows or
     *     {@code device} is negative
     * @throws GogException {@link dev.gog.bindings.GogErrorCode#NO_DEVICE} without libgog_cuda, a
     *     driver or a device; {@link dev.gog.bindings.GogErrorCode#INVALID_ARGUMENT} for an
     *     ordinal that does not exist; {@link dev.gog.bindings.GogErrorCode#OUT_OF_MEMORY}
     */
    public static Tensor allocateCuda(int device, DType dtype, long... shape) {
        Objects.requireNonNull(dtype, "dtype");
        if (device < 0) throw new IllegalArgumentException("CUDA device ordinal must be >= 0, got " + device);
        long[] s = checkShape(shape);
        long bytes = byteSize(s, dtype);
        MemorySegment p = CudaNative.malloc(device, bytes);
        return new Tensor(device, p.address(), bytes, dtype, s, true, null);
    }

    /**
     * A tensor over device memory that the caller owns and keeps alive (for instance memory of
     * another library); {@link #close()} only marks the tensor closed. No native call is made:
     * the address is checked by libgog_cuda when a call uses it.
     *
     * @param device the CUDA device ordinal the memory belongs to
     * @param address the device address of element 0 (0 only for an empty tensor)
     * @param dtype the element type
     * @param shape the shape
     * @return the tensor (owning nothing)
     * @throws IllegalArgumentException if a dimension is negative, the size overflows,
     *     {@code device} is negative, or {@code address} is 0 for a non-empty tensor
     */
    public static Tensor wrapCuda(int device, long address, DType dtype, long... shape) {
        Objects.requireNonNull(dtype, "dtype");
        if (device < 0) throw new IllegalArgumentException("CUDA device ordinal must be >= 0, got " + device);
        long[] s = checkShape(shape);
        long bytes = byteSize(s, dtype);
        if (address == 0 && bytes > 0) throw new IllegalArgumentException("NULL device address for " + bytes + " bytes");
        return new Tensor(device, address, bytes, dtype, s, false, null);
    }

    private static long[] checkShape(long[] shape) {
        Objects.requireNonNull(shape, "shape");
        long[] s = shape.clone();
        for (long d : s) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(s));
        }
        try {
            elementCount(s);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " is too large");
        }
        return s;
    }

    /** Bytes of a tensor of shape {@code s} (already checked), or IllegalArgumentException on overflow. */
    private static long byteSize(long[] s, DType dtype) {
        try {
            return Math.multiplyExact(elementCount(s), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " of " + dtype + " is too large");
        }
    }

    private static long elementCount(long[] s) {
        long n = 1;
        for (long d : s) n = Math.multiplyExact(n, d);
        return n;
    }

    // --- accessors -----------------------------------------------------------------------------

    /** The shape (a copy). @throws IllegalStateException if closed */
    public long[] shape() {
        checkOpen();
        return shape.clone();
    }

    /**
     * Size of dimension {@code i}.
     *
     * @throws IndexOutOfBoundsException if {@code i} is outside [0, rank)
     * @throws IllegalStateException if closed
     */
    public long dim(int i) {
        checkOpen();
        return shape[i];
    }

    /** Number of dimensions. @throws IllegalStateException if closed */
    public int rank() {
        checkOpen();
        return shape.length;
    }

    /** Number of elements. @throws IllegalStateException if closed */
    public long elementCount() {
        checkOpen();
        return elementCount(shape);
    }

    /** Size in bytes. @throws IllegalStateException if closed */
    public long byteSize() {
        checkOpen();
        return bytes;
    }

    /** The element type. @throws IllegalStateException if closed */
    public DType dtype() {
        checkOpen();
        return dtype;
    }

    /** Where the memory lives. @throws IllegalStateException if closed */
    public Device device() {
        checkOpen();
        return device;
    }

    /**
     * The CUDA device ordinal of a device tensor, or -1 for a host tensor.
     *
     * @throws IllegalStateException if closed
     */
    public int cudaDevice() {
        checkOpen();
        return cudaDevice;
    }

    /**
     * The memory, exactly {@link #byteSize()} bytes, little-endian elements in C order. It
     * belongs to this tensor (or its arena / parent); do not use it after {@link #close()}.
     *
     * @throws IllegalStateException if this tensor or an ancestor is closed, or this is a device
     *     tensor (its memory cannot be read from Java: use {@link #copyToHost(Tensor)} or
     *     {@link #toFloatArray()})
     */
    public MemorySegment segment() {
        checkOpen();
        if (segment == null) throw new IllegalStateException("device memory: use copyToHost/ toFloatArray");
        return segment;
    }

    /**
     * The raw device address of element 0 of a device tensor, for passing to the
     * {@code gog_cuda_*} bindings ({@code MemorySegment.ofAddress(t.deviceAddress())}) where
     * DEVICE memory of {@link #cudaDevice()} is expected. Never dereference it from Java. The
     * memory belongs to this tensor (or its parent / the caller of {@link #wrapCuda}); it is
     * valid only while the tensor is open. 0 for an empty tensor from {@link #allocateCuda}.
     *
     * @return the address
     * @throws IllegalStateException if closed, or this is a host tensor (use {@link #segment()})
     */
    public long deviceAddress() {
        checkOpen();
        if (device != Device.CUDA) throw new IllegalStateException("host tensor: use segment()");
        return deviceAddress;
    }

    /**
     * Element {@code i} along dimension 0: a view of rank - 1 over the same memory. The view
     * owns nothing: closing it frees nothing, and it fails once this tensor is closed.
     *
     * @throws IllegalArgumentException for a rank-0 tensor
     * @throws IndexOutOfBoundsException if {@code i} is outside [0, dim(0))
     * @throws IllegalStateException if closed
     */
    public Tensor slice(long i) {
        checkOpen();
        if (shape.length == 0) throw new IllegalArgumentException("cannot slice a rank-0 tensor");
        Objects.checkIndex(i, shape[0]);
        long[] s = Arrays.copyOfRange(shape, 1, shape.length);
        long itemBytes = elementCount(s) * dtype.byteSize();
        return view(i * itemBytes, itemBytes, s);
    }

    /**
     * Elements {@code [start, start + length)} along dimension 0: a view of the same rank over
     * the same memory (shape {@code [length, ...]}). Owns nothing, fails once this tensor is
     * closed.
     *
     * @throws IllegalArgumentException for a rank-0 tensor
     * @throws IndexOutOfBoundsException if the range is not within [0, dim(0)]
     * @throws IllegalStateException if closed
     */
    public Tensor narrow(long start, long length) {
        checkOpen();
        if (shape.length == 0) throw new IllegalArgumentException("cannot narrow a rank-0 tensor");
        Objects.checkFromIndexSize(start, length, shape[0]);
        long[] s = shape.clone();
        s[0] = length;
        long itemBytes = shape[0] == 0 ? 0 : bytes / shape[0];
        return view(start * itemBytes, length * itemBytes, s);
    }

    /** A view of {@code length} bytes from {@code offset} with shape {@code s}, on this tensor's device. */
    private Tensor view(long offset, long length, long[] s) {
        if (segment == null) {
            return new Tensor(cudaDevice, deviceAddress == 0 ? 0 : deviceAddress + offset, length, dtype, s, false, this);
        }
        return new Tensor(segment.asSlice(offset, length), dtype, s, null, this);
    }

    /**
     * The same memory with another shape of the same element count (one dimension may be -1:
     * inferred). A view: no copy, owns nothing, fails once this tensor is closed.
     *
     * @throws IllegalArgumentException if the element counts differ or the shape is invalid
     * @throws IllegalStateException if closed
     */
    public Tensor reshape(long... newShape) {
        checkOpen();
        Objects.requireNonNull(newShape, "newShape");
        long[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1 && infer < 0) {
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("invalid shape " + Arrays.toString(newShape));
            } else {
                try {
                    known = Math.multiplyExact(known, s[i]);
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("invalid shape " + Arrays.toString(newShape) + ": too large");
                }
            }
        }
        long count = elementCount(shape);
        if (infer >= 0) {
            if (known == 0 || count % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to "
                        + Arrays.toString(newShape));
            }
            s[infer] = count / known;
        }
        if (elementCount(s) != count) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " ("
                    + count + " elements) to " + Arrays.toString(newShape));
        }
        return view(0, bytes, s);
    }

    /**
     * The elements as floats (BF16 widened exactly).
     *
     * A device tensor is copied to the host first (one {@code gog_cuda_copy_to_host}).
     *
     * @throws UnsupportedOperationException for U8 tensors, or more than 2^31 - 9 elements
     * @throws IllegalStateException if closed
     * @throws GogException if the copy from a device tensor fails
     */
    public float[] toFloatArray() {
        checkOpen();
        int n = heapCount();
        if (dtype == DType.U8) {
            throw new UnsupportedOperationException("toFloatArray() of a U8 tensor; use toByteArray()");
        }
        if (segment == null) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment host = a.allocate(Math.max(1, bytes), 64).asSlice(0, bytes);
                copyDeviceToHost(host);
                return floats(host, n);
            }
        }
        return floats(segment, n);
    }

    private float[] floats(MemorySegment seg, int n) {
        return switch (dtype) {
            case F32 -> seg.toArray(JAVA_FLOAT);
            case BF16 -> {
                short[] raw = seg.toArray(JAVA_SHORT);
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = Float.intBitsToFloat((raw[i] & 0xffff) << 16);
                yield f;
            }
            case U8 -> throw new UnsupportedOperationException("toFloatArray() of a U8 tensor; use toByteArray()");
        };
    }

    /**
     * The elements of a U8 tensor (values 0..255 as unsigned bytes).
     *
     * A device tensor is copied to the host first.
     *
     * @throws UnsupportedOperationException for F32/BF16 tensors, or more than 2^31 - 9 elements
     * @throws IllegalStateException if closed
     * @throws GogException if the copy from a device tensor fails
     */
    public byte[] toByteArray() {
        checkOpen();
        if (dtype != DType.U8) {
            throw new UnsupportedOperationException("toByteArray() of a " + dtype + " tensor; use toFloatArray()");
        }
        heapCount();
        if (segment == null) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment host = a.allocate(Math.max(1, bytes), 64).asSlice(0, bytes);
                copyDeviceToHost(host);
                return host.toArray(JAVA_BYTE);
            }
        }
        return segment.toArray(JAVA_BYTE);
    }

    /**
     * Copies this tensor (host or device) into the host tensor {@code host}, which must have the
     * same dtype and element count (its shape may differ) and writable memory.
     *
     * @param host the destination, a {@link Device#CPU} tensor owned by the caller
     * @throws IllegalArgumentException if {@code host} is a device tensor, differs in dtype or
     *     element count, or is read-only
     * @throws IllegalStateException if either tensor is closed
     * @throws GogException if the copy from the device fails
     */
    public void copyToHost(Tensor host) {
        Objects.requireNonNull(host, "host");
        checkOpen();
        if (host.device() != Device.CPU) {
            throw new IllegalArgumentException("copyToHost destination is on " + host.describeDevice() + ", want CPU");
        }
        checkCompatible(host, "copyToHost destination");
        MemorySegment dst = host.segment();
        if (dst.isReadOnly()) throw new IllegalArgumentException("copyToHost destination is read-only");
        if (segment == null) {
            copyDeviceToHost(dst);
        } else {
            MemorySegment.copy(segment, 0, dst, 0, bytes);
        }
    }

    /**
     * Copies {@code src} into this tensor: host to host, host to device
     * ({@code gog_cuda_copy_to_device}), device to host, or device to device (through a host
     * buffer). Same dtype and element count required (shapes may differ).
     *
     * @param src the source, not modified, owned by the caller
     * @throws IllegalArgumentException if the dtype or element count differs, or this is a
     *     read-only host tensor
     * @throws IllegalStateException if either tensor is closed
     * @throws GogException if a device copy fails
     */
    public void copyFrom(Tensor src) {
        Objects.requireNonNull(src, "src");
        checkOpen();
        src.checkOpen();
        checkCompatible(src, "copyFrom source");
        if (segment != null) {
            if (segment.isReadOnly()) throw new IllegalArgumentException("copyFrom into a read-only tensor");
            src.copyToHost(this);
            return;
        }
        if (bytes == 0) return;
        if (src.segment != null) {
            CudaNative.copyToDevice(cudaDevice, MemorySegment.ofAddress(deviceAddress), src.segment, bytes);
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(bytes, 64);
            src.copyDeviceToHost(host);
            CudaNative.copyToDevice(cudaDevice, MemorySegment.ofAddress(deviceAddress), host, bytes);
        }
    }

    private void checkCompatible(Tensor other, String what) {
        if (other.dtype() != dtype || other.elementCount() != elementCount(shape)) {
            throw new IllegalArgumentException(what + " is " + other.dtype() + " " + Arrays.toString(other.shape())
                    + ", want " + elementCount(shape) + " elements of " + dtype + " like " + Arrays.toString(shape));
        }
    }

    /** Device tensor to host memory of {@code bytes} bytes. */
    private void copyDeviceToHost(MemorySegment host) {
        if (bytes == 0) return;
        CudaNative.copyToHost(cudaDevice, host, MemorySegment.ofAddress(deviceAddress), bytes);
    }

    private String describeDevice() {
        return device == Device.CUDA ? "CUDA:" + cudaDevice : "CPU";
    }

    private int heapCount() {
        long n = elementCount(shape);
        if (n > Integer.MAX_VALUE - 8) {
            throw new UnsupportedOperationException("tensor of " + n + " elements does not fit a Java array");
        }
        return (int) n;
    }

    /** Whether this tensor, or an ancestor of this view, is closed. */
    public boolean isClosed() {
        for (Tensor t = this; t != null; t = t.parent) {
            if (t.closed) return true;
        }
        return false;
    }

    /**
     * Closes the tensor: frees owned memory (views and caller-owned memory are only marked
     * closed). Idempotent. Owned device memory is freed with {@code gog_cuda_free}; if that
     * fails (after a fault on the device) the failure is logged at WARN and the tensor is
     * closed all the same.
     *
     * @throws IllegalStateException if owned host memory is in use by a native call on another
     *     thread at this moment (the tensor then stays open)
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
            if (ownsDeviceMemory && deviceAddress != 0) {
                try {
                    CudaNative.free(cudaDevice, MemorySegment.ofAddress(deviceAddress));
                } catch (GogException e) {
                    LOG.warn("freeing {} bytes on CUDA device {} failed: {}", bytes, cudaDevice, e.getMessage());
                }
            }
            if (ownArena != null) {
                try {
                    ownArena.close();
                } catch (IllegalStateException e) {
                    closed = false;
                    throw new IllegalStateException("tensor is in use by a native call; close it after the call", e);
                }
            }
        }
    }

    private void checkOpen() {
        for (Tensor t = this; t != null; t = t.parent) {
            if (t.closed) {
                throw new IllegalStateException(t == this ? "tensor is closed" : "tensor's parent is closed");
            }
        }
    }

    @Override
    public String toString() {
        return isClosed() ? "Tensor[closed]" : "Tensor[" + dtype + " " + Arrays.toString(shape) + " " + describeDevice() + "]";
    }
}
