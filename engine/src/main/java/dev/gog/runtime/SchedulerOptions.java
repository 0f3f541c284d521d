package dev.gog.runtime;

import java.time.Duration;
import java.util.Objects;

/**
 * How the engine batches model work and admits requests.
 *
 * @param maxBatch the most jobs of one kind run as one encoder batch, 1..256
 * @param maxWait how long a job may wait for others to fill its batch, 0..1 s; a batch also
 *     starts as soon as a worker is free and nothing else is queued, so a lone request never waits
 * @param workers platform threads that run native model work, 1..64 (each call also uses the
 *     encoder's own native threads; on a small machine one worker is right)
 * @param maxActive requests whose loops run at once, 1..100000
 * @param queueCapacity requests admitted beyond {@code maxActive} that wait for a slot,
 *     0..100000; a request beyond that is rejected with {@link RejectedRequestException}
 */
public record SchedulerOptions(int maxBatch, Duration maxWait, int workers, int maxActive, int queueCapacity) {
    /** Validates. */
    public SchedulerOptions {
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxBatch < 1 || maxBatch > 256) throw new IllegalArgumentException("maxBatch must be in [1, 256], got " + maxBatch);
        if (maxWait.isNegative() || maxWait.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException("maxWait must be in [0, 1 s], got " + maxWait);
        }
        if (workers < 1 || workers > 64) throw new IllegalArgumentException("workers must be in [1, 64], got " + workers);
        if (maxActive < 1 || maxActive > 100_000) throw new IllegalArgumentException("maxActive must be in [1, 100000], got " + maxActive);
        if (queueCapacity < 0 || queueCapacity > 100_000) {
            throw new IllegalArgumentException("queueCapacity must be in [0, 100000], got " + queueCapacity);
        }
    }

    /** Batches of up to 16, 2 ms wait, one worker, 256 active requests, 256 more queued. */
    public static SchedulerOptions defaults() {
        return new SchedulerOptions(16, Duration.ofMillis(2), 1, 256, 256);
    }

    /** These options with another batch size. */
    public SchedulerOptions withMaxBatch(int n) {
        return new SchedulerOptions(n, maxWait, workers, maxActive, queueCapacity);
    }

    /** These options with another batch wait. */
    public SchedulerOptions withMaxWait(Duration d) {
        return new SchedulerOptions(maxBatch, d, workers, maxActive, queueCapacity);
    }

    /** These options with another worker count. */
    public SchedulerOptions withWorkers(int n) {
        return new SchedulerOptions(maxBatch, maxWait, n, maxActive, queueCapacity);
    }

    /** These options with other admission limits. */
    public SchedulerOptions withAdmission(int active, int queue) {
        return new SchedulerOptions(maxBatch, maxWait, workers, active, queue);
    }
}
