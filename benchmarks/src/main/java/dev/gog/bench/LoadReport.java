package dev.gog.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gog.model.Encoder;
import dev.gog.model.Precision;
import dev.gog.runtime.Answer;
import dev.gog.runtime.AskOptions;
import dev.gog.runtime.GogConfig;
import dev.gog.runtime.GogEngine;
import dev.gog.runtime.RejectedRequestException;
import dev.gog.runtime.SchedulerOptions;
import dev.gog.search.SearchProvider.Capability;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load benchmark: the engine under C concurrent clients against the same work done
 * sequentially per request, with simulated search and LMM latency, written as a Markdown report
 * (default {@code benchmarks/target/bench/load.md}, also printed). Not JMH and not a test: run it
 * with {@code scripts/bench/load.sh}.
 *
 * <p>Each request plays a GoG-like trajectory ({@link LoadPolicy}): LMM turn, glance, LMM turn,
 * gaze at the Selective Gaze best box together with a text search, LMM turn with the answer. The
 * searches ({@link LoadProvider}) and the LMM are simulated with seeded jittered delays completed
 * by a timer ({@link LoadClock}); the model work is real (the engine encodes the whole image, the
 * frame and question for Selective Gaze, and the crop through its batching scheduler). The
 * sequential baseline ({@link LoadSequential}) runs the same steps one after another on a platform
 * thread per client, calling the encoder directly. Paths are relative to the working directory
 * (the repository root).
 *
 * <pre>
 * options: --model DIR (testdata/models/tiny-clip)   --dtype f32|bf16 (f32)   --threads N (0: all)
 *          --tokenizer DIR (borrow tokenizer files when the model has none)
 *          --concurrency 1,16,64,256   --warmup S (3)   --duration S (15)
 *          --search-ms 300   --lmm-ms 200   --jitter 0.2   --seed 42
 *          --workers N (1)   --max-batch N (16)   --max-wait-ms MS (2)
 *          --overhead-requests N (200)   --no-sequential   --out FILE (benchmarks/target/bench/load.md)
 * </pre>
 */
