package dev.gog.runtime.lmm;

import dev.gog.runtime.Action;
import java.util.Objects;

/**
 * What a profile needs to turn an assistant message into actions.
 *
 * @param frame the image frame (maps the model's boxes to original pixels)
 * @param priorGaze true when the request already gazed: a further gaze is a reflection
 */
public record ParseContext(ImageFrame frame, boolean priorGaze) {
    /** Validates. */
    public ParseContext {
        Objects.requireNonNull(frame, "frame");
    }

    /**
     * A gaze action at {@code bbox} written in the model's frame.
     *
     * @param bbox {@code [x1, y1, x2, y2]} in the frame
     * @return the gaze, a reflection when the request already gazed
     * @throws IllegalArgumentException if the box is invalid ({@link ImageFrame#toOriginal})
     */
    public Action.Gaze gaze(double[] bbox) {
        return new Action.Gaze(frame.toOriginal(bbox), priorGaze);
    }
}
