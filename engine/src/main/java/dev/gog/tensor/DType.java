package dev.gog.tensor;

/** Element types of a {@link Tensor}. */
public enum DType {
    /** IEEE 754 binary32. */
    F32(4),
    /** bfloat16: the upper 16 bits of a binary32 (produced with round-to-nearest-even). */
    BF16(2),
    /** Unsigned 8-bit integer (RGB8 pixels). */
    U8(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The {@code GOG_DTYPE_*} value of gog.h. */
    public int nativeCode() {
        return switch (this) {
            case F32 -> 0;
            case BF16 -> 1;
            case U8 -> 2;
        };
    }
}
