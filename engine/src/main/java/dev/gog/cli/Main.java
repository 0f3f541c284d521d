package dev.gog.cli;

import dev.gog.bindings.GogErrorCode;
import dev.gog.bindings.GogException;
import dev.gog.bindings.NativeLibrary;
import dev.gog.preprocess.ModelConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code gog} command line. Conventions (docs/cli.md): stdout carries exactly one JSON
 * object per successful command and nothing else; logs and progress go to stderr (WARN by
 * default, INFO with {@code --verbose}); an error is one line on stderr, "gog: error: ...",
 * with exit code 2 (usage), 3 (bad input), 4 (model or config) or 1 (anything else).
 */
@Command(name = "gog",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "GoG engine: Glance-or-Gaze adaptive visual search.%n"
                + "stdout: one JSON object per command; stderr: logs and errors.",
        subcommands = {PreprocessCommand.class, EmbedCommand.class, GazeCommand.class, PullCommand.class,
                IndexCommand.class, SearchCommand.class, AskCommand.class, ServeCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 failure, 2 usage, 3 bad input, 4 model or config error.",
                "See docs/cli.md."})
public final class Main implements Runnable {
    /** The picocli command object; use {@link #run(String[], PrintStream, PrintStream)}. */
    public Main() {}

    @Spec
    CommandSpec spec;

    /** Read before picocli runs (see {@link #configureLogging}); declared for help and parsing. */
    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Log progress (INFO) on stderr.")
    boolean verbose;

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        configureLogging(args);
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Runs the command line in-process (tests; embedding) and returns the exit code.
     *
     * @param out where the JSON result (and --help/--version text) goes
     * @param err where errors go
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        configureLogging(args);
        setIfAbsent("java.awt.headless", "true"); // PNG output needs no display
        PrintWriter o = new PrintWriter(out, true, StandardCharsets.UTF_8);
        PrintWriter e = new PrintWriter(err, true, StandardCharsets.UTF_8);
        return execute(new CommandLine(new Main()), args, o, e);
    }

    /**
     * Runs {@code cl} with the conventions of docs/cli.md: usage errors exit 2, failures one
     * line on {@code e} with the code of {@link #exitCode}.
     */
    static int execute(CommandLine cl, String[] args, PrintWriter o, PrintWriter e) {
        cl.setOut(o);
        cl.setErr(e);
        cl.setParameterExceptionHandler((ex, args1) -> {
            CommandLine c = ex.getCommandLine();
            String name = c.getCommandSpec().qualifiedName();
            e.println("gog: error: " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
            return ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            int code = exitCode(ex);
            e.println("gog: error: " + oneLine(message(ex)));
            return code;
        });
        try {
            return cl.execute(args);
        } catch (Error err) {
            // picocli hands only Exceptions to the handler; an Error (out of memory for a huge
            // output, libgog not loadable) still ends as one line and exit code 1.
            e.println("gog: error: " + oneLine(message(err)));
            return ExitCode.FAILURE;
        } finally {
            o.flush();
            e.flush();
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** The exit code for an exception that escaped a command. */
    static int exitCode(Throwable ex) {
        if (ex instanceof CliException c) return c.exitCode();
        if (ex instanceof ModelConfigException) return ExitCode.CONFIG;
        if (ex instanceof IllegalArgumentException) return ExitCode.BAD_INPUT;
        if (ex instanceof GogException g) {
            GogErrorCode code = g.code();
            return switch (code) {
                case DECODE, UNSUPPORTED, LIMIT_EXCEEDED, INVALID_ARGUMENT -> ExitCode.BAD_INPUT;
                case MODEL -> ExitCode.CONFIG;
                default -> ExitCode.FAILURE;
            };
        }
        return ExitCode.FAILURE;
    }

    private static String message(Throwable ex) {
        String m = ex.getMessage();
        if (ex instanceof GogException || ex instanceof CliException || ex instanceof ModelConfigException
                || ex instanceof IllegalArgumentException) {
            return m == null ? ex.getClass().getSimpleName() : m;
        }
        return ex.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    /**
     * slf4j-simple reads its settings once, when the first logger is made: log to stderr, WARN
     * by default, INFO with --verbose (unless the system properties say otherwise).
     */
    static void configureLogging(String[] args) {
        boolean verbose = false;
        for (String a : args) {
            if (a.equals("--verbose") || a.equals("-v")) verbose = true;
            if (a.equals("--")) break;
        }
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showLogName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        setIfAbsent("org.slf4j.simpleLogger.levelInBrackets", "true");
        if (!verbose) {
            // Lucene logs through java.util.logging that the Vector API incubator is not enabled: not an error of the user's
            LUCENE_VECTOR_LOG.setLevel(java.util.logging.Level.SEVERE);
        }
    }

    /** Held so that the level set on it is not lost to garbage collection. */
    private static final java.util.logging.Logger LUCENE_VECTOR_LOG =
            java.util.logging.Logger.getLogger("org.apache.lucene.internal.vectorization.VectorizationProvider");

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    /** The engine version from the build ("0.1.0-SNAPSHOT"), or "unknown". */
    static String engineVersion() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.startsWith("$")) return v;
            }
        } catch (IOException ignored) {
            // fall through
        }
        return "unknown";
    }

    /** {@code gog --version}: the engine version and the native library it loads. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String nativeLine;
            try {
                NativeLibrary lib = NativeLibrary.get();
                nativeLine = "libgog " + lib.version() + " (ABI " + lib.abiVersion() + "), CPU kernels "
                        + dev.gog.bindings.GogNative.isaName(lib.defaultIsa().code())
                        + (lib.cudaLoaded() ? ", libgog_cuda loaded" : "");
            } catch (UnsatisfiedLinkError e) {
                nativeLine = "libgog not loadable: " + oneLine(e.getMessage());
            }
            return new String[] {"gog " + engineVersion(), nativeLine,
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
