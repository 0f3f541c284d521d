package dev.gog.cli;

import dev.gog.bindings.CpuIsa;
import dev.gog.hub.ModelLocator;
import dev.gog.model.Backend;
import dev.gog.model.Encoder;
import dev.gog.model.Precision;
import dev.gog.runtime.AskOptions;
import dev.gog.runtime.BuiltinPolicy;
import dev.gog.runtime.GogConfig;
import dev.gog.runtime.GogEngine;
import dev.gog.runtime.Policy;
import dev.gog.runtime.SchedulerOptions;
import dev.gog.gaze.BoxFrame;
import dev.gog.runtime.lmm.ActionProfiles;
import dev.gog.runtime.lmm.LmmConfig;
import dev.gog.runtime.lmm.LmmPolicy;
import dev.gog.search.CachingProvider;
import dev.gog.search.ModelKey;
import dev.gog.search.ResultCache;
import dev.gog.search.SearchException;
import dev.gog.search.SearchProvider;
import dev.gog.search.index.EmbeddedSearchProvider;
import dev.gog.search.index.LuceneIndex;
import dev.gog.search.web.HttpCaller;
import dev.gog.search.web.SearxngProvider;
import dev.gog.search.web.SerpApiProvider;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options that build a {@link GogEngine}, shared by {@code gog ask} and {@code gog serve}:
 * model, search providers, policy, budgets and scheduler.
 */
final class EngineOptions {
    @Option(names = "--model", paramLabel = "DIR_OR_REPO_ID",
            description = "A model directory or a cached repo id (default: the model the --index was built with).")
    String model;

    @Option(names = "--revision", paramLabel = "R", description = "Revision of a cached repo id (default: main).")
    String revision;

    @Option(names = "--index", paramLabel = "DIR",
            description = "An embedded index (gog index): serves image search (glance, gaze) and BM25 text search.")
    Path index;

    @Option(names = "--searxng", paramLabel = "URL", description = "A SearXNG endpoint for text search (replaces the index's).")
    URI searxng;

    @Option(names = "--serpapi", description = "SerpAPI (key in SERPAPI_API_KEY) for Google Lens image search by bytes "
            + "and web text search (replaces the index).")
    boolean serpapi;

    @Option(names = "--policy", paramLabel = "P", description = "builtin | lmm (default: builtin).")
    String policy = "builtin";

    @Option(names = "--lmm-url", paramLabel = "URL", description = "OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (--policy lmm).")
    URI lmmUrl;

    @Option(names = "--lmm-model", paramLabel = "NAME", description = "The served model name (--policy lmm).")
    String lmmModel;

    @Option(names = "--lmm-profile", paramLabel = "P", description = "Action format: tools | tags (default: tools).")
    String lmmProfile = "tools";

    @Option(names = "--lmm-frame", paramLabel = "F",
            description = "How the model sees the image and writes boxes: qwen25vl | qwen3vl (default: qwen25vl).")
    String lmmFrame = "qwen25vl";

    @Option(names = "--max-turns", paramLabel = "N", description = "Policy turns at most (default: 6).")
    int maxTurns = AskOptions.DEFAULT_MAX_TURNS;

    @Option(names = "--max-searches", paramLabel = "N", description = "Search calls at most (default: 8).")
    int maxSearches = AskOptions.DEFAULT_MAX_SEARCHES;

    @Option(names = "--deadline-ms", paramLabel = "MS", description = "Per-request deadline (default: 60000).")
    long deadlineMs = AskOptions.DEFAULT_DEADLINE.toMillis();

    @Option(names = "--top-k", paramLabel = "K", description = "Results per search (default: 5).")
    int topK = AskOptions.DEFAULT_TOP_K;

