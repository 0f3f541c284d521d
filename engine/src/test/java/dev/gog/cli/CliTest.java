package dev.gog.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.gog.image.Box;
import dev.gog.image.Image;
import dev.gog.preprocess.PreprocessSpec;
import dev.gog.preprocess.Preprocessor;
import dev.gog.preprocess.ResizeMode;
import dev.gog.tensor.Tensor;
import dev.gog.testing.Npy;
import dev.gog.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI in-process: JSON against docs/schema/preprocess.schema.json, files, exit codes. */
class CliTest {
    @TempDir
    Path tmp;

    private static JsonSchema schema;

    @BeforeAll
    static void loadSchema() throws IOException {
        Path file = TestData.repoDir().resolve("docs/schema/preprocess.schema.json");
        try (InputStream in = Files.newInputStream(file)) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    private record Run(int exit, String out, String err) {}

    private static Run gog(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static JsonNode validJson(Run r) throws IOException {
        assertEquals(0, r.exit(), r.err());
        assertEquals(1, r.out().strip().lines().count(), "exactly one JSON line on stdout: " + r.out());
        JsonNode json = new ObjectMapper().readTree(r.out());
        Set<ValidationMessage> errors = schema.validate(json);
        assertTrue(errors.isEmpty(), "schema violations: " + errors + "\n" + r.out());
        return json;
    }

    private static void assertOneErrorLine(Run r, int code) {
        assertEquals(code, r.exit(), r.out() + r.err());
        assertEquals("", r.out(), "nothing on stdout on failure");
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), "one error line: " + r.err());
        assertTrue(lines.get(0).startsWith("gog: error: "), r.err());
    }

    @Test
    void wholeImageDefaults() throws IOException {
        Path photo = TestData.path("photos/sample-2.jpg");
        Path out = tmp.resolve("out");
        JsonNode j = validJson(gog("preprocess", photo.toString(), "--size", "224", "--out", out.toString()));
        assertEquals("preprocess", j.get("command").asText());
        assertEquals("jpeg", j.at("/image/format").asText());
        assertEquals(800, j.at("/image/width").asInt());
        assertEquals(531, j.at("/image/height").asInt());
        assertEquals(1, j.at("/image/scale_denom").asInt());
        assertEquals("bicubic", j.get("filter").asText());
        assertEquals("clip", j.get("resize").asText());
        assertEquals("clip", j.get("norm").asText());
        assertEquals(1, j.get("crops").size());
        assertEquals(0f, (float) j.at("/crops/0/box/x1").asDouble());
        assertEquals(800f, (float) j.at("/crops/0/box/x2").asDouble());
        assertEquals((float) (56 * 800.0 / 337), (float) j.at("/crops/0/source/x1").asDouble());
        assertTrue(Files.isRegularFile(out.resolve("crop-0.png")));
        assertEquals(out.resolve("tensor.npy").toAbsolutePath().normalize().toString(), j.at("/tensor/file").asText());

        // The tensor is the library's CLIP tensor, and the PNG its RGB8 form.
        Npy npy = Npy.read(out.resolve("tensor.npy"));
        assertArrayEquals(new long[] {1, 3, 224, 224}, npy.shape());
        var png = ImageIO.read(out.resolve("crop-0.png").toFile());
        assertEquals(224, png.getWidth());
        try (Preprocessor pre = new Preprocessor(PreprocessSpec.clip(224));
             Image img = Image.read(photo); Tensor t = pre.whole(img); Tensor rgb = pre.wholeRgb8(img)) {
            assertArrayEquals(t.toFloatArray(), npy.f32());
            byte[] px = rgb.toByteArray();
            for (int y = 0; y < 224; y += 17) {
                for (int x = 0; x < 224; x += 13) {
                    int o = (y * 224 + x) * 3;
                    int argb = png.getRGB(x, y);
                    assertEquals(px[o] & 0xff, (argb >> 16) & 0xff);
                    assertEquals(px[o + 1] & 0xff, (argb >> 8) & 0xff);
                    assertEquals(px[o + 2] & 0xff, argb & 0xff);
                }
            }
        }
    }

    @Test
    void boxesLetterboxThreadsAndSiglip() throws IOException {
        Path out = tmp.resolve("boxes");
        JsonNode j = validJson(gog("preprocess", TestData.path("photos/sample-3.jpg").toString(), "--size", "96",
                "--box", "10,20,410,380", "--box", "0.5,0.5,100.25,80", "--box", "700,10,800,600",
                "--resize", "letterbox", "--filter", "bilinear", "--norm", "siglip", "--threads", "2",
                "--out", out.toString()));
        assertEquals(3, j.get("crops").size());
        assertEquals("siglip", j.get("norm").asText());
        assertEquals(2, j.get("threads").asInt());
        assertEquals(100.25, j.at("/crops/1/box/x2").asDouble(), 1e-6);
        // A box is resized whole to the frame whatever the whole-image recipe (letterbox here).
        assertEquals(0, j.at("/crops/2/placement/x").asInt());
        assertEquals(96, j.at("/crops/2/placement/width").asInt());
        assertEquals(800.0, j.at("/crops/2/source/x2").asDouble(), 1e-6);
        for (int i = 0; i < 3; i++) assertTrue(Files.isRegularFile(out.resolve("crop-" + i + ".png")));
        assertArrayEquals(new long[] {3, 3, 96, 96}, Npy.read(out.resolve("tensor.npy")).shape());
        // The same through the library.
        PreprocessSpec spec = PreprocessSpec.siglip(96).withMode(ResizeMode.LETTERBOX)
                .withFilter(dev.gog.preprocess.ResizeFilter.BILINEAR);
        try (Preprocessor pre = new Preprocessor(spec); Image img = Image.read(TestData.path("photos/sample-3.jpg"));
             Tensor t = pre.crops(img, List.of(Box.parse("10,20,410,380"), Box.parse("0.5,0.5,100.25,80"),
                     Box.parse("700,10,800,600")))) {
            assertArrayEquals(t.toFloatArray(), Npy.read(out.resolve("tensor.npy")).f32());
        }
    }

