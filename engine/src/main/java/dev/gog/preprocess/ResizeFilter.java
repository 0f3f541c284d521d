package dev.gog.preprocess;

import java.util.Locale;

/**
 * Resampling filters, defined as Pillow's (antialiased when shrinking: the support grows with
 * the scale factor).
 */
public enum ResizeFilter {
    /** Pillow's BILINEAR (triangle filter, support 1); Hugging Face {@code resample} 2. */
    BILINEAR,
    /** Pillow's BICUBIC (Keys cubic with a = -0.5, support 2); Hugging Face {@code resample} 3. */
    BICUBIC;

    /** The {@code GOG_FILTER_*} value of gog.h. */
    public int nativeCode() {
        return this == BILINEAR ? 0 : 1;
    }

    /** Lower-case name, as on the command line and in JSON. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
