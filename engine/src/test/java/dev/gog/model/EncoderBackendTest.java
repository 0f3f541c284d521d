package dev.gog.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.bindings.CpuIsa;
import dev.gog.bindings.CudaNative;
import dev.gog.bindings.GogErrorCode;
import dev.gog.bindings.GogException;
import dev.gog.cli.Main;
import dev.gog.image.Image;
import dev.gog.tensor.DType;
import dev.gog.tensor.Tensor;
import dev.gog.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Backend selection of {@link Encoder}: {@link Backend#AUTO} is exactly the CPU where there is
 * no CUDA device, an explicit {@link Backend#CUDA} without one fails with
 * {@link GogErrorCode#NO_DEVICE} naming the reason, and, where a device exists, the CUDA backend
 * matches the CPU backend (pooled, dense and text outputs, fp32 within 1e-4 of the output's
 * scale, bf16 cosine at least 0.999, and the photo path). The parity tests are skipped with
 * "no CUDA device" elsewhere.
 */
@Timeout(120)
class EncoderBackendTest {
    private static final Path CLIP = TestData.path("models/tiny-clip");
    private static final Path SIGLIP = TestData.path("models/tiny-siglip");

    /** Whether the CUDA encoder can be tried here (libgog_cuda loaded, device 0 present). */
    private static boolean device() {
        return CudaNative.unavailableReason(0) == null;
    }

    @Test
    void optionsDefaultToTheCpuAndWithersKeepTheRest() {
        Encoder.Options d = Encoder.Options.defaults();
        assertEquals(Backend.CPU, d.backend());
        assertEquals(0, d.cudaDevice());
        Encoder.Options legacy = new Encoder.Options(Precision.BF16, 3, CpuIsa.SCALAR);
        assertEquals(Backend.CPU, legacy.backend());
        Encoder.Options o = legacy.withBackend(Backend.CUDA).withCudaDevice(2);
        assertEquals(new Encoder.Options(Precision.BF16, 3, CpuIsa.SCALAR, Backend.CUDA, 2), o);
        assertEquals(o, o.withPrecision(Precision.BF16).withThreads(3).withIsa(CpuIsa.SCALAR));
        assertThrows(IllegalArgumentException.class, () -> d.withCudaDevice(-1));
        assertThrows(IllegalArgumentException.class, () -> d.withCudaDevice(1024));
        assertThrows(NullPointerException.class, () -> d.withBackend(null));
        assertEquals(Backend.CUDA, Backend.parse(" CUDA "));
        assertEquals(Backend.CPU, Backend.parse("cpu"));
        assertEquals(Backend.AUTO, Backend.parse("Auto"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backend.parse("tpu"));
        assertTrue(e.getMessage().contains("cpu, cuda or auto"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backend.parse(null));
    }

    @Test
    void autoWithoutADeviceIsExactlyTheCpu() {
        Assumptions.assumeFalse(device(), "a CUDA device is present: AUTO may use it");
        String reason = Encoder.autoCpuReason(Encoder.Options.defaults());
        assertTrue(reason != null && reason.startsWith("no CUDA device (libgog_cuda: ") && reason.endsWith(")"), reason);
        assertFalse(reason.contains("(libgog_cuda: no CUDA device"), "the prefix is not repeated: " + reason);
        int[] ids = ids(new SplittableRandom(7), 2, 16, 1000);
        try (Encoder auto = Encoder.load(CLIP, Encoder.Options.defaults().withThreads(2).withBackend(Backend.AUTO));
             Encoder cpu = Encoder.load(CLIP, Encoder.Options.defaults().withThreads(2).withBackend(Backend.CPU));
             Tensor px = pixels(new SplittableRandom(1), 2, 3, 32, 48);
             ImageEmbeddings a = auto.encodeImages(px, true);
             ImageEmbeddings c = cpu.encodeImages(px, true);
             Tensor ta = auto.encodeTokens(clipIds(ids, 2, 16, auto), 2, 16);
             Tensor tc = cpu.encodeTokens(clipIds(ids, 2, 16, cpu), 2, 16)) {
            assertEquals(Backend.CPU, auto.backend());
            assertEquals(Backend.AUTO, auto.options().backend());
            assertTrue(auto.packedBytes() > 0, "the CPU backend packs its weights");
            assertEquals(cpu.packedBytes(), auto.packedBytes());
            assertTrue(auto.toString().contains("CPU"), auto.toString());
            assertArrayEquals(c.embeddings().toFloatArray(), a.embeddings().toFloatArray());
            assertArrayEquals(c.dense().toFloatArray(), a.dense().toFloatArray());
            assertArrayEquals(tc.toFloatArray(), ta.toFloatArray());
        }
    }

    @Test
    void autoWithAPinnedCpuVariantUsesTheCpu() {
        Encoder.Options o = Encoder.Options.defaults().withIsa(CpuIsa.SCALAR).withThreads(1);
        String reason = Encoder.autoCpuReason(o);
        assertTrue(reason != null && reason.contains("SCALAR"), String.valueOf(reason));
        try (Encoder enc = Encoder.load(CLIP, o)) {
            assertEquals(Backend.CPU, enc.backend());
        }
    }

    @Test
    void explicitCudaWithoutADeviceFailsWithNoDevice() {
        Assumptions.assumeFalse(device(), "a CUDA device is present");
        String why = CudaNative.unavailableReason(0);
        GogException e = assertThrows(GogException.class,
                () -> Encoder.load(CLIP, Encoder.Options.defaults().withBackend(Backend.CUDA)));
        assertEquals(GogErrorCode.NO_DEVICE, e.code());
        assertTrue(e.getMessage().startsWith("gog_cuda_encoder_create: "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage() + " does not name the reason " + why);
        // nothing is left half-open: loading again (CPU) works
        try (Encoder enc = Encoder.load(CLIP, Encoder.Options.defaults().withBackend(Backend.CPU).withThreads(1))) {
            assertEquals(Backend.CPU, enc.backend());
        }
    }

    @Test
    void cliBackendOption() {
        String[] base = {"ask", "--model", CLIP.toString(), "--searxng", "http://127.0.0.1:9",
            "--image", TestData.path("photos/sample-1.jpg").toString(), "--question", "q?"};
        String[] bad = concat(base, "--backend", "tpu");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(bad, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, code, text); // ExitCode.USAGE
        assertTrue(text.contains("--backend must be cpu, cuda or auto"), text);
        if (!device()) {
            err.reset();
            code = Main.run(concat(base, "--backend", "cuda"), new PrintStream(new ByteArrayOutputStream(), true,
                    StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            text = err.toString(StandardCharsets.UTF_8);
            assertNotEquals(0, code, text);
            assertTrue(text.contains("gog_cuda_encoder_create"), text);
        }
    }

    // ------------------------------------------------------------------ parity (needs a device)

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tiny-clip, F32", "tiny-clip, BF16", "tiny-siglip, F32", "tiny-siglip, BF16"})
    void cudaMatchesTheCpu(String model, Precision precision) {
        Assumptions.assumeTrue(device(), "no CUDA device");
        Path dir = TestData.path("models/" + model);
        Encoder.Options base = Encoder.Options.defaults().withPrecision(precision).withThreads(2);
        SplittableRandom rnd = new SplittableRandom(42);
        try (Encoder cpu = Encoder.load(dir, base.withBackend(Backend.CPU));
             Encoder gpu = Encoder.load(dir, base.withBackend(Backend.CUDA))) {
            assertEquals(Backend.CUDA, gpu.backend());
            assertEquals(0, gpu.packedBytes());
            int p = cpu.config().vision().patchSize(), s = cpu.config().vision().imageSize();
            int c = cpu.config().vision().channels();
            for (int[] hw : new int[][] {{s, s}, {s, s + 2 * p}, {2 * p, 3 * p}}) {
                try (Tensor px = pixels(rnd, 3, c, hw[0], hw[1]);
                     ImageEmbeddings a = cpu.encodeImages(px, true);
                     ImageEmbeddings b = gpu.encodeImages(px, true);
                     ImageEmbeddings pooled = gpu.encodeImages(px, false)) {
                    assertEquals(a.rows(), b.rows());
                    assertEquals(a.cols(), b.cols());
                    assertArrayEquals(a.embeddings().shape(), b.embeddings().shape());
                    assertArrayEquals(a.dense().shape(), b.dense().shape());
                    close(precision, "pooled " + hw[0] + "x" + hw[1], a.embeddings(), b.embeddings());
                    close(precision, "dense " + hw[0] + "x" + hw[1], a.dense(), b.dense());
                    assertNull(pooled.dense());
                    close(precision, "pooled without dense", a.embeddings(), pooled.embeddings());
                }
            }
            List<String> texts = List.of("a photo of a cat", "a bowl of noodle soup with chopsticks", "x");
            try (Tensor a = cpu.encodeTexts(texts); Tensor b = gpu.encodeTexts(texts)) {
                assertArrayEquals(a.shape(), b.shape());
                close(precision, "text", a, b);
            }
            // the same validation, before the call
            GogException ga = assertThrows(GogException.class, () -> cpu.grid(p + 1, p));
            GogException gb = assertThrows(GogException.class, () -> gpu.grid(p + 1, p));
            assertEquals(ga.code(), gb.code());
            assertEquals(ga.getMessage(), gb.getMessage());
            int vocab = cpu.config().text().vocabSize();
            GogException ta = assertThrows(GogException.class, () -> cpu.encodeTokens(new int[] {vocab, 0}, 1, 2));
            GogException tb = assertThrows(GogException.class, () -> gpu.encodeTokens(new int[] {vocab, 0}, 1, 2));
            assertEquals(ta.code(), tb.code());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"tiny-clip", "tiny-siglip"})
    void cudaPhotoPathMatchesTheCpu(String model) throws IOException {
        Assumptions.assumeTrue(device(), "no CUDA device");
        Path dir = TestData.path("models/" + model);
        Encoder.Options base = Encoder.Options.defaults().withThreads(2);
        try (Encoder cpu = Encoder.load(dir, base.withBackend(Backend.CPU));
             Encoder auto = Encoder.load(dir, base.withBackend(Backend.AUTO));
             Image img = Image.decode(Files.readAllBytes(TestData.path("photos/sample-2.jpg")));
             ImageEmbeddings a = cpu.encodeImage(img, true);
             ImageEmbeddings b = auto.encodeImage(img, true)) {
            assertEquals(Backend.CUDA, auto.backend(), "AUTO uses the device when there is one");
            close(Precision.F32, "photo pooled", a.embeddings(), b.embeddings());
            close(Precision.F32, "photo dense", a.dense(), b.dense());
        }
    }

    // ------------------------------------------------------------------ helpers

    /** fp32: max abs difference within 1e-4 of the scale; bf16: every row's cosine >= 0.999. */
    private static void close(Precision precision, String what, Tensor ref, Tensor got) {
        assertArrayEquals(ref.shape(), got.shape(), what + " shape");
        float[] r = ref.toFloatArray(), o = got.toFloatArray();
        if (precision == Precision.F32) {
            double scale = 0, err = 0;
            for (int i = 0; i < r.length; i++) {
                scale = Math.max(scale, Math.abs(r[i]));
                err = Math.max(err, Math.abs(r[i] - o[i]));
            }
            assertTrue(err <= 1e-4 * scale, what + ": max abs difference " + err + " > 1e-4 * " + scale);
        } else {
            long[] sh = ref.shape();
            int d = (int) sh[sh.length - 1];
            double worst = dev.gog.testing.Similarity.minRowCosine(r, o, d);
            assertTrue(worst >= 0.999, what + ": cosine " + worst + " < 0.999");
        }
    }

    private static Tensor pixels(SplittableRandom rnd, int b, int c, int h, int w) {
        Tensor t = Tensor.allocate(DType.F32, b, c, h, w);
        long n = (long) b * c * h * w;
        for (long i = 0; i < n; i++) t.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (rnd.nextDouble() * 4 - 2));
        return t;
    }

    private static int[] ids(SplittableRandom rnd, int batch, int length, int bound) {
        int[] ids = new int[batch * length];
        for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(1, bound);
        return ids;
    }

    /** Random ids within the model's vocabulary, each row ending with the end-of-text id. */
    private static int[] clipIds(int[] raw, int batch, int length, Encoder enc) {
        int vocab = enc.config().text().vocabSize(), eos = enc.config().text().eosTokenId();
        int[] ids = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            int v = raw[i] % vocab;
            ids[i] = v == eos ? (v + 1) % vocab : v;
        }
        for (int r = 0; r < batch; r++) ids[r * length + length - 1] = eos;
        return ids;
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