    @Test
    void draftGlance() throws IOException {
        JsonNode j = validJson(gog("preprocess", TestData.path("photos/sample-2.jpg").toString(), "--size", "224",
                "--draft", "--out", tmp.resolve("d").toString()));
        assertTrue(j.get("draft").asBoolean());
        assertEquals(2, j.at("/image/scale_denom").asInt());
        assertEquals(400, j.at("/image/decoded_width").asInt());
        assertEquals(800, j.at("/image/width").asInt());
    }

    @Test
    void configFile() throws IOException {
        Path cfg = tmp.resolve("preprocessor_config.json");
        Files.writeString(cfg, "{\"size\": {\"height\": 64, \"width\": 64}, \"image_mean\": [0.5,0.5,0.5],"
                + " \"image_std\": [0.5,0.5,0.5], \"resample\": 2}");
        JsonNode j = validJson(gog("preprocess", TestData.path("photos/sample-1.jpg").toString(), "--config",
                tmp.toString(), "--out", tmp.resolve("c").toString()));
        assertEquals(64, j.get("size").asInt());
        assertEquals("squash", j.get("resize").asText());
        assertEquals("bilinear", j.get("filter").asText());
        assertEquals("siglip", j.get("norm").asText());
    }

    @Test
    void helpAndVersion() {
        Run h = gog("--help");
        assertEquals(0, h.exit());
        assertTrue(h.out().contains("preprocess"), h.out());
        Run ph = gog("preprocess", "--help");
        assertEquals(0, ph.exit());
        assertTrue(ph.out().contains("--size") && ph.out().contains("--draft") && ph.out().contains("--box"), ph.out());
        Run v = gog("--version");
        assertEquals(0, v.exit());
        assertTrue(v.out().startsWith("gog "), v.out());
        assertTrue(v.out().contains("libgog"), v.out());
    }

    @Test
    void usageErrorsExitWith2() {
        String img = TestData.path("photos/sample-1.jpg").toString();
        String out = tmp.resolve("u").toString();
        assertOneErrorLine(gog(), 2);
        assertOneErrorLine(gog("frobnicate"), 2);
        assertOneErrorLine(gog("preprocess", img, "--size", "224"), 2); // no --out
        assertOneErrorLine(gog("preprocess", img, "--out", out), 2); // no --size
        assertOneErrorLine(gog("preprocess", img, "--size", "abc", "--out", out), 2);
        assertOneErrorLine(gog("preprocess", img, "--size", "0", "--out", out), 2);
        assertOneErrorLine(gog("preprocess", img, "--size", "224", "--filter", "lanczos", "--out", out), 2);
        assertOneErrorLine(gog("preprocess", img, "--size", "224", "--resize", "crop", "--out", out), 2);
        assertOneErrorLine(gog("preprocess", img, "--size", "224", "--threads", "0", "--out", out), 2);
        assertOneErrorLine(gog("preprocess", img, "--size", "224", "--bogus", "--out", out), 2);
        assertOneErrorLine(gog("preprocess", img, "--size", "224", "--draft", "--box", "0,0,5,5", "--out", out), 2);
        assertFalse(Files.exists(tmp.resolve("u")), "nothing written on a usage error");
    }

    @Test
    void badInputExitsWith3() throws IOException {
        String out = tmp.resolve("b").toString();
        String img = TestData.path("photos/sample-1.jpg").toString(); // 384 x 512
        assertOneErrorLine(gog("preprocess", TestData.path("bad/truncated.jpg").toString(), "--size", "32", "--out", out), 3);
        assertOneErrorLine(gog("preprocess", TestData.path("bad/random-4k.bin").toString(), "--size", "32", "--out", out), 3);
        assertOneErrorLine(gog("preprocess", TestData.path("bad/huge-dims.png").toString(), "--size", "32", "--out", out), 3);
        assertOneErrorLine(gog("preprocess", tmp.resolve("missing.jpg").toString(), "--size", "32", "--out", out), 3);
        Run outside = gog("preprocess", img, "--size", "32", "--box", "0,0,385,10", "--out", out);
        assertOneErrorLine(outside, 3);
        assertTrue(outside.err().contains("outside"), outside.err());
        assertOneErrorLine(gog("preprocess", img, "--size", "32", "--box", "5,5,5,10", "--out", out), 3);
        assertOneErrorLine(gog("preprocess", img, "--size", "32", "--box", "NaN,0,5,10", "--out", out), 3);
        assertOneErrorLine(gog("preprocess", img, "--size", "32", "--box", "-1,0,5,10", "--out", out), 3);
        assertOneErrorLine(gog("preprocess", img, "--size", "32", "--box", "1,2,3", "--out", out), 3);
        Run decode = gog("preprocess", TestData.path("bad/truncated.jpg").toString(), "--size", "32", "--out", out);
        assertTrue(decode.err().contains("gog_image_decode"), decode.err());
    }

