package dev.gog.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gog.runtime.GogEngine;
import dev.gog.runtime.SchedulerOptions;
import dev.gog.server.GogServer;
import dev.gog.server.ServerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gog serve}: the engine behind HTTP — {@code POST /v1/ask}, {@code GET /health},
 * {@code GET /metrics} (docs/cli.md). Prints one JSON line with the address once listening, then
 * serves until SIGINT/SIGTERM, when it stops accepting, lets running requests finish within the
 * grace period and closes the engine.
 */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        description = {
            "Serve the engine over HTTP: POST /v1/ask (image bytes or base64 JSON, question, options) -> answer",
            "and trace; GET /health; GET /metrics (Prometheus). Binds 127.0.0.1:8080 by default."},
        footer = {"", "Examples:",
                "  gog serve --index idx/",
                "  gog serve --index idx/ --policy lmm --lmm-url http://127.0.0.1:8000/v1 \\",
                "      --lmm-model Edwinzz/GoG-RL-Qwen2.5-7B --port 9000",
                "", "Exit codes: 0 stopped by a signal, 1 failure, 2 usage, 3 bad input, 4 model or config error."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "ADDR", description = "Bind address (default: 127.0.0.1; 0.0.0.0 exposes it to the network).")
    String host = ServerConfig.DEFAULT_HOST;

    @Option(names = "--port", paramLabel = "N", description = "Port (default: 8080; 0 picks a free one).")
    int port = ServerConfig.DEFAULT_PORT;

    @Option(names = "--max-body-bytes", paramLabel = "N", description = "Request body limit (default: 33554432).")
    long maxBody = ServerConfig.DEFAULT_MAX_BODY_BYTES;

    @Option(names = "--fetch-urls", description = "Allow {\"image\": {\"url\": ...}}: http(s) only, public addresses only, "
            + "size and time capped (off by default).")
    boolean fetchUrls;

    @Option(names = "--max-batch", paramLabel = "N", description = "Encoder micro-batch size (default: 16).")
    int maxBatch = SchedulerOptions.defaults().maxBatch();

    @Option(names = "--max-wait-ms", paramLabel = "MS", description = "How long a job waits for its batch to fill (default: 2).")
    long maxWaitMs = SchedulerOptions.defaults().maxWait().toMillis();

    @Option(names = "--max-active", paramLabel = "N", description = "Requests running at once (default: 256).")
    int maxActive = SchedulerOptions.defaults().maxActive();

    @Option(names = "--queue", paramLabel = "N", description = "Requests waiting beyond --max-active before 503s (default: 256).")
    int queue = SchedulerOptions.defaults().queueCapacity();

    @Mixin
    EngineOptions engine;

    /** Counted down to stop a server started in-process (tests). */
    static volatile CountDownLatch stop;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        SchedulerOptions sched;
        ServerConfig cfg;
        try {
            sched = SchedulerOptions.defaults().withMaxBatch(maxBatch).withMaxWait(Duration.ofMillis(maxWaitMs))
                    .withAdmission(maxActive, queue);
            cfg = ServerConfig.defaults().withAddress(host, port).withMaxBodyBytes(maxBody).withFetchUrls(fetchUrls);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
        GogEngine e = engine.build(cl, sched);
        GogServer server;
        try {
            server = GogServer.start(e, cfg);
        } catch (IOException ex) {
            e.close();
            throw new CliException(ExitCode.BAD_INPUT, ex.getMessage(), ex);
        }
        CountDownLatch done = stop != null ? stop : new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            e.close();
            done.countDown();
        }, "gog-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        ObjectNode json = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        json.put("listening", "http://" + cfg.host() + ":" + server.port());
        json.put("policy", e.policyName());
        json.put("model", e.encoder().dir().toString());
        json.put("fetch_urls", fetchUrls);
        cl.getOut().println(json.toString());
        cl.getOut().flush();
        try {
            done.await();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ex) {
            return ExitCode.OK; // shutting down: the hook closes everything
        }
        server.close();
        e.close();
        return ExitCode.OK;
    }
}
