package dev.gog.image;

/**
 * A region of an image in float pixel-edge coordinates: the half-open rectangle
 * [x1, x2) x [y1, y2) on the EXIF-oriented original image (before any DCT scaling). The pixel
 * (i, j) covers [i, i+1) x [j, j+1), so the whole of a W x H image is (0, 0, W, H).
 *
 * <p>A box is always finite with x1 &lt; x2 and y1 &lt; y2; whether it lies inside an image is
 * checked where it is used (and again by the native side).
 */
public record Box(float x1, float y1, float x2, float y2) {

    /**
     * Creates a box.
     *
     * @throws IllegalArgumentException if a coordinate is NaN or infinite, or the box is empty
     *     (x1 &gt;= x2 or y1 &gt;= y2)
     */
    public Box {
        if (!Float.isFinite(x1) || !Float.isFinite(y1) || !Float.isFinite(x2) || !Float.isFinite(y2)) {
            throw new IllegalArgumentException("box coordinates must be finite: " + str(x1, y1, x2, y2));
        }
        if (!(x1 < x2) || !(y1 < y2)) {
            throw new IllegalArgumentException("box must have x1 < x2 and y1 < y2 (half-open, non-empty): "
                    + str(x1, y1, x2, y2));
        }
    }

    /** The whole of a {@code width} x {@code height} image. */
    public static Box of(int width, int height) {
        return new Box(0f, 0f, width, height);
    }

    /**
     * Parses "x1,y1,x2,y2" (four decimal numbers, optional spaces).
     *
     * @throws IllegalArgumentException if the text is not four numbers or the box is invalid
     */
    public static Box parse(String text) {
        String[] parts = text.split(",", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("box must be x1,y1,x2,y2 (four numbers), got '" + text + "'");
        }
        float[] v = new float[4];
        for (int i = 0; i < 4; i++) {
            try {
                v[i] = Float.parseFloat(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("box must be x1,y1,x2,y2 (four numbers), got '" + text + "'");
            }
        }
        return new Box(v[0], v[1], v[2], v[3]);
    }

    /** x2 - x1. */
    public float width() {
        return x2 - x1;
    }

    /** y2 - y1. */
    public float height() {
        return y2 - y1;
    }

    /** Whether the box lies inside [0, width] x [0, height]. */
    public boolean within(int width, int height) {
        return x1 >= 0 && y1 >= 0 && x2 <= width && y2 <= height;
    }

    /**
     * Checks that the box lies inside a {@code width} x {@code height} image.
     *
     * @throws IllegalArgumentException if it does not
     */
    public Box requireWithin(int width, int height) {
        if (!within(width, height)) {
            throw new IllegalArgumentException("box " + this + " lies outside the " + width + "x" + height + " image");
        }
        return this;
    }

    @Override
    public String toString() {
        return str(x1, y1, x2, y2);
    }

    private static String str(float x1, float y1, float x2, float y2) {
        return "(" + x1 + "," + y1 + "," + x2 + "," + y2 + ")";
    }
}
