package dev.gog.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Simulated latency for the load benchmark: delays of a mean with uniform seeded jitter, as
 * futures completed by one {@link ScheduledExecutorService} (no thread blocked per call), or as
 * blocking sleeps for the sequential baseline. Thread-safe.
 *
 * <p>Jitter: the n-th delay drawn is {@code mean * (1 + jitter * u)}, u uniform in [-1, 1) from a
 * SplitMix64 hash of the seed and n, so the sequence of draws is fixed by the seed (which request
 * gets which draw depends on scheduling).
 */
final class LoadClock implements AutoCloseable {
    private final long seed;
    private final double jitter;
    private final AtomicLong draws = new AtomicLong();
    private final ScheduledExecutorService timer;
    private final ExecutorService completions;

    /**
     * @param seed the jitter seed
     * @param jitter the relative jitter, 0..1 (0.2: uniform within plus or minus 20 %)
     * @throws IllegalArgumentException if {@code jitter} is outside 0..1
     */
    LoadClock(long seed, double jitter) {
        if (!(jitter >= 0 && jitter <= 1)) throw new IllegalArgumentException("jitter must be in [0, 1], got " + jitter);
        this.seed = seed;
        this.jitter = jitter;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("load-timer").daemon(true).factory());
        // completions run on virtual threads so the timer thread never runs the engine's dependent stages
        this.completions = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("load-done-", 0).factory());
    }

    /** The next jittered delay around {@code meanMs}, in nanoseconds (0 when the mean is 0). */
    long nextNanos(double meanMs) {
        if (meanMs <= 0) return 0;
        long z = seed + draws.getAndIncrement() * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        double u = (z >>> 11) * 0x1.0p-53 * 2 - 1;
        return Math.round(meanMs * (1 + jitter * u) * 1e6);
    }

    /**
     * A future completed with {@code value.get()} after a jittered delay around {@code meanMs}
     * (at once, on the caller's thread, when the mean is 0). Cancelling it cancels the timer task.
     *
     * @return the future, owned by the caller
     */
    <T> CompletableFuture<T> after(double meanMs, Supplier<T> value) {
        long nanos = nextNanos(meanMs);
        if (nanos == 0) return CompletableFuture.completedFuture(value.get());
        CompletableFuture<T> f = new CompletableFuture<>();
        ScheduledFuture<?> task = timer.schedule(() -> completions.execute(() -> {
            try {
                f.complete(value.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        }), nanos, TimeUnit.NANOSECONDS);
        f.whenComplete((v, t) -> {
            if (f.isCancelled()) task.cancel(false);
        });
        return f;
    }

    /**
     * Blocks the calling thread for a jittered delay around {@code meanMs} (the sequential baseline).
     *
     * @throws InterruptedException if interrupted while sleeping
     */
    void sleep(double meanMs) throws InterruptedException {
        long nanos = nextNanos(meanMs);
        if (nanos > 0) Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    }

    /** Stops the timer and the completion executor (pending delays never complete). */
    @Override
    public void close() {
        timer.shutdownNow();
        completions.shutdownNow();
    }
}
