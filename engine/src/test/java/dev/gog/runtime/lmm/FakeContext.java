package dev.gog.runtime.lmm;

import dev.gog.image.Box;
import dev.gog.runtime.Budget;
import dev.gog.runtime.Perception;
import dev.gog.runtime.PolicyContext;
import dev.gog.runtime.Step;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A {@link PolicyContext} built by a test: fixed image bytes, a history and a budget it sets. */
final class FakeContext implements PolicyContext {
    static final byte[] IMAGE = "fake-jpeg-of-the-whole-image".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CROP = "fake-jpeg-of-a-crop".getBytes(StandardCharsets.US_ASCII);

    final String question;
    final int width;
    final int height;
    List<Step> history = List.of();
    Budget budget = new Budget(5, 8, Instant.now().plusSeconds(30));
    CompletableFuture<byte[]> imageFuture;
    final List<int[]> imageRequests = Collections.synchronizedList(new ArrayList<>());
    final List<Box> cropRequests = Collections.synchronizedList(new ArrayList<>());

    FakeContext(String question, int width, int height) {
        this.question = question;
        this.width = width;
        this.height = height;
    }

    @Override
    public String requestId() {
        return "req-test";
    }

    @Override
    public String question() {
        return question;
    }

    @Override
    public int imageWidth() {
        return width;
    }

    @Override
    public int imageHeight() {
        return height;
    }

    @Override
    public CompletableFuture<byte[]> imageJpeg(int w, int h) {
        imageRequests.add(new int[] {w, h});
        return imageFuture != null ? imageFuture : CompletableFuture.completedFuture(IMAGE);
    }

    @Override
    public CompletableFuture<byte[]> cropJpeg(Box box) {
        cropRequests.add(box);
        return CompletableFuture.completedFuture(CROP);
    }

    @Override
    public CompletableFuture<Perception> perception() {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("no perception in this test"));
    }

    @Override
    public List<Step> history() {
        return history;
    }

    @Override
    public Budget budget() {
        return budget;
    }

    @Override
    public boolean cancelled() {
        return false;
    }
}
