package dev.gog.tensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, C-ordered (row-major) array of {@link #dtype()} elements with a {@link #shape()},
 * in host memory ({@link Device#CPU}).
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
    private final MemorySegment segment;
    private final DType dtype;
    private final long[] shape;
    private final Device device;
    private final Arena ownArena;
    private final Tensor parent;
    private volatile boolean closed;

    private Tensor(MemorySegment segment, DType dtype, long[] shape, Arena ownArena, Tensor parent) {
        this.segment = segment;
        this.dtype = dtype;
        this.shape = shape;
        this.device = Device.CPU;
        this.ownArena = ownArena;
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
        return segment.byteSize();
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
     * The memory, exactly {@link #byteSize()} bytes, little-endian elements in C order. It
     * belongs to this tensor (or its arena / parent); do not use it after {@link #close()}.
     *
     * @throws IllegalStateException if this tensor or an ancestor is closed
     */
    public MemorySegment segment() {
        checkOpen();
        return segment;
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
        long bytes = elementCount(s) * dtype.byteSize();
        return new Tensor(segment.asSlice(i * bytes, bytes), dtype, s, null, this);
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
        return new Tensor(segment, dtype, s, null, this);
    }

    /**
     * The elements as floats (BF16 widened exactly).
     *
     * @throws UnsupportedOperationException for U8 tensors, or more than 2^31 - 9 elements
     * @throws IllegalStateException if closed
     */
    public float[] toFloatArray() {
        checkOpen();
        int n = heapCount();
        return switch (dtype) {
            case F32 -> segment.toArray(JAVA_FLOAT);
            case BF16 -> {
                short[] raw = segment.toArray(JAVA_SHORT);
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
     * @throws UnsupportedOperationException for F32/BF16 tensors, or more than 2^31 - 9 elements
     * @throws IllegalStateException if closed
     */
    public byte[] toByteArray() {
        checkOpen();
        if (dtype != DType.U8) {
            throw new UnsupportedOperationException("toByteArray() of a " + dtype + " tensor; use toFloatArray()");
        }
        heapCount();
        return segment.toArray(JAVA_BYTE);
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
     * closed). Idempotent.
     *
     * @throws IllegalStateException if owned memory is in use by a native call on another
     *     thread at this moment (the tensor then stays open)
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
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
        return isClosed() ? "Tensor[closed]" : "Tensor[" + dtype + " " + Arrays.toString(shape) + " " + device + "]";
    }
}
