package dev.gog.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gog.image.Box;
import dev.gog.runtime.Answer;
import dev.gog.runtime.AnswerJson;
import dev.gog.runtime.Evidence;
import dev.gog.runtime.GogEngine;
import dev.gog.runtime.SchedulerOptions;
import dev.gog.runtime.Step;
import dev.gog.runtime.Trace;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gog ask}: one question about one image through the whole Glance-or-Gaze loop; prints the
 * answer with a readable trace, or with {@code --json} one JSON object (docs/schema/ask.schema.json).
 */
@Command(name = "ask",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        description = {
            "Answer a question about an image: glance (search with the whole image), gaze (search with",
            "crops of the regions that matter), text search, then answer from the evidence. Prints the",
            "answer, its evidence and every step; --json prints one JSON object instead."},
        footer = {"", "Examples:",
                "  gog index corpus/ --model ./clip --out idx/",
                "  gog ask --index idx/ --image photo.jpg --question \"Who commissioned this building?\"",
                "  gog ask --index idx/ --image photo.jpg --question \"...\" --policy lmm \\",
                "      --lmm-url http://127.0.0.1:8000/v1 --lmm-model Edwinzz/GoG-RL-Qwen2.5-7B --json",
                "", "Exit codes: 0 answered (also from partial evidence), 1 no answer or failure, 2 usage,",
                "3 bad input, 4 model or config error."})
final class AskCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--image", paramLabel = "FILE", required = true, description = "JPEG or PNG file.")
    Path image;

    @Option(names = "--question", paramLabel = "TEXT", required = true, description = "The question.")
    String question;

    @Option(names = "--json", description = "Print one JSON object (answer, evidence, trace) instead of text.")
    boolean json;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        if (question.isBlank()) throw new CommandLine.ParameterException(cl, "--question is empty");
        if (!Files.isRegularFile(image)) {
            throw new CliException(ExitCode.BAD_INPUT, "cannot read image " + image + ": "
                    + (Files.isDirectory(image) ? "is a directory" : "no such file"));
        }
        Answer a;
        try (GogEngine e = engine.build(cl, SchedulerOptions.defaults())) {
            a = e.ask(image, question, engine.askOptions(cl)).join();
        } catch (CompletionException ex) {
            Throwable c = ex.getCause() != null ? ex.getCause() : ex;
            if (c instanceof IllegalArgumentException || c instanceof dev.gog.bindings.GogException) {
                throw new CliException(ExitCode.BAD_INPUT, "cannot use image " + image + ": " + c.getMessage(), c);
            }
            throw ex;
        }
        PrintWriter out = cl.getOut();
        if (json) {
            ObjectNode o = AnswerJson.toJson(a);
            out.println(o.toString());
        } else {
            print(out, a);
        }
        out.flush();
        return a.outcome() == Answer.Outcome.FAILED ? ExitCode.FAILURE : ExitCode.OK;
    }

    /** The readable form: answer, evidence, then one block per step. */
    static void print(PrintWriter out, Answer a) {
        Trace t = a.trace();
        out.printf(Locale.ROOT, "Answer: %s%n", a.text() == null ? "(none)" : a.text());
        out.printf(Locale.ROOT, "  %s by policy %s: %d turn(s), %d search(es), %.0f ms, stop: %s%n",
                a.outcome().name().toLowerCase(Locale.ROOT), t.policy(), t.turns(), t.searches(), t.totalMs(), t.stop());
        if (a.error() != null) out.printf(Locale.ROOT, "  note: %s%n", a.error());
        out.println();
        out.println("Evidence:");
        if (a.evidence().isEmpty()) out.println("  (none)");
        int n = 0;
        for (Evidence e : a.evidence()) {
            if (++n > 5) {
                out.printf(Locale.ROOT, "  ... and %d more%n", a.evidence().size() - 5);
                break;
            }
            out.printf(Locale.ROOT, "  [step %d, %s] %s  %s%n", e.step(), e.via(), e.title(), e.url());
            if (!e.snippet().isBlank()) out.printf(Locale.ROOT, "      %s%n", oneLine(e.snippet(), 160));
        }
        out.println();
        out.println("Trace:");
        for (Step s : t.steps()) {
            StringBuilder head = new StringBuilder();
            head.append(String.format(Locale.ROOT, "  %2d. turn %d  %-12s", s.index(), s.turn(), s.action().wireName()));
            if (s.query() != null) head.append(" \"").append(oneLine(s.query(), 80)).append('"');
            for (Box b : s.boxes()) {
                head.append(String.format(Locale.ROOT, " [%.0f, %.0f, %.0f, %.0f]", b.x1(), b.y1(), b.x2(), b.y2()));
            }
            out.println(head);
            if (s.rationale() != null) out.printf(Locale.ROOT, "        why: %s%n", oneLine(s.rationale(), 200));
            if (s.error() != null) out.printf(Locale.ROOT, "        error: %s%n", oneLine(s.error(), 200));
            if (s.action().isSearch() && s.error() == null) {
                out.printf(Locale.ROOT, "        %d result(s)", s.results().size());
                for (int i = 0; i < Math.min(3, s.results().size()); i++) {
                    Evidence e = s.results().get(i);
                    out.printf(Locale.ROOT, "%s %s (%.3f)", i == 0 ? ":" : ",", e.title(), e.score());
                }
                out.println();
            }
            if (!s.timingsMs().isEmpty()) {
                StringBuilder tm = new StringBuilder("        ms:");
                for (Map.Entry<String, Double> en : s.timingsMs().entrySet()) {
                    tm.append(String.format(Locale.ROOT, " %s %.1f", en.getKey(), en.getValue()));
                }
                out.println(tm);
            }
        }
        StringBuilder st = new StringBuilder("  stages ms:");
        for (Map.Entry<String, Double> en : t.stagesMs().entrySet()) st.append(String.format(Locale.ROOT, " %s %.1f", en.getKey(), en.getValue()));
        out.println(st);
    }

    private static String oneLine(String s, int max) {
        String x = s.replaceAll("\\s+", " ").strip();
        return x.length() <= max ? x : x.substring(0, max - 1) + "…";
    }
}
