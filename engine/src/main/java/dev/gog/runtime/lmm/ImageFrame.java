package dev.gog.runtime.lmm;

import dev.gog.gaze.BoxFrame;
import dev.gog.gaze.BoxFrames;
import dev.gog.image.Box;
import java.util.Locale;
import java.util.Objects;

/**
 * How a request's image is shown to the LMM: the original size, the size of the copy sent, and
 * the {@link BoxFrame} in which the model writes boxes. Maps the model's boxes to original pixels
 * and back (for writing past gazes into the conversation).
 *
 * @param originalWidth the original (EXIF-oriented) width, &gt;= 1
 * @param originalHeight the original height, &gt;= 1
 * @param frame the frame the model writes boxes in
 * @param sentWidth the width of the copy sent ({@link BoxFrames#sentSize})
 * @param sentHeight the height of the copy sent
 */
public record ImageFrame(int originalWidth, int originalHeight, BoxFrame frame, int sentWidth, int sentHeight) {
    /**
     * Validates.
     *
     * @throws IllegalArgumentException if a size is &lt; 1
     * @throws NullPointerException if {@code frame} is null
     */
    public ImageFrame {
        Objects.requireNonNull(frame, "frame");
        if (originalWidth < 1 || originalHeight < 1 || sentWidth < 1 || sentHeight < 1) {
            throw new IllegalArgumentException("image sizes must be >= 1, got original " + originalWidth + "x"
                    + originalHeight + ", sent " + sentWidth + "x" + sentHeight);
        }
    }

    /**
     * The frame of a {@code width x height} original sent for {@code frame}: the sent size is
     * {@link BoxFrames#sentSize}.
     *
     * @return the frame
     * @throws IllegalArgumentException if the image size is not valid for the frame
     * @throws NullPointerException if {@code frame} is null
     */
    public static ImageFrame of(BoxFrame frame, int width, int height) {
        int[] sent = BoxFrames.sentSize(frame, width, height);
        return new ImageFrame(width, height, frame, sent[0], sent[1]);
    }

    /**
     * Maps a model's {@code [x1, y1, x2, y2]} to original pixels ({@link BoxFrames#toOriginal}).
     *
     * @param bbox four numbers in the frame
     * @return the box on the original image
     * @throws IllegalArgumentException if the box is not four finite numbers, lies far outside the
     *     frame, or is empty after clamping to the image
     */
    public Box toOriginal(double[] bbox) {
        return BoxFrames.toOriginal(bbox, frame, originalWidth, originalHeight);
    }

    /**
     * Writes a box on the original image as the model would: {@code [x1, y1, x2, y2]} in the
     * frame, rounded to integers for pixel and 0..1000 frames and to three decimals for fractions.
     *
     * @param box a box inside the original image
     * @return the text, e.g. {@code [12, 40, 300, 222]}
     * @throws IllegalArgumentException if the box lies outside the image
     */
    public String format(Box box) {
        float[] f = BoxFrames.fromOriginal(box, frame, originalWidth, originalHeight);
        double[] ext = frame.extent(originalWidth, originalHeight);
        boolean integral = ext[0] >= 100 && ext[1] >= 100;
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 4; i++) {
            if (i > 0) sb.append(", ");
            sb.append(integral ? String.valueOf(Math.round(f[i])) : String.format(Locale.ROOT, "%.3f", f[i]));
        }
        return sb.append(']').toString();
    }

    /** The box rounded as {@link #format}, as numbers (for JSON tool arguments). */
    double[] toFrame(Box box) {
        float[] f = BoxFrames.fromOriginal(box, frame, originalWidth, originalHeight);
        double[] ext = frame.extent(originalWidth, originalHeight);
        boolean integral = ext[0] >= 100 && ext[1] >= 100;
        double[] out = new double[4];
        for (int i = 0; i < 4; i++) out[i] = integral ? Math.round(f[i]) : Math.round(f[i] * 1000.0) / 1000.0;
        return out;
    }

    /**
     * One sentence telling the model how to write boxes on this image, e.g. "The image is 1008 x
     * 504 pixels; write a box as [x1, y1, x2, y2] in these pixels (x to the right, y down, from the
     * top-left corner)."
     */
    public String describe() {
        return switch (frame) {
            case BoxFrame.Normalized n -> {
                String scale = n.scale() == 1 ? "0..1" : "0.." + (long) n.scale();
                yield "Write a box as [x1, y1, x2, y2] with coordinates normalised to " + scale
                        + " of the image's width and height (x to the right, y down, from the top-left corner).";
            }
            default -> {
                double[] ext = frame.extent(originalWidth, originalHeight);
                yield "The image is " + Math.round(ext[0]) + " x " + Math.round(ext[1])
                        + " pixels; write a box as [x1, y1, x2, y2] in these pixels (x to the right, y down, from the"
                        + " top-left corner).";
            }
        };
    }
}