    @Option(names = "--dtype", paramLabel = "T", description = "f32 | bf16 (default: f32).")
    String dtype = "f32";

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "Encoder threads (default: one per processor).")
    int threads;

    @Option(names = "--backend", paramLabel = "B",
            description = "Encoder backend: cpu | cuda | auto (auto: CUDA when a device is usable, else the CPU; "
                    + "default: cpu, since the CUDA path has not yet run on a GPU).")
    String backend = "cpu";

    @Option(names = "--cuda-device", paramLabel = "N", defaultValue = "0", description = "CUDA device ordinal (default: 0).")
    int cudaDevice;

    /** The budgets, validated. */
    AskOptions askOptions(CommandLine cl) {
        try {
            return new AskOptions(maxTurns, maxSearches, Duration.ofMillis(deadlineMs), topK);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    /**
     * Builds the engine: resolves the model, opens the index, the web providers and the policy.
     *
     * @return the engine, owned by the caller (it owns everything it opened)
     * @throws CommandLine.ParameterException on a bad option
     * @throws CliException with BAD_INPUT when the index cannot be opened
     */
    GogEngine build(CommandLine cl, SchedulerOptions scheduler) {
        AskOptions defaults = askOptions(cl);
        Precision precision = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32", "fp32" -> Precision.F32;
            case "bf16" -> Precision.BF16;
            default -> throw new CommandLine.ParameterException(cl, "--dtype must be f32 or bf16, got '" + dtype + "'");
        };
        if (threads < 0 || threads > 256) throw new CommandLine.ParameterException(cl, "--threads must be 0..256, got " + threads);
        Backend be;
        try {
            be = Backend.parse(backend);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, "--backend must be cpu, cuda or auto, got '" + backend + "'");
        }
        if (cudaDevice < 0 || cudaDevice > 1023) {
            throw new CommandLine.ParameterException(cl, "--cuda-device must be 0..1023, got " + cudaDevice);
        }
        Policy pol = policy(cl);
        if (index == null && !serpapi && searxng == null) {
            throw new CommandLine.ParameterException(cl, "no search: give --index DIR (gog index), --serpapi or --searxng URL");
        }
        if (model == null && index == null) throw new CommandLine.ParameterException(cl, "--model is required without --index");
        LuceneIndex idx = null;
        SearchProvider image = null, text = null;
        Encoder enc = null;
        try {
            ModelKey key = null;
            if (index != null) {
                if (!Files.isDirectory(index)) throw new CliException(ExitCode.BAD_INPUT, "no index at " + index + ": no such folder");
                try {
                    idx = LuceneIndex.openReadOnly(index);
                } catch (SearchException e) {
                    throw new CliException(ExitCode.BAD_INPUT, e.getMessage(), e);
                }
                key = idx.model();
            }
            String m = model != null ? model : key.model();
            String rev = revision != null ? revision : model == null && !key.revision().equals("local") ? key.revision() : null;
            Path dir = ModelLocator.resolve(m, rev);
            enc = Encoder.load(dir, new Encoder.Options(precision, threads, CpuIsa.AUTO, be, cudaDevice));
            if (idx != null) {
                EmbeddedSearchProvider e = new EmbeddedSearchProvider(idx, null, EmbeddedSearchProvider.Mode.TEXT, true);
                idx = null;
                image = e;
                text = e;
            }
            if (serpapi) {
                SearchProvider s = new CachingProvider(SerpApiProvider.fromEnvironment(new HttpCaller("serpapi", HttpCaller.Policy.defaults())),
                        new ResultCache(10_000, Duration.ofHours(24), InstantSource.system()));
                if (image != null) image.close();
                image = s;
                text = s;
            }
            if (searxng != null) {
                text = new CachingProvider(new SearxngProvider(searxng, SearxngProvider.Category.GENERAL,
                        new HttpCaller("searxng", HttpCaller.Policy.defaults())),
                        new ResultCache(10_000, Duration.ofHours(1), InstantSource.system()));
            }
            GogConfig.Builder b = GogConfig.builder().encoder(enc, true).policy(pol, true).defaults(defaults).scheduler(scheduler);
            b.providers(image, text, true);
            GogEngine engine = GogEngine.create(b.build());
            enc = null;
            return engine;
        } catch (RuntimeException | Error t) {
            if (idx != null) idx.close();
            if (image != null) image.close();
            if (text != null && text != image) text.close();
            if (enc != null) enc.close();
            pol.close();
            throw t;
        }
    }

    private Policy policy(CommandLine cl) {
        return switch (policy.toLowerCase(Locale.ROOT)) {
            case "builtin" -> new BuiltinPolicy();
            case "lmm" -> {
                if (lmmUrl == null || lmmModel == null) {
                    throw new CommandLine.ParameterException(cl, "--policy lmm needs --lmm-url URL and --lmm-model NAME");
                }
                BoxFrame frame = switch (lmmFrame.toLowerCase(Locale.ROOT)) {
                    case "qwen25vl", "qwen2.5-vl" -> BoxFrame.qwen25Vl();
                    case "qwen3vl", "qwen3-vl", "norm1000" -> BoxFrame.NORM_1000;
                    default -> throw new CommandLine.ParameterException(cl, "--lmm-frame must be qwen25vl or qwen3vl, got '" + lmmFrame + "'");
                };
                try {
                    yield new LmmPolicy(LmmConfig.defaults(lmmUrl, lmmModel).withProfile(ActionProfiles.byName(lmmProfile)).withBoxFrame(frame));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(cl, e.getMessage());
                }
            }
            default -> throw new CommandLine.ParameterException(cl, "--policy must be builtin or lmm, got '" + policy + "'");
        };
    }
}
