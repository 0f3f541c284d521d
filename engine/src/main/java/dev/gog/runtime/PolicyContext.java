package dev.gog.runtime;

import dev.gog.image.Box;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A request as a policy sees it. Given by the engine to {@link Policy#next}; valid until that
 * call's future completes. Thread-safe.
 */
public interface PolicyContext {
    /** The engine-assigned request id. */
    String requestId();

    /** The question. */
    String question();

    /** The image's width in original (EXIF-oriented) pixels. */
    int imageWidth();

    /** The image's height in original (EXIF-oriented) pixels. */
    int imageHeight();

    /**
     * The image resized to exactly {@code width x height} (the resize the engine uses everywhere,
     * squashing when the aspect ratio differs), as JPEG bytes: what an LMM is sent.
     *
     * @throws IllegalArgumentException if a size is outside 1..16384
     */
    CompletableFuture<byte[]> imageJpeg(int width, int height);

    /**
     * The region {@code box} (original pixels) as JPEG bytes at its own resolution: a crop
     * returned to an LMM after a gaze.
     *
     * @throws IllegalArgumentException if the box is outside the image
     */
    CompletableFuture<byte[]> cropJpeg(Box box);

    /** The Selective Gaze analysis (computed on first call, shared by later ones). */
    CompletableFuture<Perception> perception();

    /** The steps so far, in order (a snapshot). */
    List<Step> history();

    /** What the request may still spend. */
    Budget budget();

    /** True once the request was cancelled or passed its deadline. */
    boolean cancelled();
}
