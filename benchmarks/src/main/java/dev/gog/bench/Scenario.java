package dev.gog.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The workload every preprocessing benchmark runs, ours and the peers' alike: the 1920x1080
 * JPEG in {@code testdata/bench/}, the whole frame to 224x224 (CLIP recipe: shortest side to
 * 224, centre crop), and a batch of eight gaze boxes of mixed sizes to 336x336, bicubic, with
 * CLIP normalisation into a float32 NCHW tensor.
 */
public final class Scenario {
    /** Side of the glance tensor. */
    public static final int GLANCE = 224;
    /** Side of each gaze crop. */
    public static final int GAZE = 336;
    /** Gaze boxes in pixels of the 1920x1080 frame: x1, y1, x2, y2 (integers, so every peer can take them). */
    public static final int[][] BOXES = {
        {100, 80, 420, 400},     // 320 x 320
        {600, 200, 1500, 1000},  // 900 x 800
        {1300, 50, 1800, 450},   // 500 x 400
        {50, 600, 350, 1000},    // 300 x 400
        {800, 500, 1000, 700},   // 200 x 200
        {1000, 300, 1700, 900},  // 700 x 600
        {200, 150, 800, 750},    // 600 x 600
        {1450, 600, 1900, 1060}, // 450 x 460
    };
    /** CLIP normalisation constants. */
    public static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private Scenario() {}

    /** The repository root: system property {@code gog.repo.dir}, else the working directory or its parent. */
    public static Path repoDir() {
        String p = System.getProperty("gog.repo.dir");
        if (p != null) return Path.of(p);
        Path cwd = Path.of("").toAbsolutePath();
        for (Path d = cwd; d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("testdata/bench"))) return d;
        }
        throw new IllegalStateException("cannot find testdata/bench; set -Dgog.repo.dir=<repository root>");
    }

    /** Bytes of the 1080p benchmark JPEG. */
    public static byte[] jpeg1080p() {
        try {
            return Files.readAllBytes(repoDir().resolve("testdata/bench/photo-1080p.jpg"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pixels the gaze batch reads (sum of box areas), for MP/s. */
    public static long gazeSourcePixels() {
        long n = 0;
        for (int[] b : BOXES) n += (long) (b[2] - b[0]) * (b[3] - b[1]);
        return n;
    }
}
