package dev.gog.preprocess;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-channel normalisation of RGB8 values: channel c of a pixel v in 0..255 becomes
 * {@code (v / 255 - mean[c]) / std[c]}. libgog evaluates it through a 256-entry table per
 * channel computed in double precision and rounded to float once.
 */
public final class Normalization {
    /** OpenAI CLIP: mean (0.48145466, 0.4578275, 0.40821073), std (0.26862954, 0.26130258, 0.27577711). */
    public static final Normalization CLIP = new Normalization(
            new float[] {0.48145466f, 0.4578275f, 0.40821073f},
            new float[] {0.26862954f, 0.26130258f, 0.27577711f});
    /** SigLIP (and Hugging Face's IMAGENET_STANDARD): mean 0.5, std 0.5 for every channel. */
    public static final Normalization SIGLIP = new Normalization(
            new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f});
    /** No normalisation beyond the scale to [0, 1]: mean 0, std 1. */
    public static final Normalization UNIT = new Normalization(
            new float[] {0f, 0f, 0f}, new float[] {1f, 1f, 1f});

    private final float[] mean;
    private final float[] std;

    /**
     * Creates a normalisation.
     *
     * @param mean three finite values
     * @param std three finite values &gt; 0
     * @throws IllegalArgumentException if an array does not hold 3 values, or a value is not
     *     finite, or a std is not positive
     */
    public Normalization(float[] mean, float[] std) {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(std, "std");
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 values each (RGB), got "
                    + mean.length + " and " + std.length);
        }
        for (int c = 0; c < 3; c++) {
            if (!Float.isFinite(mean[c])) throw new IllegalArgumentException("mean must be finite: " + Arrays.toString(mean));
            if (!Float.isFinite(std[c]) || !(std[c] > 0)) {
                throw new IllegalArgumentException("std must be finite and > 0: " + Arrays.toString(std));
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** The per-channel means (a copy). */
    public float[] mean() {
        return mean.clone();
    }

    /** The per-channel standard deviations (a copy). */
    public float[] std() {
        return std.clone();
    }

    /** Mean of channel {@code c} (0 = R, 1 = G, 2 = B). */
    public float mean(int c) {
        return mean[c];
    }

    /** Std of channel {@code c}. */
    public float std(int c) {
        return std[c];
    }

    /** The RGB8 colour whose normalised value is closest to 0: {@code floor(mean * 255 + 0.5)}. */
    public PreprocessSpec.Rgb meanColor() {
        return new PreprocessSpec.Rgb(round(mean[0]), round(mean[1]), round(mean[2]));
    }

    private static int round(float m) {
        return (int) Math.max(0, Math.min(255, Math.floor(m * 255.0 + 0.5)));
    }

    /** "clip", "siglip", "unit" for the constants above, else "custom". */
    public String id() {
        if (equals(CLIP)) return "clip";
        if (equals(SIGLIP)) return "siglip";
        if (equals(UNIT)) return "unit";
        return "custom";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
