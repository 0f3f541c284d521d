package dev.gog.bindings;

/** The CPU kernel variants of {@code gog.h} ({@code GOG_ISA_*}). */
public enum CpuIsa {
    /** {@code GOG_ISA_AUTO}: the library's default variant (best, capped by {@code GOG_ISA}). */
    AUTO(0),
    /** {@code GOG_ISA_SCALAR}: the plain C reference; reproduces Pillow's arithmetic exactly. */
    SCALAR(1),
    /** {@code GOG_ISA_AVX2}: AVX2 + FMA + F16C. */
    AVX2(2),
    /** {@code GOG_ISA_AVX512}: AVX-512 F/BW/DQ/VL. */
    AVX512(3),
    /** {@code GOG_ISA_AVX512_BF16}: AVX-512 with AVX512_BF16. */
    AVX512_BF16(4);

    private final int code;

    CpuIsa(int code) {
        this.code = code;
    }

    /** The {@code GOG_ISA_*} value. */
    public int code() {
        return code;
    }

    /**
     * The variant with the given {@code GOG_ISA_*} value.
     *
     * @throws IllegalArgumentException if no variant has that value
     */
    public static CpuIsa fromCode(int code) {
        for (CpuIsa i : values()) {
            if (i.code == code) return i;
        }
        throw new IllegalArgumentException("unknown GOG_ISA value " + code);
    }

    /**
     * Whether this machine runs the variant ({@link #AUTO} and {@link #SCALAR} always do).
     *
     * @throws UnsatisfiedLinkError if libgog cannot be loaded
     */
    public boolean supported() {
        return this == AUTO || GogNative.cpuSupports(code);
    }

    /**
     * The variant {@link #AUTO} resolves to on this machine.
     *
     * @throws UnsatisfiedLinkError if libgog cannot be loaded
     */
    public static CpuIsa defaultIsa() {
        return fromCode(GogNative.cpuDefaultIsa());
    }

    /**
     * The best variant this CPU and OS support.
     *
     * @throws UnsatisfiedLinkError if libgog cannot be loaded
     */
    public static CpuIsa best() {
        return fromCode(GogNative.cpuBestIsa());
    }
}
