package dev.gog.preprocess;

import java.util.Locale;

/**
 * How a region (the whole image, or a box) becomes the S x S model input. Each recipe is
 * implemented as one box resize of the source (see {@link PreprocessSpec#place}).
 */
public enum ResizeMode {
    /**
     * Hugging Face CLIPImageProcessor: resize the shortest side to S (the long side to
     * {@code int(S * long / short)}), then centre-crop S x S.
     */
    CLIP,
    /** Resize the region to S x S, ignoring its aspect ratio (SigLIP, most ViTs). */
    SQUASH,
    /** Fit the region inside S x S keeping its aspect ratio, centred, padding with the fill colour. */
    LETTERBOX;

    /** Lower-case name, as on the command line and in JSON. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
