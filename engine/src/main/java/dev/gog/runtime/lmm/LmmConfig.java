package dev.gog.runtime.lmm;

import dev.gog.gaze.BoxFrame;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of an {@link LmmPolicy}. Immutable; {@link #toString()} never shows the API key.
 *
 * @param baseUrl the OpenAI-compatible API's base URL, ending in {@code /v1} (e.g.
 *     {@code http://localhost:8000/v1}); requests go to {@code {baseUrl}/chat/completions}
 * @param model the served model's name (e.g. {@code Edwinzz/GoG-RL-Qwen2.5-7B})
 * @param apiKey the API key, or null to read it from the environment variable {@code apiKeyEnv}
 *     (no key at all: no {@code Authorization} header)
 * @param apiKeyEnv the environment variable holding the key when {@code apiKey} is null
 *     (default {@value #DEFAULT_API_KEY_ENV})
 * @param profile the action format ({@link ActionProfiles#byName})
 * @param boxFrame the frame the model writes boxes in; the image is sent resized to
 *     {@link dev.gog.gaze.BoxFrames#sentSize} of it (default {@link BoxFrame#qwen25Vl()})
 * @param maxTokens {@code max_tokens} of every request, 1..1048576 (default 1024)
 * @param temperature sampling temperature, 0..2 (default 0)
 * @param timeout the limit of one HTTP call (default 60 s); the effective limit is also bounded
 *     by the request's time left
 * @param extraStop stop sequences sent in addition to the profile's
 * @param maxResponseBytes cap on a response body (default 4 MiB)
 */
public record LmmConfig(URI baseUrl, String model, String apiKey, String apiKeyEnv, ActionProfile profile,
                        BoxFrame boxFrame, int maxTokens, double temperature, Duration timeout, List<String> extraStop,
                        long maxResponseBytes) {
    /** The default environment variable for the API key. */
    public static final String DEFAULT_API_KEY_ENV = "GOG_LMM_API_KEY";
    /** The default {@code max_tokens}. */
    public static final int DEFAULT_MAX_TOKENS = 1024;
    /** The default per-call time-out. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if the URL is not absolute http(s), the model or the
     *     variable name is blank, a limit is out of range, or a stop sequence is empty
     * @throws NullPointerException if a field other than {@code apiKey} is null
     */
    public LmmConfig {
        Objects.requireNonNull(baseUrl, "baseUrl");
        ChatClient.endpoint(baseUrl); // validates
        Objects.requireNonNull(model, "model");
        if (model.isBlank()) throw new IllegalArgumentException("LMM model name must not be blank");
        Objects.requireNonNull(apiKeyEnv, "apiKeyEnv");
        if (apiKeyEnv.isBlank()) throw new IllegalArgumentException("apiKeyEnv must not be blank");
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(boxFrame, "boxFrame");
        if (maxTokens < 1 || maxTokens > (1 << 20)) throw new IllegalArgumentException("maxTokens must be in [1, 1048576], got " + maxTokens);
        if (!(temperature >= 0 && temperature <= 2)) throw new IllegalArgumentException("temperature must be in [0, 2], got " + temperature);
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        extraStop = List.copyOf(extraStop);
        for (String s : extraStop) if (s.isEmpty()) throw new IllegalArgumentException("stop sequences must not be empty");
        if (maxResponseBytes < 1) throw new IllegalArgumentException("maxResponseBytes must be >= 1, got " + maxResponseBytes);
    }

    /**
     * The defaults for a server and model: key from {@value #DEFAULT_API_KEY_ENV}, the
     * {@code tools} profile, the Qwen2.5-VL box frame, 1024 max tokens, temperature 0, 60 s
     * per call, no extra stop sequences, 4 MiB responses.
     *
     * @throws IllegalArgumentException as the constructor
     */
    public static LmmConfig defaults(URI baseUrl, String model) {
        return new LmmConfig(baseUrl, model, null, DEFAULT_API_KEY_ENV, ActionProfiles.defaultProfile(), BoxFrame.qwen25Vl(),
                DEFAULT_MAX_TOKENS, 0.0, DEFAULT_TIMEOUT, List.of(), ChatClient.DEFAULT_MAX_RESPONSE_BYTES);
    }

    /** The key to send: {@code apiKey}, else the environment variable's value; null when neither is set. */
    public String resolveApiKey() {
        if (apiKey != null) return apiKey.isBlank() ? null : apiKey;
        String v = System.getenv(apiKeyEnv);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** With this API key (null: read {@code apiKeyEnv}). */
    public LmmConfig withApiKey(String key) {
        return new LmmConfig(baseUrl, model, key, apiKeyEnv, profile, boxFrame, maxTokens, temperature, timeout, extraStop, maxResponseBytes);
    }

    /** With the key read from this environment variable. */
    public LmmConfig withApiKeyEnv(String env) {
        return new LmmConfig(baseUrl, model, apiKey, env, profile, boxFrame, maxTokens, temperature, timeout, extraStop, maxResponseBytes);
    }

    /** With this action profile. */
    public LmmConfig withProfile(ActionProfile p) {
        return new LmmConfig(baseUrl, model, apiKey, apiKeyEnv, p, boxFrame, maxTokens, temperature, timeout, extraStop, maxResponseBytes);
    }

    /** With this box frame (and hence sent image size). */
    public LmmConfig withBoxFrame(BoxFrame f) {
        return new LmmConfig(baseUrl, model, apiKey, apiKeyEnv, profile, f, maxTokens, temperature, timeout, extraStop, maxResponseBytes);
    }

    /** With this {@code max_tokens}. */
    public LmmConfig withMaxTokens(int n) {
        return new LmmConfig(baseUrl, model, apiKey, apiKeyEnv, profile, boxFrame, n, temperature, timeout, extraStop, maxResponseBytes);
    }

    /** With this temperature. */
    public LmmConfig withTemperature(double t) {
        return new LmmConfig(baseUrl, model, apiKey, apiKeyEnv, profile, boxFrame, maxTokens, t, timeout, extraStop, maxResponseBytes);
    }

    /** With this per-call time-out. */
    public LmmConfig withTimeout(Duration d) {
        return new LmmConfig(baseUrl, model, apiKey, apiKeyEnv, profile, boxFrame, maxTokens, temperature, d, extraStop, maxResponseBytes);
    }

    /** With these extra stop sequences. */
    public LmmConfig withExtraStop(List<String> stops) {
        return new LmmConfig(baseUrl, model, apiKey, apiKeyEnv, profile, boxFrame, maxTokens, temperature, timeout, stops, maxResponseBytes);
    }

    /** With this response size cap. */
    public LmmConfig withMaxResponseBytes(long n) {
        return new LmmConfig(baseUrl, model, apiKey, apiKeyEnv, profile, boxFrame, maxTokens, temperature, timeout, extraStop, n);
    }

    /** Every field but the API key, which shows as {@code ***} when set. */
    @Override
    public String toString() {
        return "LmmConfig[baseUrl=" + baseUrl + ", model=" + model + ", apiKey=" + (apiKey == null ? "null" : "***")
                + ", apiKeyEnv=" + apiKeyEnv + ", profile=" + profile.name() + ", boxFrame=" + boxFrame.name()
                + ", maxTokens=" + maxTokens + ", temperature=" + temperature + ", timeout=" + timeout + ", extraStop="
                + extraStop + ", maxResponseBytes=" + maxResponseBytes + "]";
    }
}
