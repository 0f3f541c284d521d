package dev.gog.tensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a {@link Tensor} as a NumPy {@code .npy} file, format version 1.0: the magic
 * {@code \x93NUMPY}, version bytes 1 0, a little-endian uint16 header length, an ASCII
 * Python-dict header ({@code {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }})
 * padded with spaces and ended by a newline so that the data starts at a multiple of 64 bytes,
 * then the elements in C order. F32 is written as {@code <f4}, BF16 widened exactly to
 * {@code <f4}, U8 as {@code |u1}.
 */
public final class NpyWriter {
    private NpyWriter() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Writes {@code tensor} to {@code file} (created or replaced).
     *
     * @throws IOException if the file cannot be written
     * @throws IllegalStateException if the tensor is closed
     */
    public static void write(Path file, Tensor tensor) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            write(out, tensor);
        }
    }

    /**
     * Writes {@code tensor} as .npy bytes to {@code out} (not closed).
     *
     * @throws IOException if writing fails
     * @throws IllegalStateException if the tensor is closed
     */
    public static void write(OutputStream out, Tensor tensor) throws IOException {
        MemorySegment seg = tensor.segment();
        DType dtype = tensor.dtype();
        out.write(header(dtype == DType.U8 ? "|u1" : "<f4", tensor.shape()));
        byte[] buf = new byte[1 << 16];
        long n = tensor.elementCount();
        switch (dtype) {
            case U8 -> {
                for (long off = 0; off < n; off += buf.length) {
                    int len = (int) Math.min(buf.length, n - off);
                    MemorySegment.copy(seg, JAVA_BYTE, off, buf, 0, len);
                    out.write(buf, 0, len);
                }
            }
            case F32 -> {
                long bytes = n * 4;
                for (long off = 0; off < bytes; off += buf.length) {
                    int len = (int) Math.min(buf.length, bytes - off);
                    MemorySegment.copy(seg, JAVA_BYTE, off, buf, 0, len); // already little-endian
                    out.write(buf, 0, len);
                }
            }
            case BF16 -> {
                MemorySegment b = MemorySegment.ofArray(buf);
                int per = buf.length / 4;
                for (long i = 0; i < n; i += per) {
                    int m = (int) Math.min(per, n - i);
                    for (int k = 0; k < m; k++) {
                        int bits = (seg.get(LE_SHORT, (i + k) * 2) & 0xffff) << 16;
                        b.set(LE_FLOAT, k * 4L, Float.intBitsToFloat(bits));
                    }
                    out.write(buf, 0, m * 4);
                }
            }
        }
    }

    /** The .npy v1.0 header for a C-ordered array: magic, version, length, padded dict. */
    static byte[] header(String descr, long[] shape) {
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) dims.append(", ");
            dims.append(shape[i]);
        }
        if (shape.length == 1) dims.append(',');
        StringBuilder dict = new StringBuilder("{'descr': '").append(descr)
                .append("', 'fortran_order': False, 'shape': (").append(dims).append("), }");
        int total = MAGIC.length + 2 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        dict.append(" ".repeat(pad)).append('\n');
        byte[] text = dict.toString().getBytes(StandardCharsets.US_ASCII);
        if (text.length > 0xffff) throw new IllegalArgumentException("shape too long for a .npy v1.0 header");
        byte[] h = new byte[MAGIC.length + 2 + text.length];
        System.arraycopy(MAGIC, 0, h, 0, MAGIC.length);
        h[MAGIC.length] = (byte) text.length;
        h[MAGIC.length + 1] = (byte) (text.length >>> 8);
        System.arraycopy(text, 0, h, MAGIC.length + 2, text.length);
        return h;
    }
}
