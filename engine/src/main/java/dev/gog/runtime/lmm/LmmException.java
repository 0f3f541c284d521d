package dev.gog.runtime.lmm;

/**
 * A call to the LMM server failed: a transport error, a time-out, a non-2xx status, a response
 * over the size cap or one that is not an OpenAI chat completion. The message names the
 * endpoint and, for an HTTP error, the status and a short excerpt of the body; it never contains
 * the API key or image data.
 */
public final class LmmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * An error without an HTTP status.
     *
     * @param message what went wrong
     * @param cause the underlying error, or null
     */
    public LmmException(String message, Throwable cause) {
        this(message, -1, cause);
    }

    /**
     * An error with an HTTP status.
     *
     * @param message what went wrong
     * @param status the HTTP status, or -1 when there was none
     * @param cause the underlying error, or null
     */
    public LmmException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status of the failed call, or -1 when the server did not answer with one. */
    public int status() {
        return status;
    }
}
