package dev.gog.runtime;

import dev.gog.gaze.Gaze;
import dev.gog.model.Encoder;
import dev.gog.search.ModelKey;
import dev.gog.search.SearchProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a {@link GogEngine} is built from: the model, the policy, the search providers, the
 * default budgets, the scheduler, the Selective Gaze settings and the metrics registry. Build with
 * {@link #builder()}; immutable.
 *
 * <p>Ownership: an encoder, policy or provider passed in is closed by the engine only when its
 * {@code owned} flag says so; a model given as a directory is loaded and owned by the engine.
 */
public final class GogConfig {
    final Path modelDir;
    final Encoder.Options encoderOptions;
    final Encoder encoder;
    final boolean ownsEncoder;
    final Policy policy;
    final boolean ownsPolicy;
    final SearchProvider imageSearch;
    final SearchProvider textSearch;
    final boolean ownsProviders;
    final ModelKey queryModel;
    final AskOptions defaults;
    final SchedulerOptions scheduler;
    final Gaze.Options gaze;
    final MeterRegistry meters;

    private GogConfig(Builder b) {
        if (b.encoder == null && b.modelDir == null) throw new IllegalArgumentException("no model: set model(dir) or encoder(...)");
        this.modelDir = b.modelDir;
        this.encoderOptions = b.encoderOptions;
        this.encoder = b.encoder;
        this.ownsEncoder = b.ownsEncoder;
        this.policy = b.policy;
        this.ownsPolicy = b.ownsPolicy;
        this.imageSearch = b.imageSearch;
        this.textSearch = b.textSearch;
        this.ownsProviders = b.ownsProviders;
        this.queryModel = b.queryModel;
        this.defaults = b.defaults;
        this.scheduler = b.scheduler;
        this.gaze = b.gaze;
        this.meters = b.meters != null ? b.meters : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /** A builder with the defaults: built-in policy, no providers, default budgets and scheduler. */
    public static Builder builder() {
        return new Builder();
    }

    /** The default budgets of a request. */
    public AskOptions defaults() {
        return defaults;
    }

    /** The scheduler settings. */
    public SchedulerOptions scheduler() {
        return scheduler;
    }

    /** Builds a {@link GogConfig}. Not thread-safe. */
    public static final class Builder {
        private Path modelDir;
        private Encoder.Options encoderOptions = Encoder.Options.defaults();
        private Encoder encoder;
        private boolean ownsEncoder;
        private Policy policy;
        private boolean ownsPolicy = true;
        private SearchProvider imageSearch;
        private SearchProvider textSearch;
        private boolean ownsProviders;
        private ModelKey queryModel;
        private AskOptions defaults = AskOptions.defaults();
        private SchedulerOptions scheduler = SchedulerOptions.defaults();
        private Gaze.Options gaze = Gaze.Options.defaults().withJpegQuality(0);
        private MeterRegistry meters;

        private Builder() {}

        /** Loads the CLIP or SigLIP checkpoint in {@code dir} with {@code options}; the engine owns it. */
        public Builder model(Path dir, Encoder.Options options) {
            this.modelDir = Objects.requireNonNull(dir, "dir");
            this.encoderOptions = Objects.requireNonNull(options, "options");
            this.encoder = null;
            return this;
        }

        /** Uses a loaded encoder; {@code owned}: the engine closes it. */
        public Builder encoder(Encoder encoder, boolean owned) {
            this.encoder = Objects.requireNonNull(encoder, "encoder");
            this.ownsEncoder = owned;
            this.modelDir = null;
            return this;
        }

        /** The policy (default: a {@link BuiltinPolicy} with its defaults); {@code owned}: the engine closes it. */
        public Builder policy(Policy policy, boolean owned) {
            this.policy = Objects.requireNonNull(policy, "policy");
            this.ownsPolicy = owned;
            return this;
        }

        /**
         * The search providers: {@code image} serves glances and gazes (by embedding, by JPEG bytes,
         * whichever it can), {@code text} serves text searches; either may be null (the step then
         * fails with a clear error in the trace) and both may be the same provider.
         * {@code owned}: the engine closes them.
         */
        public Builder providers(SearchProvider image, SearchProvider text, boolean owned) {
            this.imageSearch = image;
            this.textSearch = text;
            this.ownsProviders = owned;
            return this;
        }

        /**
         * The model key sent with embedding queries. Default: the index's key when the image
         * provider is an embedded index, else one made from the model directory.
         */
        public Builder queryModel(ModelKey key) {
            this.queryModel = key;
            return this;
        }

        /** Default budgets of a request. */
        public Builder defaults(AskOptions options) {
            this.defaults = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Scheduler and admission settings. */
        public Builder scheduler(SchedulerOptions options) {
            this.scheduler = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Selective Gaze settings (scoring, decision, cell budget). */
        public Builder gaze(Gaze.Options options) {
            this.gaze = Objects.requireNonNull(options, "options");
            return this;
        }

        /** The metrics registry (default: a new Prometheus registry, scraped by {@code GET /metrics}). */
        public Builder meters(MeterRegistry registry) {
            this.meters = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * The config.
         *
         * @throws IllegalArgumentException if no model was given
         */
        public GogConfig build() {
            return new GogConfig(this);
        }
    }
}
