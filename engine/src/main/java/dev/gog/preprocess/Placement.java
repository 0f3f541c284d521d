package dev.gog.preprocess;

import dev.gog.image.Box;

/**
 * One resize of a preprocess call ({@code gog_resize_item}): the {@code source} box of the
 * image (original-image coordinates) is resized to {@code width} x {@code height} and placed
 * at ({@code x}, {@code y}) in the S x S output frame; the rest of the frame takes the fill
 * colour.
 *
 * @param source region of the image, in original-image coordinates
 * @param x left of the placed rectangle in the frame
 * @param y top of the placed rectangle
 * @param width width of the placed rectangle (&gt;= 1)
 * @param height height of the placed rectangle (&gt;= 1)
 */
public record Placement(Box source, int x, int y, int width, int height) {
    /**
     * Creates a placement.
     *
     * @throws IllegalArgumentException if the rectangle is empty or starts left of / above the frame
     */
    public Placement {
        java.util.Objects.requireNonNull(source, "source");
        if (width < 1 || height < 1 || x < 0 || y < 0) {
            throw new IllegalArgumentException("placement " + width + "x" + height + " at (" + x + "," + y
                    + ") is invalid");
        }
    }

    /** Whether the rectangle covers the whole {@code size} x {@code size} frame. */
    public boolean fillsFrame(int size) {
        return x == 0 && y == 0 && width == size && height == size;
    }
}
