package dev.gog.search.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body subscriber for the JDK's {@link java.net.http.HttpClient} that collects the
 * body up to a cap: a larger {@code Content-Length}, or more bytes than the cap as they stream in,
 * cancels the stream and fails the body with {@link TooLargeException}. Used by every HTTP client
 * of the engine (search APIs, the LMM endpoint). One instance per response; not reusable.
 */
public final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
    /** The body was over the cap. */
    public static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException(long cap) {
            super("response body over " + cap + " bytes");
        }
    }

    private final long cap;
    private final long declared;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private Flow.Subscription subscription;
    private long size;

    /**
     * A subscriber for one response.
     *
     * @param cap the most bytes accepted
     * @param declared the response's Content-Length, or -1 when unknown
     */
    public CappedBody(long cap, long declared) {
        this.cap = cap;
        this.declared = declared;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (declared > cap) {
            s.cancel();
            body.completeExceptionally(new TooLargeException(cap));
            return;
        }
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (body.isDone()) return;
        for (ByteBuffer bb : items) {
            size += bb.remaining();
            if (size > cap) {
                subscription.cancel();
                body.completeExceptionally(new TooLargeException(cap));
                return;
            }
            byte[] chunk = new byte[bb.remaining()];
            bb.get(chunk);
            buf.writeBytes(chunk);
        }
    }

    @Override
    public void onError(Throwable t) {
        body.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        body.complete(buf.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return body;
    }
}