public final class LoadReport {
    static {
        // one INFO line per request (engine loop, Selective Gaze) would flood the console and slow the run
        for (String pkg : List.of("dev.gog.runtime", "dev.gog.gaze")) {
            String key = "org.slf4j.simpleLogger.log." + pkg;
            if (System.getProperty(key) == null) System.setProperty(key, "warn");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(LoadReport.class);
    private static final Set<String> TOKENIZER_FILES = Set.of("tokenizer.json", "vocab.json", "merges.txt",
            "spiece.model", "special_tokens_map.json", "tokenizer_config.json");

    private LoadReport() {}

    /** One photo with its question and answer. */
    record Sample(String name, byte[] jpeg, String question, String answer) {}

    /** The measurements of one point (engine or sequential, one concurrency). */
    record Point(int concurrency, double rps, long[] latenciesNanos, long rejected, long notAnswered, long errors,
                 double batchImage, double batchFrame, double batchText, Map<String, Double> meanStagesMs,
                 double modelMsPerRequest) {

        double pctMs(double p) {
            return percentile(latenciesNanos, p) / 1e6;
        }
    }

    /** The engine overhead run's result. */
    record Overhead(int requests, int stepsPerRequest, double medianPerStepMs, double p90PerStepMs, double medianWallMs,
                    double medianComputeMs) {}

    /** Parsed command line. */
    record Args(Path model, Precision precision, int threads, Path tokenizer, int[] concurrency, double warmupS,
                double durationS, double searchMs, double lmmMs, double jitter, long seed, int workers, int maxBatch,
                double maxWaitMs, int overheadRequests, boolean sequential, Path out) {}

    /**
     * Runs the benchmark and writes the report.
     *
     * @param argv the options (see the class comment)
     * @throws IllegalArgumentException on a bad option, or a model without tokenizer files and no
     *     {@code --tokenizer} (the engine must embed the question)
     * @throws IOException if the photos cannot be read or the report cannot be written
     * @throws InterruptedException if interrupted while waiting for clients
     */
    public static void main(String[] argv) throws IOException, InterruptedException {
        Args a = parse(argv);
        Path modelDir = withTokenizer(a.model(), a.tokenizer(), a.out().toAbsolutePath().getParent());
        List<Sample> samples = samples(Path.of("testdata/photos"));
        Map<String, String> answers = new LinkedHashMap<>();
        for (Sample s : samples) answers.put(s.question(), s.answer());
        Encoder.Options eo = Encoder.Options.defaults().withPrecision(a.precision()).withThreads(a.threads());
        List<Point> engine = new ArrayList<>();
        List<Point> seq = new ArrayList<>();
        Overhead overhead;
        try (Encoder enc = Encoder.load(modelDir, eo); LoadClock clock = new LoadClock(a.seed(), a.jitter())) {
            enc.tokenizer();
            LOG.info("model {} loaded ({}, {} threads)", modelDir, a.precision(), a.threads());
            SchedulerOptions base = SchedulerOptions.defaults().withWorkers(a.workers()).withMaxBatch(a.maxBatch())
                    .withMaxWait(Duration.ofNanos(Math.round(a.maxWaitMs() * 1e6)));
            // first, as it also warms the JIT up for the sweep: the engine overhead at zero latency
            overhead = overhead(enc, base, answers, samples, a);
            if (a.sequential()) warmSequential(enc, a.seed(), samples);
            for (int c : a.concurrency()) {
                Point e = runEngine(enc, clock, base, answers, samples, c, a);
                engine.add(e);
                LOG.info("engine C={}: {} req/s, p50 {} ms, p99 {} ms", c, fmt(e.rps()), fmt(e.pctMs(0.5)), fmt(e.pctMs(0.99)));
                if (a.sequential()) {
                    Point s = runSequential(enc, clock, samples, c, a);
                    seq.add(s);
                    LOG.info("sequential C={}: {} req/s, p50 {} ms, p99 {} ms", c, fmt(s.rps()), fmt(s.pctMs(0.5)), fmt(s.pctMs(0.99)));
                }
            }
        }
        String report = report(a, modelDir, eo, engine, seq, overhead);
        Files.createDirectories(a.out().toAbsolutePath().getParent());
        Files.writeString(a.out(), report, StandardCharsets.UTF_8);
        System.out.print(report);
        LOG.info("report written to {}", a.out());
    }

    // --- runs -------------------------------------------------------------------------------------------

    private static GogEngine engine(Encoder enc, LoadClock clock, SchedulerOptions base, Map<String, String> answers, int c,
                                    double searchMs, double lmmMs) {
        LoadProvider image = new LoadProvider("sim-image", Set.of(Capability.IMAGE_BY_EMBEDDING), clock, searchMs);
        LoadProvider text = new LoadProvider("sim-text", Set.of(Capability.TEXT), clock, searchMs);
        return GogEngine.create(GogConfig.builder()
                .encoder(enc, false)
                .policy(new LoadPolicy(clock, lmmMs, answers), true)
                .providers(image, text, true)
                .scheduler(base.withAdmission(c, c))
                .defaults(AskOptions.defaults())
                .build());
    }

    /** C virtual-thread clients issuing requests back to back through the engine. */
    private static Point runEngine(Encoder enc, LoadClock clock, SchedulerOptions base, Map<String, String> answers,
                                   List<Sample> samples, int c, Args a) throws InterruptedException {
        LOG.info("engine, C={}: {} s warm-up + {} s", c, a.warmupS(), a.durationS());
        LongAdder rejected = new LongAdder(), notAnswered = new LongAdder(), errors = new LongAdder();
        Map<String, Double> stageSums = new LinkedHashMap<>();
        LongAdder stageCount = new LongAdder();
        try (GogEngine engine = engine(enc, clock, base, answers, c, a.searchMs(), a.lmmMs())) {
            long[][] lat = drive(c, a, true, (client, i) -> {
                Sample s = samples.get((client + i) % samples.size());
                try {
                    Answer ans = engine.ask(s.jpeg(), s.question(), engine.defaults()).get(120, TimeUnit.SECONDS);
                    synchronized (stageSums) {
                        ans.trace().stagesMs().forEach((k, v) -> stageSums.merge(k, v, Double::sum));
                        stageCount.increment();
                    }
                    if (ans.outcome() != Answer.Outcome.ANSWERED) {
                        notAnswered.increment();
                        if (notAnswered.sum() <= 3) LOG.warn("not answered: {} ({})", ans.outcome(), ans.error());
                    }
                    return true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RejectedRequestException) rejected.increment();
                    else countError(errors, e.getCause());
                    return false;
                } catch (TimeoutException e) {
                    countError(errors, e);
                    return false;
                }
            });
            BatchMeans m = new BatchMeans(engine.scheduler().meanBatchSize("image"), engine.scheduler().meanBatchSize("frame"),
                    engine.scheduler().meanBatchSize("text"));
            Map<String, Double> means = new LinkedHashMap<>();
            synchronized (stageSums) {
                stageSums.forEach((k, v) -> means.put(k, v / Math.max(1, stageCount.sum())));
            }
            double model = batchRunNanos(engine.meters()) / 1e6 / Math.max(1, stageCount.sum());
            return new Point(c, rate(lat), merge(lat), rejected.sum(), notAnswered.sum(), errors.sum(), m.image, m.frame, m.text, means,
                    model);
        }
    }

    private record BatchMeans(double image, double frame, double text) {}

    /** C platform-thread clients running the sequential trajectory back to back. */
    private static Point runSequential(Encoder enc, LoadClock clock, List<Sample> samples, int c, Args a) throws InterruptedException {
        LOG.info("sequential, C={}: {} s warm-up + {} s", c, a.warmupS(), a.durationS());
        LoadSequential seq = new LoadSequential(enc, clock, a.searchMs(), a.lmmMs());
        LongAdder errors = new LongAdder();
        long[][] lat = drive(c, a, false, (client, i) -> {
            Sample s = samples.get((client + i) % samples.size());
            try {
                seq.run(s.jpeg(), s.question());
                return true;
            } catch (RuntimeException e) {
                countError(errors, e);
                return false;
            }
        });
        return new Point(c, rate(lat), merge(lat), 0, 0, errors.sum(), Double.NaN, Double.NaN, Double.NaN, Map.of(),
                seq.modelNanos.sum() / 1e6 / Math.max(1, seq.requests.sum()));
    }

    /** One request of a client: true when it completed (its latency is recorded). */
    @FunctionalInterface
    private interface Request {
        boolean run(int client, int index) throws InterruptedException;
    }

    /**
     * Runs {@code c} clients for the warm-up plus the measured duration; returns per client the
     * latencies of requests that completed inside the measured window.
     */
    private static long[][] drive(int c, Args a, boolean virtual, Request request) throws InterruptedException {
        long start = System.nanoTime();
        long warmEnd = start + Math.round(a.warmupS() * 1e9);
        long end = warmEnd + Math.round(a.durationS() * 1e9);
        long[][] out = new long[c][];
        Thread[] threads = new Thread[c];
        for (int k = 0; k < c; k++) {
            int client = k;
            Runnable body = () -> {
                long[] lat = new long[64];
                int n = 0;
                try {
                    for (int i = 0; System.nanoTime() < end; i++) {
                        long t0 = System.nanoTime();
                        boolean ok = request.run(client, i);
                        long t1 = System.nanoTime();
                        if (ok && t1 >= warmEnd && t1 <= end) {
                            if (n == lat.length) lat = Arrays.copyOf(lat, n * 2);
                            lat[n++] = t1 - t0;
                        }
                        if (!ok) Thread.sleep(1); // do not spin on a failing request
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    LOG.warn("load client {} stopped: {}", client, e.toString());
                }
                out[client] = Arrays.copyOf(lat, n);
            };
            threads[k] = (virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon(true)).name("load-client-" + k).start(body);
        }
        long limit = end + TimeUnit.SECONDS.toNanos(150);
        for (Thread t : threads) {
            long left = limit - System.nanoTime();
            if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                throw new IllegalStateException("a load client did not finish within 150 s of the end of the run");
            }
        }
        return out;
    }

    /** Zero-latency providers, instant policy, C=1: engine time per step outside the model compute. */
    private static Overhead overhead(Encoder enc, SchedulerOptions base, Map<String, String> answers, List<Sample> samples, Args a) {
        int n = a.overheadRequests();
        LOG.info("overhead: C=1, zero-latency providers and policy, {} requests", n);
        try (LoadClock zero = new LoadClock(a.seed(), 0);
             GogEngine engine = engine(enc, zero, base, answers, 1, 0, 0)) {
            int warm = Math.max(50, n / 4);
            double[] perStep = new double[n];
            double[] wall = new double[n];
            double[] compute = new double[n];
            int steps = 0;
            for (int i = -warm; i < n; i++) {
                Sample s = samples.get(Math.floorMod(i, samples.size()));
                double c0 = batchRunNanos(engine.meters());
                long t0 = System.nanoTime();
                Answer ans = engine.ask(s.jpeg(), s.question(), engine.defaults()).join();
                long t1 = System.nanoTime();
                double c1 = batchRunNanos(engine.meters());
                if (ans.outcome() != Answer.Outcome.ANSWERED) {
                    throw new IllegalStateException("overhead run: a request was not answered: " + ans.outcome() + " " + ans.error());
                }
                if (i < 0) continue;
                steps = ans.trace().steps().size();
                wall[i] = (t1 - t0) / 1e6;
                compute[i] = (c1 - c0) / 1e6;
                perStep[i] = (wall[i] - compute[i]) / steps;
            }
            return new Overhead(n, steps, median(perStep), pct(perStep, 0.9), median(wall), median(compute));
        }
    }

    /** Runs the sequential trajectory at zero latency a few times (JIT warm-up, not measured). */
    private static void warmSequential(Encoder enc, long seed, List<Sample> samples) throws InterruptedException {
        try (LoadClock zero = new LoadClock(seed, 0)) {
            LoadSequential seq = new LoadSequential(enc, zero, 0, 0);
            for (int i = 0; i < 30; i++) seq.run(samples.get(i % samples.size()).jpeg(), samples.get(i % samples.size()).question());
        }
    }

    /** Total run time of every scheduler batch so far (timer {@code gog.batch.run}, all lanes). */
    private static double batchRunNanos(MeterRegistry r) {
        double t = 0;
        for (Timer timer : r.find("gog.batch.run").timers()) t += timer.totalTime(TimeUnit.NANOSECONDS);
        return t;
    }

    private static void countError(LongAdder errors, Throwable t) {
        errors.increment();
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (errors.sum() <= 3) LOG.warn("request failed: {}", c.toString());
    }

    // --- report -----------------------------------------------------------------------------------------

    private static String report(Args a, Path modelDir, Encoder.Options eo, List<Point> engine, List<Point> seq, Overhead o) {
        StringBuilder b = new StringBuilder();
        int cores = Runtime.getRuntime().availableProcessors();
        b.append("# GoG engine under load\n\n");
        b.append("- machine: ").append(cpuModel()).append(", ").append(cores).append(" cores (availableProcessors)\n");
        b.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ').append(Runtime.version())
                .append(" (").append(System.getProperty("java.vendor")).append(")\n");
        b.append("- model: ").append(a.model()).append(a.model().equals(modelDir) ? "" : " (tokenizer files borrowed from "
                + a.tokenizer() + ")").append(", dtype ").append(a.precision().name().toLowerCase(Locale.ROOT)).append('\n');
        b.append("- encoder threads: ").append(eo.threads() == 0 ? "all (" + cores + ")" : Integer.toString(eo.threads()))
                .append("; scheduler: ").append(a.workers()).append(" worker(s), batches of up to ").append(a.maxBatch())
                .append(", wait up to ").append(fmt(a.maxWaitMs())).append(" ms; admission (C, C)\n");
        b.append("- simulated latency: search ").append(fmt(a.searchMs())).append(" ms per call, LMM ").append(fmt(a.lmmMs()))
                .append(" ms per turn, each uniform ±").append(fmt(a.jitter() * 100)).append(" %, seed ").append(a.seed()).append('\n');
        b.append("- per point: ").append(fmt(a.warmupS())).append(" s warm-up, ").append(fmt(a.durationS()))
                .append(" s measured; photos testdata/photos/sample-{1,2,3}.jpg with their samples.json questions\n");
        b.append("- date: ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append("\n\n");

        b.append("Trajectory per request: LMM turn → glance (whole-image embedding search) → LMM turn → Selective Gaze, then gaze ");
        b.append("at its best box + text search → LMM turn → answer. Engine: C virtual-thread clients, one engine per C, ");
        b.append("searches of a turn concurrent, model work micro-batched across requests. Sequential: C platform-thread ");
        b.append("clients, each request's steps one after another with blocking calls and direct encoder calls (no batching), ");
        b.append("as MMSearch-R1 and WebWatcher run their tools.\n\n");

        b.append("| C | engine req/s | p50 ms | p99 ms | sequential req/s | p50 ms | p99 ms | req/s ours/seq | p50 seq/ours | mean batch (image, frame, text) |\n");
        b.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (int i = 0; i < engine.size(); i++) {
            Point e = engine.get(i);
            Point s = i < seq.size() ? seq.get(i) : null;
            b.append("| ").append(e.concurrency()).append(" | ").append(fmt(e.rps())).append(" | ").append(fmt(e.pctMs(0.5)))
                    .append(" | ").append(fmt(e.pctMs(0.99))).append(" | ");
            if (s != null) {
                b.append(fmt(s.rps())).append(" | ").append(fmt(s.pctMs(0.5))).append(" | ").append(fmt(s.pctMs(0.99))).append(" | ")
                        .append(fmt(e.rps() / s.rps())).append("× | ").append(fmt(s.pctMs(0.5) / e.pctMs(0.5))).append("× | ");
            } else {
                b.append("– | – | – | – | – | ");
            }
            b.append(fmt(e.batchImage())).append(", ").append(fmt(e.batchFrame())).append(", ").append(fmt(e.batchText())).append(" |\n");
        }
        b.append("\nDetails (requests completed in the measured window; p90; failures):\n\n");
        b.append("| C | engine done | engine p90 ms | rejected | not answered | errors | engine model ms/req | sequential done "
                + "| sequential p90 ms | errors | sequential model ms/req |\n");
        b.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < engine.size(); i++) {
            Point e = engine.get(i);
            Point s = i < seq.size() ? seq.get(i) : null;
            b.append("| ").append(e.concurrency()).append(" | ").append(e.latenciesNanos().length).append(" | ").append(fmt(e.pctMs(0.9)))
                    .append(" | ").append(e.rejected()).append(" | ").append(e.notAnswered()).append(" | ").append(e.errors()).append(" | ")
                    .append(fmt(e.modelMsPerRequest())).append(" | ");
            if (s != null) {
                b.append(s.latenciesNanos().length).append(" | ").append(fmt(s.pctMs(0.9))).append(" | ").append(s.errors()).append(" | ")
                        .append(fmt(s.modelMsPerRequest()));
            } else {
                b.append("– | – | – | –");
            }
            b.append(" |\n");
        }
        b.append("\nEngine, mean milliseconds per request by trace stage over all its requests, warm-up included (`Trace.stagesMs`; the stages of concurrent steps add up, `policy` includes the simulated LMM and the Selective Gaze wait):\n\n");
        List<String> stages = new ArrayList<>();
        for (Point e : engine) for (String k : e.meanStagesMs().keySet()) if (!stages.contains(k)) stages.add(k);
        b.append("| C |");
        for (String k : stages) b.append(' ').append(k).append(" |");
        b.append("\n|---:|");
        for (int i = 0; i < stages.size(); i++) b.append("---:|");
        b.append('\n');
        for (Point e : engine) {
            b.append("| ").append(e.concurrency()).append(" |");
            for (String k : stages) b.append(' ').append(fmt(e.meanStagesMs().getOrDefault(k, Double.NaN))).append(" |");
            b.append('\n');
        }
        b.append("\nLatency is client-side (ask to answer), percentiles exact (nearest rank) over the requests that completed in the ");
        b.append("measured window; req/s = the sum over clients of (requests completed in the window / the time they took), ");
        b.append("i.e. the closed-loop completion rate without counting whole requests in a short window. Mean batch = jobs per scheduler batch per lane over the ");
        b.append("engine's life at that C (warm-up included). Model ms/req, over all requests of the point: engine, the ");
        b.append("scheduler's batch run time (`gog.batch.run`, all lanes, decode included) per request, shared by a batch's ");
        b.append("requests; sequential, the wall time a request spends in decode and encoder calls, waiting for the shared ");
        b.append("encoder (which runs one call at a time) included.\n\n");
        b.append("**Engine overhead per step: ").append(fmt3(o.medianPerStepMs())).append(" ms median (p90 ")
                .append(fmt3(o.p90PerStepMs())).append(" ms)").append(o.medianPerStepMs() < 1 ? " — under the 1 ms target" : " — OVER the 1 ms target")
                .append(".** Computed over ").append(o.requests()).append(" requests at C=1 with zero-latency providers and an instant ")
                .append("policy (completed futures), after a warm-up: per request (wall time ask→answer − model compute, the ")
                .append("increase of the scheduler's Micrometer timer `gog.batch.run` summed over all lanes during the request, decode ")
                .append("included) / steps (").append(o.stepsPerRequest()).append(": glance, gaze, text search, answer); median wall ")
                .append(fmt(o.medianWallMs())).append(" ms, median model compute ").append(fmt(o.medianComputeMs())).append(" ms.\n");
        return b.toString();
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).strip();
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("no /proc/cpuinfo: {}", e.toString());
        }
        return System.getProperty("os.arch") + " (CPU model unknown)";
    }

    // --- inputs -----------------------------------------------------------------------------------------

    private static List<Sample> samples(Path dir) throws IOException {
        JsonNode root = new ObjectMapper().readTree(dir.resolve("samples.json").toFile());
        List<Sample> out = new ArrayList<>();
        for (JsonNode n : root) {
            String name = n.path("image").asText();
            out.add(new Sample(name, Files.readAllBytes(dir.resolve(name)), n.path("question").asText(), n.path("answer").asText("unknown")));
        }
        if (out.isEmpty()) throw new IOException("no samples in " + dir.resolve("samples.json"));
        return out;
    }

    private static boolean hasTokenizer(Path dir) {
        return Files.isRegularFile(dir.resolve("tokenizer.json")) || Files.isRegularFile(dir.resolve("spiece.model"))
                || (Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt")));
    }

    /**
     * The model directory itself when it has tokenizer files; else, with {@code --tokenizer}, a
     * directory under {@code work} of links to the model's files and the borrowed tokenizer's.
     */
    private static Path withTokenizer(Path model, Path tokenizer, Path work) throws IOException {
        if (!Files.isDirectory(model)) throw new IllegalArgumentException("no model directory " + model.toAbsolutePath());
        if (hasTokenizer(model)) return model;
        if (tokenizer == null) {
            throw new IllegalArgumentException("the model " + model + " has no tokenizer files (tokenizer.json, vocab.json + merges.txt "
                    + "or spiece.model), and the engine must embed the question: skipped. Pass --tokenizer DIR to borrow one.");
        }
        if (!hasTokenizer(tokenizer)) throw new IllegalArgumentException("--tokenizer " + tokenizer + " has no tokenizer files");
        Path dir = work.resolve("models").resolve(model.getFileName() + "+tokenizer-" + tokenizer.getFileName());
        Files.createDirectories(dir);
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.delete(p);
        }
        try (var files = Files.list(model)) {
            for (Path p : files.toList()) {
                if (Files.isRegularFile(p) && !TOKENIZER_FILES.contains(p.getFileName().toString())) {
                    Files.createSymbolicLink(dir.resolve(p.getFileName()), p.toAbsolutePath());
                }
            }
        }
        for (String f : TOKENIZER_FILES) {
            Path p = tokenizer.resolve(f);
            if (Files.isRegularFile(p)) Files.createSymbolicLink(dir.resolve(f), p.toAbsolutePath());
        }
        LOG.warn("model {} has no tokenizer: using {} with the tokenizer of {}", model, dir, tokenizer);
        return dir;
    }

    private static Args parse(String[] argv) {
        Path model = Path.of("testdata/models/tiny-clip");
        Precision precision = Precision.F32;
        int threads = 0, workers = 1, maxBatch = 16, overheadRequests = 200;
        Path tokenizer = null;
        int[] conc = {1, 16, 64, 256};
        double warmup = 3, duration = 15, searchMs = 300, lmmMs = 200, jitter = 0.2, maxWaitMs = 2;
        long seed = 42;
        boolean sequential = true;
        Path out = Path.of("benchmarks/target/bench/load.md");
        for (int i = 0; i < argv.length; i++) {
            String k = argv[i];
            if (k.equals("--no-sequential")) {
                sequential = false;
                continue;
            }
            if (k.equals("-h") || k.equals("--help")) {
                throw new IllegalArgumentException("usage: see the Javadoc of dev.gog.bench.LoadReport (options --model DIR --dtype "
                        + "f32|bf16 --threads N --tokenizer DIR --concurrency 1,16,64,256 --warmup S --duration S --search-ms MS "
                        + "--lmm-ms MS --jitter F --seed N --workers N --max-batch N --max-wait-ms MS --overhead-requests N "
                        + "--no-sequential --out FILE)");
            }
            if (i + 1 >= argv.length) throw new IllegalArgumentException("option " + k + " needs a value");
            String v = argv[++i];
            try {
                switch (k) {
                    case "--model" -> model = Path.of(v);
                    case "--dtype" -> precision = Precision.valueOf(v.toUpperCase(Locale.ROOT));
                    case "--threads" -> threads = Integer.parseInt(v);
                    case "--tokenizer" -> tokenizer = Path.of(v);
                    case "--concurrency" -> conc = Arrays.stream(v.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
                    case "--warmup" -> warmup = Double.parseDouble(v);
                    case "--duration" -> duration = Double.parseDouble(v);
                    case "--search-ms" -> searchMs = Double.parseDouble(v);
                    case "--lmm-ms" -> lmmMs = Double.parseDouble(v);
                    case "--jitter" -> jitter = Double.parseDouble(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--workers" -> workers = Integer.parseInt(v);
                    case "--max-batch" -> maxBatch = Integer.parseInt(v);
                    case "--max-wait-ms" -> maxWaitMs = Double.parseDouble(v);
                    case "--overhead-requests" -> overheadRequests = Integer.parseInt(v);
                    case "--out" -> out = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + k);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option " + k + ": not a number: " + v, e);
            }
        }
        if (conc.length == 0 || Arrays.stream(conc).anyMatch(c -> c < 1 || c > 100_000)) {
            throw new IllegalArgumentException("--concurrency values must be in [1, 100000]");
        }
        if (!(duration > 0) || !(warmup >= 0)) throw new IllegalArgumentException("--duration must be > 0 and --warmup >= 0");
        if (searchMs < 0 || lmmMs < 0) throw new IllegalArgumentException("latencies must be >= 0");
        if (overheadRequests < 1) throw new IllegalArgumentException("--overhead-requests must be >= 1");
        return new Args(model, precision, threads, tokenizer, conc, warmup, duration, searchMs, lmmMs, jitter, seed, workers,
                maxBatch, maxWaitMs, overheadRequests, sequential, out);
    }

    // --- statistics -------------------------------------------------------------------------------------

    /**
     * Requests per second of closed-loop clients: per client, the requests it completed in the
     * window over the time they took (the clients issue back to back, so this is its completion
     * rate without the quantisation of counting whole requests in a short window), summed.
     */
    private static double rate(long[][] perClient) {
        double r = 0;
        for (long[] lat : perClient) {
            long sum = 0;
            for (long v : lat) sum += v;
            if (sum > 0) r += lat.length / (sum / 1e9);
        }
        return r;
    }

    private static long[] merge(long[][] parts) {
        long[] all = Arrays.stream(parts).flatMapToLong(Arrays::stream).toArray();
        Arrays.sort(all);
        return all;
    }

    /** Nearest-rank percentile of sorted values (NaN when empty). */
    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)];
    }

    private static double pct(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(p * s.length);
        return s[Math.clamp(rank - 1, 0, s.length - 1)];
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) return "–";
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
    }

    private static String fmt3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
