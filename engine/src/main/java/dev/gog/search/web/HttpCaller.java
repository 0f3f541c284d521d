package dev.gog.search.web;

import dev.gog.search.SearchException;
import dev.gog.search.SearchException.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP layer of one web search provider: GET requests with a per-attempt time-out, a capped
 * response body, retries with exponential backoff and full jitter on retryable failures only
 * (connection errors, time-outs, 429 honouring {@code Retry-After}, 5xx; never other 4xx), a
 * circuit breaker and a concurrency limit. Every failure surfaces as a {@link SearchException}
 * naming the provider and the request's display form; secrets listed in a {@link Request} are
 * masked in every message and log line. Cancelling a returned future aborts the in-flight
 * exchange, a pending backoff, or the wait for a concurrency permit. Thread-safe.
 */
public final class HttpCaller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpCaller.class);
    private static final String MASK = "***";
    private static final int EXCERPT_CHARS = 200;

    /** Waits without holding a thread: completes the returned future after the delay. */
    @FunctionalInterface
    public interface Sleeper {
        /**
         * A future completed after {@code delay}; cancelling it abandons the wait.
         *
         * @param delay how long to wait (not negative)
         * @return a new future owned by the caller
         */
        CompletableFuture<Void> sleep(Duration delay);

        /** The real sleeper, on {@link CompletableFuture#delayedExecutor}. */
        static Sleeper system() {
            return delay -> {
                CompletableFuture<Void> f = new CompletableFuture<>();
                CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS).execute(() -> f.complete(null));
                return f;
            };
        }
    }

    /**
     * Resilience settings of one provider.
     *
     * @param timeout per attempt, from sending to the last body byte (also the connect time-out)
     * @param maxBodyBytes a larger response body fails the call with BAD_RESPONSE
     * @param maxAttempts attempts per call, at least 1 (1 = no retry)
     * @param baseBackoff backoff cap before the second attempt; doubles per attempt
     * @param maxBackoff the backoff cap never grows past this
     * @param maxRetryAfter a longer {@code Retry-After} ends the call at once instead of waiting
     * @param failureThreshold consecutive failed attempts that open the circuit
     * @param openCooldown how long the circuit stays open before a trial attempt
     * @param maxConcurrent attempts in flight at once; further calls wait in order
     */
    public record Policy(Duration timeout, long maxBodyBytes, int maxAttempts, Duration baseBackoff, Duration maxBackoff,
                         Duration maxRetryAfter, int failureThreshold, Duration openCooldown, int maxConcurrent) {
        /**
         * Validates.
         *
         * @throws IllegalArgumentException on a non-positive count, size or time-out, or a negative duration
         */
        public Policy {
            positive(timeout, "timeout");
            nonNegative(baseBackoff, "baseBackoff");
            nonNegative(maxBackoff, "maxBackoff");
            nonNegative(maxRetryAfter, "maxRetryAfter");
            nonNegative(openCooldown, "openCooldown");
            if (maxBodyBytes < 1) throw new IllegalArgumentException("maxBodyBytes must be >= 1, got " + maxBodyBytes);
            if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
            if (failureThreshold < 1) throw new IllegalArgumentException("failureThreshold must be >= 1, got " + failureThreshold);
            if (maxConcurrent < 1) throw new IllegalArgumentException("maxConcurrent must be >= 1, got " + maxConcurrent);
        }

        /** 10 s time-out, 8 MiB bodies, 3 attempts, backoff 250 ms doubling to 8 s, Retry-After up to 30 s, 5 failures open the circuit for 30 s, 4 concurrent. */
        public static Policy defaults() {
            return new Policy(Duration.ofSeconds(10), 8L << 20, 3, Duration.ofMillis(250), Duration.ofSeconds(8),
                    Duration.ofSeconds(30), 5, Duration.ofSeconds(30), 4);
        }

        private static void positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(what + " must be positive, got " + d);
        }

        private static void nonNegative(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) throw new IllegalArgumentException(what + " must not be negative, got " + d);
        }
    }

    /**
     * One GET request.
     *
     * @param uri the full URI (may carry secrets in its query)
     * @param display how messages and logs name it: the URI with every secret masked (any secret left in it is masked here)
     * @param secrets strings masked in every message and log line (API keys)
     * @param headers extra request headers
     */
    public record Request(URI uri, String display, List<String> secrets, Map<String, String> headers) {
        /** Validates and copies. */
        public Request {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(display, "display");
            secrets = secrets.stream().filter(s -> s != null && !s.isEmpty()).toList();
            headers = Map.copyOf(headers);
            for (String s : secrets) display = display.replace(s, MASK); // a display form is never trusted to be clean
        }

        /**
         * A request without secrets or extra headers; displayed as its URI.
         *
         * @param uri the URI
         * @return the request
         */
        public static Request of(URI uri) {
            return new Request(uri, uri.toString(), List.of(), Map.of());
        }

        @Override
        public String toString() {
            return "Request[" + display + "]";
        }
    }

    private final String provider;
    private final Policy policy;
    private final InstantSource clock;
    private final Sleeper sleeper;
    private final RandomGenerator random;
    private final HttpClient http;
    private final CircuitBreaker breaker;
    private final AsyncLimiter limiter;

    /**
     * A caller with the real clock and sleeper.
     *
     * @param provider the provider's name (in messages and logs)
     * @param policy the settings
     */
    public HttpCaller(String provider, Policy policy) {
        this(provider, policy, InstantSource.system(), Sleeper.system(), RandomGenerator.getDefault());
    }

    /**
     * A caller with an injected clock (the circuit's cool-down, {@code Retry-After} dates), sleeper
     * (backoff waits) and random source (jitter), for tests.
     *
     * @param provider the provider's name (in messages and logs)
     * @param policy the settings
     * @param clock the clock
     * @param sleeper the sleeper
     * @param random the jitter source
     */
    public HttpCaller(String provider, Policy policy, InstantSource clock, Sleeper sleeper, RandomGenerator random) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.random = Objects.requireNonNull(random, "random");
        this.breaker = new CircuitBreaker(policy.failureThreshold(), policy.openCooldown(), clock);
        this.limiter = new AsyncLimiter(policy.maxConcurrent());
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(policy.timeout())
                .build();
    }

    /** The provider's name. */
    public String provider() {
        return provider;
    }

    /** The settings. */
    public Policy policy() {
        return policy;
    }

    /** Whether the circuit is open or half-open now (for diagnostics). */
    public boolean circuitOpen() {
        return breaker.state() != CircuitBreaker.State.CLOSED;
    }

    /**
     * Sends a GET, retrying as the policy says.
     *
     * @param request the request
     * @return a future of the 2xx response body (owned by the caller); it completes exceptionally
     *     with a {@link SearchException}: RETRYABLE when retries ran out, REJECTED on a 4xx other
     *     than 429, BAD_RESPONSE on a body over the cap or an unexpected status, CIRCUIT_OPEN when
     *     the circuit refused the attempt. Cancelling it aborts the exchange.
     */
    public CompletableFuture<byte[]> get(Request request) {
        Objects.requireNonNull(request, "request");
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        AtomicReference<CompletableFuture<?>> current = new AtomicReference<>();
        result.whenComplete((v, e) -> {
            if (result.isCancelled()) {
                CompletableFuture<?> c = current.get();
                if (c != null) c.cancel(true);
            }
        });
        attempt(request, 1, result, current);
        return result;
    }

    private void attempt(Request req, int n, CompletableFuture<byte[]> result, AtomicReference<CompletableFuture<?>> current) {
        if (result.isDone()) return;
        if (!breaker.tryAcquire()) {
            result.completeExceptionally(new SearchException(provider, Kind.CIRCUIT_OPEN,
                    "circuit open after repeated failures, not sending " + req.display(), null));
            return;
        }
        CompletableFuture<Void> permit = limiter.acquire();
        setCurrent(current, permit, result);
        permit.whenComplete((p, pe) -> {
            if (pe != null) { // cancelled while waiting: no permit was taken
                breaker.onAbandon();
                return;
            }
            if (result.isDone()) {
                limiter.release();
                breaker.onAbandon();
                return;
            }
            send(req, n, result, current);
        });
    }

    private void send(Request req, int n, CompletableFuture<byte[]> result, AtomicReference<CompletableFuture<?>> current) {
        HttpRequest.Builder b = HttpRequest.newBuilder(req.uri()).timeout(policy.timeout()).GET();
        b.header("Accept", "application/json");
        req.headers().forEach(b::header);
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> exchange;
        try {
            exchange = http.sendAsync(b.build(), info -> new CappedBody(policy.maxBodyBytes(),
                    info.headers().firstValueAsLong("Content-Length").orElse(-1)));
        } catch (RuntimeException e) { // a closed client, an illegal header
            limiter.release();
            breaker.onAbandon();
            result.completeExceptionally(new SearchException(provider, Kind.FAILED,
                    "cannot send " + req.display() + ": " + mask(String.valueOf(e.getMessage()), req), null));
            return;
        }
        // HttpRequest.timeout bounds the wait for the response headers; this deadline bounds the body too
        AtomicBoolean timedOut = new AtomicBoolean();
        CompletableFuture.delayedExecutor(policy.timeout().toNanos(), TimeUnit.NANOSECONDS).execute(() -> {
            if (!exchange.isDone()) {
                timedOut.set(true);
                exchange.cancel(true);
            }
        });
        setCurrent(current, exchange, result);
        exchange.whenComplete((resp, err) -> {
            limiter.release();
            if (result.isDone()) { // cancelled by the caller
                breaker.onAbandon();
                return;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            Failure f = classify(req, resp, err, timedOut.get());
            if (f == null) {
                breaker.onSuccess();
                LOG.debug("{}: {} -> {} in {} ms", provider, req.display(), resp.statusCode(), took.toMillis());
                result.complete(resp.body());
                return;
            }
            if (f.kind == Kind.REJECTED) {
                breaker.onSuccess(); // the server answered: it is healthy, the request is wrong
            } else if (breaker.onFailure()) {
                LOG.warn("{}: circuit opened after repeated failures; last: {}", provider, f.message);
            }
            if (f.kind == Kind.RETRYABLE && n < policy.maxAttempts()) {
                Duration delay;
                if (f.retryAfter != null) {
                    if (f.retryAfter.compareTo(policy.maxRetryAfter()) > 0) {
                        result.completeExceptionally(new SearchException(provider, Kind.RETRYABLE, f.message + "; Retry-After "
                                + f.retryAfter.toSeconds() + " s is over the limit of " + policy.maxRetryAfter().toSeconds()
                                + " s, not waiting", null));
                        return;
                    }
                    delay = f.retryAfter;
                } else {
                    delay = backoff(n);
                }
                LOG.debug("{}: attempt {} of {} failed ({}); retrying in {} ms", provider, n, policy.maxAttempts(), f.message,
                        delay.toMillis());
                CompletableFuture<Void> wait = sleeper.sleep(delay);
                setCurrent(current, wait, result);
                wait.thenRun(() -> attempt(req, n + 1, result, current));
                return;
            }
            String msg = f.kind == Kind.RETRYABLE && n > 1 ? f.message + " (after " + n + " attempts)" : f.message;
            result.completeExceptionally(new SearchException(provider, f.kind, msg, null));
        });
    }

    /** Publishes the step now in flight, so that a cancel reaches it; cancels it at once if the call is already cancelled. */
    private static void setCurrent(AtomicReference<CompletableFuture<?>> current, CompletableFuture<?> step,
                                   CompletableFuture<?> result) {
        current.set(step);
        if (result.isCancelled()) step.cancel(true);
    }

    /** Full jitter: uniform in [0, min(maxBackoff, baseBackoff * 2^(n-1))]. */
    Duration backoff(int n) {
        long base = policy.baseBackoff().toMillis();
        long cap = Math.min(policy.maxBackoff().toMillis(), n >= 62 ? Long.MAX_VALUE : base << Math.min(n - 1, 30));
        if (cap <= 0) return Duration.ZERO;
        return Duration.ofMillis(random.nextLong(cap + 1));
    }

    private record Failure(Kind kind, String message, Duration retryAfter) {}

    private Failure classify(Request req, HttpResponse<byte[]> resp, Throwable err, boolean timedOut) {
        if (err != null) {
            Throwable e = unwrap(err);
            if (timedOut || e instanceof HttpTimeoutException) {
                return new Failure(Kind.RETRYABLE, req.display() + " timed out after " + policy.timeout().toMillis() + " ms", null);
            }
            CappedBody.TooLargeException tooLarge = find(e, CappedBody.TooLargeException.class);
            if (tooLarge != null) {
                return new Failure(Kind.BAD_RESPONSE, req.display() + ": response body over the cap of " + policy.maxBodyBytes()
                        + " bytes", null);
            }
            if (e instanceof IOException) {
                return new Failure(Kind.RETRYABLE, req.display() + ": connection failed: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + mask(e.getMessage(), req)), null);
            }
            return new Failure(Kind.FAILED, req.display() + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + mask(e.getMessage(), req)), null);
        }
        int status = resp.statusCode();
        if (status >= 200 && status < 300) return null;
        String what = req.display() + " -> HTTP " + status + excerpt(resp.body(), req);
        if (status == 429 || status >= 500) {
            return new Failure(Kind.RETRYABLE, what, retryAfter(resp.headers()));
        }
        if (status >= 400) return new Failure(Kind.REJECTED, what, null);
        return new Failure(Kind.BAD_RESPONSE, what + " (unexpected status)", null);
    }

    /** {@code Retry-After} as delta-seconds or an HTTP date, or null when absent or unreadable. */
    private Duration retryAfter(HttpHeaders headers) {
        String v = headers.firstValue("Retry-After").orElse(null);
        if (v == null || v.isBlank()) return null;
        v = v.trim();
        try {
            long s = Long.parseLong(v);
            return s < 0 ? null : Duration.ofSeconds(s);
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration d = Duration.between(clock.instant(), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException e2) {
                LOG.debug("{}: unreadable Retry-After header '{}', using backoff", provider, v);
                return null;
            }
        }
    }

    private static String excerpt(byte[] body, Request req) {
        if (body == null || body.length == 0) return "";
        String s = new String(body, 0, Math.min(body.length, EXCERPT_CHARS * 4), StandardCharsets.UTF_8).strip();
        s = s.replaceAll("\\s+", " ");
        if (s.length() > EXCERPT_CHARS) s = s.substring(0, EXCERPT_CHARS) + "...";
        return ": " + mask(s, req);
    }

    /** Masks every secret of the request in {@code s}. */
    static String mask(String s, Request req) {
        for (String secret : req.secrets()) s = s.replace(secret, MASK);
        return s;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) t = t.getCause();
        return t;
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (int i = 0; t != null && i < 10; i++, t = t.getCause()) {
            if (type.isInstance(t)) return type.cast(t);
        }
        return null;
    }

    /** Shuts the HTTP client down, aborting exchanges in flight; idempotent. */
    @Override
    public void close() {
        http.shutdownNow();
    }

    @Override
    public String toString() {
        return "HttpCaller[" + provider + ", " + policy + "]";
    }

    /**
     * Maps a future's value and lets a cancel of the mapped future reach the source (which
     * {@link CompletableFuture#thenApply} alone does not do).
     */
    static <T, U> CompletableFuture<U> map(CompletableFuture<T> source, java.util.function.Function<? super T, ? extends U> fn) {
        CompletableFuture<U> out = source.thenApply(fn);
        out.whenComplete((v, e) -> {
            if (out.isCancelled()) source.cancel(true);
        });
        return out;
    }

    /** Like {@link #map} for a function returning a future; a cancel reaches whichever step is in flight. */
    static <T, U> CompletableFuture<U> compose(CompletableFuture<T> source,
                                              java.util.function.Function<? super T, ? extends CompletableFuture<U>> fn) {
        AtomicReference<CompletableFuture<U>> second = new AtomicReference<>();
        CompletableFuture<U> out = source.thenCompose(v -> {
            CompletableFuture<U> f = fn.apply(v);
            second.set(f);
            return f;
        });
        out.whenComplete((v, e) -> {
            if (out.isCancelled()) {
                source.cancel(true);
                CompletableFuture<U> f = second.get();
                if (f != null) f.cancel(true);
            }
        });
        return out;
    }

}
