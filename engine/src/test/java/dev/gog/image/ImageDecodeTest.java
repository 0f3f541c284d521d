package dev.gog.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.bindings.GogErrorCode;
import dev.gog.bindings.GogException;
import dev.gog.testing.Npy;
import dev.gog.testing.TestData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Decoding through Java against the decoder goldens of testdata/decode (Pillow's decode, or
 * numpy for PNG, written by scripts/testdata/make_decode_data.py), and the bad inputs of
 * testdata/bad against their expected status.
 */
class ImageDecodeTest {

    static void assertPixels(Image img, Npy golden, int tolerance, String what) {
        assertEquals(3, golden.shape().length, what);
        assertEquals(golden.shape()[0], img.height(), what + ": height");
        assertEquals(golden.shape()[1], img.width(), what + ": width");
        byte[] expect = golden.u8();
        MemorySegment px = img.pixels();
        int w = img.width();
        int worst = 0;
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < 3 * w; x++) {
                int a = px.get(ValueLayout.JAVA_BYTE, y * img.stride() + x) & 0xff;
                int b = expect[y * 3 * w + x] & 0xff;
                worst = Math.max(worst, Math.abs(a - b));
            }
        }
        assertTrue(worst <= tolerance, what + ": max difference " + worst + " > tolerance " + tolerance);
    }

    @TestFactory
    Stream<DynamicTest> manifestRowsDecodeToTheirGoldens() {
        List<Map<String, String>> rows = TestData.tsv("decode/manifest.tsv");
        assertFalse(rows.isEmpty());
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Map<String, String> r = rows.get(i);
            int k = i;
            String name = r.get("file") + " t=" + r.get("target_w") + "x" + r.get("target_h");
            tests.add(DynamicTest.dynamicTest(name, () -> {
                Path file = TestData.path("decode").resolve(r.get("file")).normalize();
                Npy golden = Npy.read(TestData.path("decode").resolve(r.get("golden")));
                int tol = Integer.parseInt(r.get("tolerance"));
                DecodeOptions opts = DecodeOptions.DEFAULTS.withTarget(
                        Integer.parseInt(r.get("target_w")), Integer.parseInt(r.get("target_h")));
                // Alternate the three entry points over the rows.
                switch (k % 3) {
                    case 0 -> {
                        try (Image img = Image.read(file, opts)) {
                            assertPixels(img, golden, tol, name);
                        }
                    }
                    case 1 -> {
                        try (Image img = Image.decode(java.nio.file.Files.readAllBytes(file), opts)) {
                            assertPixels(img, golden, tol, name);
                        }
                    }
                    default -> {
                        try (Arena arena = Arena.ofConfined()) {
                            byte[] bytes = java.nio.file.Files.readAllBytes(file);
                            MemorySegment enc = arena.allocate(bytes.length);
                            enc.copyFrom(MemorySegment.ofArray(bytes));
                            Image img = Image.decode(enc, opts, arena);
                            assertPixels(img, golden, tol, name);
                            img.close();
                            assertThrows(IllegalStateException.class, img::pixels);
                        }
                    }
                }
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> probeReportsTheInfoFields() {
        return TestData.tsv("decode/info.tsv").stream().map(r -> DynamicTest.dynamicTest(
                r.get("file") + " t=" + r.get("target_w") + "x" + r.get("target_h"), () -> {
                    Path file = TestData.path("decode").resolve(r.get("file")).normalize();
                    DecodeOptions opts = DecodeOptions.DEFAULTS.withTarget(
                            Integer.parseInt(r.get("target_w")), Integer.parseInt(r.get("target_h")));
                    ImageInfo info = Image.probe(file, opts);
                    assertEquals(ImageFormat.values()[Integer.parseInt(r.get("format"))], info.format());
                    assertEquals(Integer.parseInt(r.get("width")), info.width());
                    assertEquals(Integer.parseInt(r.get("height")), info.height());
                    assertEquals(Integer.parseInt(r.get("stored_width")), info.storedWidth());
                    assertEquals(Integer.parseInt(r.get("stored_height")), info.storedHeight());
                    assertEquals(Integer.parseInt(r.get("orientation")), info.orientation());
                    assertEquals(Integer.parseInt(r.get("scale_denom")), info.scaleDenom());
                    assertEquals(Integer.parseInt(r.get("channels")), info.channels());
                    assertEquals(Integer.parseInt(r.get("bit_depth")), info.bitDepth());
                    assertEquals(r.get("has_alpha").equals("1"), info.hasAlpha());
                    assertEquals(r.get("progressive").equals("1"), info.progressive());
                    // The original (oriented, unscaled) size is what boxes refer to.
                    int s = info.scaleDenom();
                    assertEquals((info.originalWidth() + s - 1) / s, info.width());
                    assertEquals((info.originalHeight() + s - 1) / s, info.height());
                    // decode agrees with probe
                    try (Image img = Image.read(file, opts)) {
                        assertEquals(info, img.info());
                        assertEquals(info.originalWidth(), img.originalWidth());
                        assertEquals(info.originalHeight(), img.originalHeight());
                        assertEquals(3L * img.width(), img.stride());
                    }
                }));
    }

    @TestFactory
    Stream<DynamicTest> badFilesFailWithTheirStatus() {
        List<Map<String, String>> rows = TestData.tsv("bad/manifest.tsv");
        assertFalse(rows.isEmpty());
        return rows.stream().map(r -> DynamicTest.dynamicTest(r.get("file") + " -> " + r.get("expected"), () -> {
            byte[] bytes = TestData.bytes("bad/" + r.get("file"));
            GogErrorCode expected = GogErrorCode.valueOf(r.get("expected").replace("GOG_ERR_", ""));
            GogException e = assertThrows(GogException.class, () -> {
                try (Image img = Image.decode(bytes)) {
                    img.width();
                }
            });
            assertEquals(expected, e.code(), e.getMessage());
            assertFalse(e.nativeMessage().isBlank(), "a message is expected for " + r.get("file"));
            // Reading the file (memory-mapped) fails the same way.
            GogException e2 = assertThrows(GogException.class, () -> Image.read(TestData.path("bad/" + r.get("file"))).close());
            assertEquals(expected, e2.code());
        }));
    }
}
