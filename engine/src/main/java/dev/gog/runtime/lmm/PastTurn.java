package dev.gog.runtime.lmm;

import dev.gog.runtime.Step;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One earlier turn of a request, as a profile renders it back into the conversation: the steps
 * that turn ran (in order; they share {@link Step#turn()}), the crop the engine took for each
 * gaze step, and the image frame for writing boxes.
 *
 * @param turn the turn number, from 1
 * @param steps the turn's steps, in order, not empty
 * @param crops one entry per step: the JPEG of the gazed region for a gaze or reflect step whose
 *     crop could be made, else null (a list that may hold nulls; the arrays are shared, not copied)
 * @param frame the image frame of the request
 */
public record PastTurn(int turn, List<Step> steps, List<byte[]> crops, ImageFrame frame) {
    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if {@code steps} is empty or {@code crops} has another size
     */
    public PastTurn {
        steps = List.copyOf(steps);
        Objects.requireNonNull(frame, "frame");
        if (steps.isEmpty()) throw new IllegalArgumentException("a past turn needs steps");
        if (crops.size() != steps.size()) {
            throw new IllegalArgumentException("crops must have one entry per step: " + crops.size() + " != " + steps.size());
        }
        crops = Collections.unmodifiableList(new ArrayList<>(crops));
    }

    /** The policy's reasoning for this turn (the first step's rationale), or null. */
    public String rationale() {
        return steps.getFirst().rationale();
    }
}
