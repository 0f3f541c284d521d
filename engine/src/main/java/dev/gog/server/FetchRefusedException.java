package dev.gog.server;

import java.util.Objects;

/**
 * {@link ImageFetcher} did not return an image for a URL: the guard refused it (scheme, address,
 * redirects, size, content type) or the download failed. The message says why in one line and is
 * safe to show to the client that sent the URL; the server answers HTTP 422 with it.
 */
public final class FetchRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a fetch was refused. */
    public enum Reason {
        /** The URL does not parse, has no host, or names a host ambiguously. */
        BAD_URL,
        /** The scheme is not {@code http} or {@code https}. */
        SCHEME,
        /** The host is, or resolves only to, a loopback, private, link-local or otherwise non-public address. */
        BLOCKED_ADDRESS,
        /** The host name does not resolve. */
        UNKNOWN_HOST,
        /** More redirects than allowed, or a redirect without a usable {@code Location}. */
        REDIRECTS,
        /** The body is larger than allowed (by {@code Content-Length} or as counted). */
        TOO_LARGE,
        /** The response is not {@code image/*} or {@code application/octet-stream}. */
        CONTENT_TYPE,
        /** The server answered with a status other than 2xx or a redirect. */
        HTTP_STATUS,
        /** Connecting, reading or the whole fetch took longer than allowed. */
        TIMEOUT,
        /** Any other network failure. */
        NETWORK
    }

    private final Reason reason;

    /**
     * Creates the exception.
     *
     * @param reason why
     * @param message a one-line explanation for the client
     */
    public FetchRefusedException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Creates the exception for a failure with an underlying cause.
     *
     * @param reason why
     * @param message a one-line explanation for the client
     * @param cause the underlying failure
     */
    public FetchRefusedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the fetch was refused; never null. */
    public Reason reason() {
        return reason;
    }
}
