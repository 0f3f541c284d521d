package dev.gog.runtime;

import java.time.Duration;
import java.time.Instant;

/**
 * What a request may still spend.
 *
 * @param turnsLeft policy turns left (the turn being decided included)
 * @param searchesLeft search calls left
 * @param deadline when the request must end
 */
public record Budget(int turnsLeft, int searchesLeft, Instant deadline) {
    /** Time left before the deadline (zero when past). */
    public Duration timeLeft() {
        Duration d = Duration.between(Instant.now(), deadline);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** True when this turn is the last one the policy gets: it should answer. */
    public boolean lastTurn() {
        return turnsLeft <= 1 || searchesLeft <= 0;
    }
}
