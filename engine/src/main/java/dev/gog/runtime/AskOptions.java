package dev.gog.runtime;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-request budgets and settings.
 *
 * @param maxTurns policy turns at most, 1..64 (the answering turn included)
 * @param maxSearches search calls at most, 0..256
 * @param deadline the request's wall-time limit from admission (queueing included), 1 ms..1 h
 * @param topK results asked of each search, 1..100
 */
public record AskOptions(int maxTurns, int maxSearches, Duration deadline, int topK) {
    /** Default turns: a glance, two gazes, a text search, a reflection and the answer. */
    public static final int DEFAULT_MAX_TURNS = 6;
    /** Default search budget. */
    public static final int DEFAULT_MAX_SEARCHES = 8;
    /** Default deadline. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);
    /** Default results per search. */
    public static final int DEFAULT_TOP_K = 5;

    /** Validates. */
    public AskOptions {
        Objects.requireNonNull(deadline, "deadline");
        if (maxTurns < 1 || maxTurns > 64) throw new IllegalArgumentException("maxTurns must be in [1, 64], got " + maxTurns);
        if (maxSearches < 0 || maxSearches > 256) throw new IllegalArgumentException("maxSearches must be in [0, 256], got " + maxSearches);
        if (deadline.compareTo(Duration.ofMillis(1)) < 0 || deadline.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("deadline must be in [1 ms, 1 h], got " + deadline);
        }
        if (topK < 1 || topK > 100) throw new IllegalArgumentException("topK must be in [1, 100], got " + topK);
    }

    /** 6 turns, 8 searches, 60 s, 5 results per search. */
    public static AskOptions defaults() {
        return new AskOptions(DEFAULT_MAX_TURNS, DEFAULT_MAX_SEARCHES, DEFAULT_DEADLINE, DEFAULT_TOP_K);
    }

    /** These options with another turn budget. */
    public AskOptions withMaxTurns(int n) {
        return new AskOptions(n, maxSearches, deadline, topK);
    }

    /** These options with another search budget. */
    public AskOptions withMaxSearches(int n) {
        return new AskOptions(maxTurns, n, deadline, topK);
    }

    /** These options with another deadline. */
    public AskOptions withDeadline(Duration d) {
        return new AskOptions(maxTurns, maxSearches, d, topK);
    }

    /** These options with another result count. */
    public AskOptions withTopK(int k) {
        return new AskOptions(maxTurns, maxSearches, deadline, k);
    }
}
