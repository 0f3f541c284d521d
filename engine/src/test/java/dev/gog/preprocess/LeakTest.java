package dev.gog.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gog.image.Box;
import dev.gog.image.Image;
import dev.gog.tensor.Tensor;
import dev.gog.testing.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * No native leak: 10,000 rounds of decode + whole + crops on a small image leave the process's
 * resident set flat. Each round allocates about 40 KB of native memory (pixels, two tensors,
 * the call structs), so leaking any of it would grow the RSS by hundreds of MB over the loop.
 *
 * <p>The loop runs in a child JVM whose Java heap is fixed and touched up front
 * ({@code -Xms = -Xmx}, {@code -XX:+AlwaysPreTouch}), so that heap growth or shrinkage does not
 * hide or fake a change: what remains is native memory, metaspace and JIT code. The bound,
 * 16 MiB, leaves room for the JIT compiling the loop; RSS is read from /proc/self/statm after a
 * 2,000-round warm-up and after the loop.
 */
class LeakTest {
    private static final long BOUND = 16L << 20;
    private static final int ROUNDS = 10_000;

    private static long rssBytes() throws IOException {
        String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
        return Long.parseLong(f[1]) * 4096L;
    }

    private static void round(Preprocessor pre, byte[] bytes, List<Box> boxes) {
        try (Image img = Image.decode(bytes); Tensor t = pre.whole(img); Tensor c = pre.crops(img, boxes)) {
            if (t.byteSize() == 0 || c.byteSize() == 0) throw new AssertionError();
        }
    }

    /** The child: prints "rss_before rss_after millis". */
    public static void main(String[] args) throws IOException {
        byte[] bytes = TestData.bytes("decode/jpeg_baseline_420_q90.jpg"); // 61 x 45
        List<Box> boxes = List.of(new Box(0, 0, 30, 20), new Box(10.5f, 5, 61, 45));
        try (Preprocessor pre = new Preprocessor(PreprocessSpec.clip(32))) {
            for (int i = 0; i < 2000; i++) round(pre, bytes, boxes);
            System.gc();
            long before = rssBytes();
            long t0 = System.nanoTime();
            for (int i = 0; i < ROUNDS; i++) round(pre, bytes, boxes);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.gc();
            System.out.println(before + " " + rssBytes() + " " + ms);
        }
    }

    @Test
    void tenThousandRoundsKeepNativeMemoryFlat() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/self/statm")), "needs /proc");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC",
                "-Dgog.repo.dir=" + TestData.repoDir(), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", cp, LeakTest.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child timed out");
        assertEquals(0, p.exitValue(), out);
        String[] f = out.split(" ");
        long before = Long.parseLong(f[0]);
        long after = Long.parseLong(f[1]);
        long growth = after - before;
        System.err.printf("leak test: RSS %d -> %d KiB (%+d KiB) over %d rounds in %s ms%n",
                before >> 10, after >> 10, growth >> 10, ROUNDS, f[2]);
        assertTrue(growth < BOUND, "RSS grew by " + (growth >> 10) + " KiB over " + ROUNDS + " rounds");
    }
}
