package dev.gog.runtime.lmm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gog.runtime.Action;
import dev.gog.runtime.ActionType;
import dev.gog.runtime.Budget;
import dev.gog.runtime.Policy;
import dev.gog.runtime.PolicyContext;
import dev.gog.runtime.PolicyTurn;
import dev.gog.runtime.Step;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Policy} backed by a large multimodal model behind any OpenAI-compatible chat
 * completions endpoint (vLLM or SGLang serving e.g. {@code Edwinzz/GoG-RL-Qwen2.5-7B} or a Qwen-VL
 * model). The wire format of actions and results is an {@link ActionProfile}.
 *
 * <p>Each turn: the image is fetched resized to what the model sees
 * ({@link dev.gog.gaze.BoxFrames#sentSize} of the configured frame), together with the crops of
 * past gazes; the whole conversation is rebuilt from {@link PolicyContext#history()} (the policy
 * keeps no per-request state, so one instance serves every request concurrently); one chat
 * completion is requested with {@code max_tokens}, the temperature and the stop sequences; its
 * actions are read by the profile, with boxes mapped back to original pixels.
 *
 * <p>A reply that is unusable (no parsable action, bad arguments, a degenerate box, an answer
 * next to other actions, output cut by {@code max_tokens}) gets one repair retry with a short
 * corrective message; a second failure ends the turn with {@link PolicyTurn#failed}. On the
 * request's last turn ({@link Budget#lastTurn()}) the model is told to answer now, and a reply
 * that still does not answer is treated the same way. A failed HTTP call (time-out, non-2xx,
 * unreadable response) also ends the turn with {@link PolicyTurn#failed}, without retry. The
 * time-out of each call is the smaller of the configured one and the request's time left.
 *
 * <p>Timings: {@code encode_image} (getting the JPEGs) and {@code lmm} (the HTTP calls, both
 * attempts together). The rationale is the model's reasoning text, cut to 2000 characters.
 * Cancelling a returned future aborts the HTTP exchange in flight. Logs sizes at DEBUG, never the
 * API key or image data. Thread-safe.
 */
public final class LmmPolicy implements Policy {
    private static final Logger LOG = LoggerFactory.getLogger(LmmPolicy.class);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** The rationale is cut to this many characters. */
    public static final int MAX_RATIONALE_CHARS = 2000;

    private final LmmConfig config;
    private final ChatClient client;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * A policy with its own HTTP client.
     *
     * @param config the settings (the API key is resolved now)
     * @throws NullPointerException if {@code config} is null
     */
    public LmmPolicy(LmmConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        Duration connect = config.timeout().compareTo(Duration.ofSeconds(10)) < 0 ? config.timeout() : Duration.ofSeconds(10);
        this.client = new ChatClient(config.baseUrl(), config.resolveApiKey(), config.maxResponseBytes(), connect);
        LOG.info("LMM policy: {} at {} ({} profile, {} box frame{})", config.model(), client.endpoint(),
                config.profile().name(), config.boxFrame().name(), client.hasApiKey() ? ", with API key" : "");
    }

    @Override
    public String name() {
        return "lmm";
    }

    /** The settings. */
    public LmmConfig config() {
        return config;
    }

    /**
     * {@inheritDoc}
     *
     * @return a future owned by the caller; it completes with the turn's actions, or with
     *     {@link PolicyTurn#failed} (malformed output twice, an HTTP failure, an image that could
     *     not be encoded, no time left); it completes exceptionally only with an
     *     {@link IllegalStateException} after {@link #close()}. Cancelling it aborts the HTTP call.
     * @throws NullPointerException if {@code context} is null
     */
    @Override
    public CompletableFuture<PolicyTurn> next(PolicyContext context) {
        Objects.requireNonNull(context, "context");
        if (closed.get()) return CompletableFuture.failedFuture(new IllegalStateException("the LMM policy is closed"));
        Turn t = new Turn(context);
        t.start();
        return t.result;
    }

    /** Closes the HTTP client, aborting calls in flight; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) client.close();
    }

    @Override
    public String toString() {
        return "LmmPolicy[" + config + "]";
    }

    /** One call of {@link #next}: its future, the step in flight (for cancelling) and the timings. */
    private final class Turn {
        final PolicyContext ctx;
        final CompletableFuture<PolicyTurn> result = new CompletableFuture<>();
        final AtomicReference<CompletableFuture<?>> current = new AtomicReference<>();
        volatile double encodeMs;
        volatile long lmmNanos;
        ImageFrame frame;
        ParseContext parseContext;

        Turn(PolicyContext ctx) {
            this.ctx = ctx;
            result.whenComplete((v, e) -> {
                if (result.isCancelled()) {
                    CompletableFuture<?> c = current.get();
                    if (c != null) c.cancel(true);
                }
            });
        }

        void start() {
            List<Step> history;
            try {
                frame = ImageFrame.of(config.boxFrame(), ctx.imageWidth(), ctx.imageHeight());
                history = ctx.history();
            } catch (IllegalArgumentException e) {
                fail("cannot send the " + ctx.imageWidth() + "x" + ctx.imageHeight() + " image in box frame "
                        + config.boxFrame().name() + ": " + e.getMessage());
                return;
            }
            boolean priorGaze = history.stream().anyMatch(s -> s.action() == ActionType.GAZE || s.action() == ActionType.REFLECT);
            parseContext = new ParseContext(frame, priorGaze);
            long t0 = System.nanoTime();
            CompletableFuture<byte[]> image;
            List<CompletableFuture<byte[]>> crops = new ArrayList<>(history.size());
            try {
                image = ctx.imageJpeg(frame.sentWidth(), frame.sentHeight());
            } catch (RuntimeException e) {
                fail("cannot encode the image for the LMM: " + e.getMessage());
                return;
            }
            for (Step s : history) crops.add(crop(s));
            List<CompletableFuture<?>> all = new ArrayList<>(crops);
            all.add(image);
            result.whenComplete((v, e) -> {
                if (result.isCancelled()) all.forEach(c -> c.cancel(true));
            });
            CompletableFuture<Void> fetch = CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
            if (!track(fetch)) {
                image.cancel(true);
                crops.forEach(c -> c.cancel(true));
                return;
            }
            fetch.whenComplete((v, e) -> {
                encodeMs = ms(System.nanoTime() - t0);
                if (result.isDone()) return;
                byte[] jpeg;
                try {
                    jpeg = image.join();
                } catch (RuntimeException ex) {
                    fail("cannot encode the image for the LMM: " + message(ex));
                    return;
                }
                List<ObjectNode> messages;
                try {
                    messages = conversation(history, jpeg, crops.stream().map(c -> c.getNow(null)).toList());
                } catch (RuntimeException ex) {
                    fail("cannot build the LMM conversation: " + message(ex));
                    return;
                }
                call(messages, null);
            });
        }

        /** The crop of a gaze step (null on failure: the conversation goes on without it); a done null future otherwise. */
        private CompletableFuture<byte[]> crop(Step s) {
            if ((s.action() != ActionType.GAZE && s.action() != ActionType.REFLECT) || s.boxes().isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            try {
                return ctx.cropJpeg(s.boxes().getFirst()).exceptionally(e -> {
                    LOG.debug("{}: no crop for step {} ({}); replaying it without the image", ctx.requestId(), s.index(), message(e));
                    return null;
                });
            } catch (RuntimeException e) {
                LOG.debug("{}: no crop for step {} ({}); replaying it without the image", ctx.requestId(), s.index(), e.getMessage());
                return CompletableFuture.completedFuture(null);
            }
        }

        private List<ObjectNode> conversation(List<Step> history, byte[] jpeg, List<byte[]> crops) {
            ActionProfile p = config.profile();
            List<ObjectNode> messages = new ArrayList<>();
            messages.add(ChatMessages.message("system", p.systemPrompt()));
            messages.add(p.firstUserMessage(ctx.question(), frame, ChatMessages.jpegDataUrl(jpeg)));
            Map<Integer, List<Integer>> byTurn = new LinkedHashMap<>();
            for (int i = 0; i < history.size(); i++) byTurn.computeIfAbsent(history.get(i).turn(), k -> new ArrayList<>()).add(i);
            for (Map.Entry<Integer, List<Integer>> e : byTurn.entrySet()) {
                List<Step> steps = e.getValue().stream().map(history::get).toList();
                List<byte[]> cs = new ArrayList<>();
                for (int i : e.getValue()) cs.add(crops.get(i));
                messages.addAll(p.renderTurn(new PastTurn(e.getKey(), steps, cs, frame)));
            }
            if (ctx.budget().lastTurn()) messages.add(ChatMessages.message("user", p.mustAnswerNote()));
            return messages;
        }

        /** One chat completion; {@code firstError} is null on the first attempt, the first attempt's problem on the repair. */
        private void call(List<ObjectNode> messages, String firstError) {
            if (result.isDone()) return;
            if (ctx.cancelled()) {
                fail("the request was cancelled or passed its deadline before the LMM call");
                return;
            }
            Duration left = ctx.budget().timeLeft();
            Duration timeout = left.compareTo(config.timeout()) < 0 ? left : config.timeout();
            if (timeout.toMillis() < 1) {
                fail("no time left before the request's deadline for the LMM call");
                return;
            }
            ObjectNode body = body(messages);
            long t0 = System.nanoTime();
            CompletableFuture<ChatResponse> f = client.complete(body, timeout);
            if (!track(f)) {
                f.cancel(true);
                return;
            }
            String attempt = firstError == null ? "" : " (repair retry)";
            f.whenComplete((r, e) -> {
                lmmNanos += System.nanoTime() - t0;
                if (result.isDone()) return;
                if (e != null) {
                    fail(message(e) + attempt);
                    return;
                }
                LOG.debug("{}: LMM reply{}: finish_reason={}, {} bytes, {} content chars, {} tool calls, tokens {}/{}",
                        ctx.requestId(), attempt, r.finishReason(), r.bytes(), r.content() == null ? 0 : r.content().length(),
                        r.toolCalls().size(), r.promptTokens(), r.completionTokens());
                ParseResult parsed;
                try {
                    parsed = validate(config.profile().parse(r, parseContext));
                } catch (RuntimeException ex) { // a profile bug: report it rather than hang the request
                    parsed = new ParseResult.Malformed("the reply could not be read: " + ex, null);
                }
                switch (parsed) {
                    case ParseResult.Parsed ok -> result.complete(new PolicyTurn(ok.actions(), rationale(ok.rationale()), null,
                            timings()));
                    case ParseResult.Malformed bad when firstError == null -> {
                        LOG.debug("{}: malformed LMM reply ({}); asking once more", ctx.requestId(), bad.reason());
                        List<ObjectNode> retry = new ArrayList<>(messages);
                        retry.add(config.profile().echo(r));
                        retry.add(ChatMessages.message("user", corrective(bad.reason())));
                        call(retry, bad.reason());
                    }
                    case ParseResult.Malformed bad -> fail("the LMM's output was malformed twice: first " + firstError
                            + "; then " + bad.reason());
                }
            });
        }

        private String corrective(String reason) {
            ActionProfile p = config.profile();
            String s = "Your last reply could not be used: " + reason + ". " + p.formatReminder();
            return ctx.budget().lastTurn() ? s + " " + p.mustAnswerNote() : s;
        }

        /** Checks what every profile must respect: an answer alone, and an answer on the last turn. */
        private ParseResult validate(ParseResult r) {
            if (!(r instanceof ParseResult.Parsed p)) return r;
            List<Action> as = p.actions();
            boolean answer = as.stream().anyMatch(a -> a instanceof Action.Answer);
            if (answer && as.size() > 1) {
                return new ParseResult.Malformed("an answer must be the only action of its message, got "
                        + as.stream().map(a -> a.type().wireName()).collect(Collectors.joining(" + ")), p.rationale());
            }
            if (!answer && ctx.budget().lastTurn()) {
                return new ParseResult.Malformed("this is the last turn and the model must answer, but it asked for "
                        + as.stream().map(a -> a.type().wireName()).collect(Collectors.joining(" + ")), p.rationale());
            }
            return r;
        }

        private ObjectNode body(List<ObjectNode> messages) {
            ObjectNode b = F.objectNode();
            b.put("model", config.model());
            ArrayNode ms = b.putArray("messages");
            messages.forEach(ms::add);
            b.put("max_tokens", config.maxTokens());
            b.put("temperature", config.temperature());
            LinkedHashSet<String> stops = new LinkedHashSet<>(config.profile().stopSequences());
            stops.addAll(config.extraStop());
            if (!stops.isEmpty()) {
                ArrayNode st = b.putArray("stop");
                stops.forEach(st::add);
            }
            ArrayNode tools = config.profile().tools();
            if (tools != null && !tools.isEmpty()) b.set("tools", tools);
            return b;
        }

        /** Publishes the step in flight; false (and nothing published) when the turn is already over. */
        private boolean track(CompletableFuture<?> step) {
            current.set(step);
            return !result.isDone();
        }

        private void fail(String error) {
            if (result.isDone()) return;
            LOG.warn("{}: LMM policy turn failed: {}", ctx.requestId(), error);
            result.complete(PolicyTurn.failed(error, timings()));
        }

        private Map<String, Double> timings() {
            Map<String, Double> t = new LinkedHashMap<>();
            t.put("encode_image", encodeMs);
            t.put("lmm", ms(lmmNanos));
            return t;
        }
    }

    private static String rationale(String s) {
        if (s == null) return null;
        s = s.strip();
        return s.isEmpty() ? null : ChatMessages.cut(s, MAX_RATIONALE_CHARS);
    }

    private static double ms(long nanos) {
        return nanos / (double) TimeUnit.MILLISECONDS.toNanos(1);
    }

    private static String message(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) e = e.getCause();
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
