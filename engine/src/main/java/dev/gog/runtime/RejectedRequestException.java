package dev.gog.runtime;

/**
 * The engine refused a request at admission: its queue is full ({@link Reason#OVERLOADED}) or it
 * is closed ({@link Reason#CLOSED}). Nothing was started; the caller may retry later (the server
 * answers 503 with {@code Retry-After}).
 */
public final class RejectedRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why. */
    public enum Reason {
        /** The admission queue is full. */
        OVERLOADED,
        /** The engine is closed or closing. */
        CLOSED
    }

    private final Reason reason;

    /**
     * Creates the exception.
     *
     * @param reason why
     * @param message a one-line explanation
     */
    public RejectedRequestException(Reason reason, String message) {
        super(message);
        this.reason = java.util.Objects.requireNonNull(reason, "reason");
    }

    /** Why the request was refused. */
    public Reason reason() {
        return reason;
    }
}
