package dev.gog.image;

/**
 * What a probe or decode learned about an image ({@code gog_image_info}).
 *
 * @param format the encoded format
 * @param width width of the decoded pixels: EXIF-oriented and DCT-scaled
 * @param height height of the decoded pixels
 * @param storedWidth width as stored in the file (before orientation and scaling)
 * @param storedHeight height as stored in the file
 * @param orientation EXIF orientation 1..8 as found (1 if none, or if orientation was ignored)
 * @param scaleDenom DCT scale denominator s of the decode: 1, 2, 4 or 8
 * @param channels colour components in the file (1..4)
 * @param bitDepth bits per sample in the file (8 for JPEG, 1..16 for PNG)
 * @param hasAlpha whether the file carries alpha (or a PNG tRNS chunk)
 * @param progressive progressive JPEG or interlaced PNG
 */
public record ImageInfo(ImageFormat format, int width, int height, int storedWidth, int storedHeight,
                        int orientation, int scaleDenom, int channels, int bitDepth, boolean hasAlpha,
                        boolean progressive) {

    /** Whether orientation swaps width and height (EXIF orientations 5 to 8). */
    public boolean transposed() {
        return orientation >= 5 && orientation <= 8;
    }

    /**
     * Width of the original image after EXIF orientation, before DCT scaling: the frame that
     * every box coordinate refers to.
     */
    public int originalWidth() {
        return transposed() ? storedHeight : storedWidth;
    }

    /** Height of the original image after EXIF orientation, before DCT scaling. */
    public int originalHeight() {
        return transposed() ? storedWidth : storedHeight;
    }

    /** Info for raw RGB8 pixels that were not decoded here (see {@link Image#wrap}). */
    static ImageInfo raw(int width, int height) {
        return new ImageInfo(ImageFormat.UNKNOWN, width, height, width, height, 1, 1, 3, 8, false, false);
    }
}
