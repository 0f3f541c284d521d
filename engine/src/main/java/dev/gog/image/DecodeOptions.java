package dev.gog.image;

/**
 * Options of a decode ({@code gog_decode_options}).
 *
 * @param maxEncodedBytes largest encoded input accepted, in bytes (&gt; 0)
 * @param maxPixels largest stored width x height accepted (&gt; 0), checked from the header
 *     before any pixel memory is allocated
 * @param targetWidth with {@code targetHeight} &gt; 0: allow a DCT-scaled JPEG decode. The
 *     decoder picks the largest s in {8, 4, 2, 1} with s &lt;= min(W / tw, H / th) (integer
 *     division, W x H the oriented size) and decodes at 1/s, giving ceil(W/s) x ceil(H/s) pixels;
 *     the rule of Pillow's {@code JpegImageFile.draft()}. 0 (with {@code targetHeight} 0): full size.
 * @param targetHeight see {@code targetWidth}
 * @param applyOrientation apply the EXIF orientation (the default), or keep the stored layout
 */
public record DecodeOptions(long maxEncodedBytes, long maxPixels, int targetWidth, int targetHeight,
                            boolean applyOrientation) {

    /** Default encoded-size limit: 256 MiB. */
    public static final long DEFAULT_MAX_ENCODED_BYTES = 256L << 20;
    /** Default pixel-count limit: 64 MP. */
    public static final long DEFAULT_MAX_PIXELS = 64_000_000L;

    /** The defaults: 256 MiB, 64 MP, full-size decode, EXIF orientation applied. */
    public static final DecodeOptions DEFAULTS =
            new DecodeOptions(DEFAULT_MAX_ENCODED_BYTES, DEFAULT_MAX_PIXELS, 0, 0, true);

    /**
     * Validates the options.
     *
     * @throws IllegalArgumentException if a limit is not positive, a target dimension is
     *     negative, or only one of the two target dimensions is set
     */
    public DecodeOptions {
        if (maxEncodedBytes <= 0) throw new IllegalArgumentException("maxEncodedBytes must be > 0, got " + maxEncodedBytes);
        if (maxPixels <= 0) throw new IllegalArgumentException("maxPixels must be > 0, got " + maxPixels);
        if (targetWidth < 0 || targetHeight < 0 || (targetWidth == 0) != (targetHeight == 0)) {
            throw new IllegalArgumentException("target size must be both > 0 or both 0, got "
                    + targetWidth + "x" + targetHeight);
        }
    }

    /** A copy with a DCT-scaling target (both &gt; 0), or none (both 0). */
    public DecodeOptions withTarget(int width, int height) {
        return new DecodeOptions(maxEncodedBytes, maxPixels, width, height, applyOrientation);
    }

    /** A copy with another pixel-count limit. */
    public DecodeOptions withMaxPixels(long pixels) {
        return new DecodeOptions(maxEncodedBytes, pixels, targetWidth, targetHeight, applyOrientation);
    }

    /** A copy with another encoded-size limit. */
    public DecodeOptions withMaxEncodedBytes(long bytes) {
        return new DecodeOptions(bytes, maxPixels, targetWidth, targetHeight, applyOrientation);
    }

    /** A copy that applies (true) or ignores (false) the EXIF orientation. */
    public DecodeOptions withOrientation(boolean apply) {
        return new DecodeOptions(maxEncodedBytes, maxPixels, targetWidth, targetHeight, apply);
    }

    /** Whether a DCT-scaling target is set. */
    public boolean hasTarget() {
        return targetWidth > 0;
    }
}