    @Test
    void outputErrorsAreOneLineAndExit1() throws IOException {
        String img = TestData.path("photos/sample-1.jpg").toString();
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Run r = gog("preprocess", img, "--size", "16", "--out", file.toString());
        assertOneErrorLine(r, 1);
        assertTrue(r.err().contains("not a directory"), r.err());
        assertOneErrorLine(gog("preprocess", img, "--size", "16", "--out", file.resolve("sub").toString()), 1);

        // An output file that cannot be created: the PNG writer must not print its own trace.
        Path out = tmp.resolve("o");
        Files.createDirectories(out.resolve("crop-0.png").resolve("x"));
        PrintStream saved = System.err;
        ByteArrayOutputStream stray = new ByteArrayOutputStream();
        Run png;
        try {
            System.setErr(new PrintStream(stray, true, StandardCharsets.UTF_8));
            png = gog("preprocess", img, "--size", "16", "--out", out.toString());
        } finally {
            System.setErr(saved);
        }
        assertOneErrorLine(png, 1);
        assertTrue(png.err().contains("crop-0.png"), png.err());
        assertEquals("", stray.toString(StandardCharsets.UTF_8), "nothing else on stderr");

        Path out2 = tmp.resolve("o2");
        Files.createDirectories(out2.resolve("tensor.npy"));
        assertOneErrorLine(gog("preprocess", img, "--size", "16", "--out", out2.toString()), 1);
    }

    @Test
    void aDirectoryAsImageIsBadInput() {
        Run r = gog("preprocess", TestData.path("photos").toString(), "--size", "16", "--out", tmp.resolve("d").toString());
        assertOneErrorLine(r, 3);
        assertTrue(r.err().contains("directory"), r.err());
    }

    @Test
    void draftOfAFileOverTheEncodedLimitIsBadInput() throws IOException {
        // A sparse 3 GiB file: over the 256 MiB limit, and too large for a Java array.
        Path big = tmp.resolve("big.jpg");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.write(TestData.bytes("photos/sample-1.jpg"));
            f.setLength(3L << 30);
        }
        Run r = gog("preprocess", big.toString(), "--size", "16", "--draft", "--out", tmp.resolve("g").toString());
        assertOneErrorLine(r, 3);
    }

    /** A command that fails with an Error, as an allocation of a huge output does. */
    @CommandLine.Command(name = "boom")
    static final class Boom implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            throw new OutOfMemoryError("Unable to allocate 96636764208 bytes");
        }
    }

    @Test
    void errorsAreOneLineToo() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.execute(new CommandLine(new Boom()), new String[0],
                new java.io.PrintWriter(out, true, StandardCharsets.UTF_8),
                new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        Run r = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        assertOneErrorLine(r, 1);
        assertTrue(r.err().contains("Unable to allocate"), r.err());
    }

    @Test
    void configErrorsExitWith4() throws IOException {
        String img = TestData.path("photos/sample-1.jpg").toString();
        Path cfg = tmp.resolve("broken.json");
        Files.writeString(cfg, "{\"size\": {\"shortest_edge\": 224},");
        Run r = gog("preprocess", img, "--config", cfg.toString(), "--out", tmp.resolve("c").toString());
        assertOneErrorLine(r, 4);
        assertTrue(r.err().contains("broken.json"), r.err());
        Files.writeString(cfg, "{\"size\": {\"shortest_edge\": 224}, \"resample\": 0}");
        assertOneErrorLine(gog("preprocess", img, "--config", cfg.toString(), "--out", tmp.resolve("c").toString()), 4);
        assertOneErrorLine(gog("preprocess", img, "--config", tmp.resolve("nope.json").toString(), "--out",
                tmp.resolve("c").toString()), 4);
    }

    @Test
    void exitCodeMapping() {
        assertEquals(3, Main.exitCode(new dev.gog.bindings.GogException(3, "f", "m")));
        assertEquals(3, Main.exitCode(new dev.gog.bindings.GogException(5, "f", "m")));
        assertEquals(1, Main.exitCode(new dev.gog.bindings.GogException(2, "f", "m")));
        assertEquals(1, Main.exitCode(new dev.gog.bindings.GogException(42, "f", "m")));
        assertEquals(4, Main.exitCode(new dev.gog.preprocess.ModelConfigException("x")));
        assertEquals(1, Main.exitCode(new IOException("disk full")));
    }
}
