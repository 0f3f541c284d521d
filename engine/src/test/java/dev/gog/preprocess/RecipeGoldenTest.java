package dev.gog.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.bindings.CpuIsa;
import dev.gog.image.Box;
import dev.gog.image.DecodeOptions;
import dev.gog.image.Image;
import dev.gog.tensor.DType;
import dev.gog.tensor.Tensor;
import dev.gog.testing.Npy;
import dev.gog.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The recipes against Pillow: testdata/recipes/ holds the outputs of Pillow driven the way the
 * model libraries drive it (scripts/testdata/make_recipe_goldens.py), for CLIP (resize then
 * centre crop, as Hugging Face does), SQUASH, LETTERBOX, gaze boxes and the DCT-scaled glance.
 * The engine computes each as one box resize. U8 outputs must be within +-1 of Pillow; F32
 * within 1e-5 + one LUT step (1 / (255 std)) of the numpy-normalised golden. Where the engine's
 * box resize is literally the same Pillow call (squash, letterbox, gaze), the scalar reference
 * kernels must match Pillow exactly.
 */
class RecipeGoldenTest {

    @TestFactory
    Stream<DynamicTest> recipesMatchPillow() {
        List<Map<String, String>> rows = TestData.tsv("recipes/manifest.tsv");
        assertFalse(rows.isEmpty());
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, String> r : rows) {
            for (CpuIsa isa : new CpuIsa[] {CpuIsa.AUTO, CpuIsa.SCALAR}) {
                tests.add(DynamicTest.dynamicTest(r.get("case") + " [" + isa + "]", () -> check(r, isa)));
            }
        }
        return tests.stream();
    }

    private static void check(Map<String, String> r, CpuIsa isa) {
        int size = Integer.parseInt(r.get("size"));
        ResizeMode mode = ResizeMode.valueOf(r.get("mode").toUpperCase(Locale.ROOT));
        ResizeFilter filter = ResizeFilter.valueOf(r.get("filter").toUpperCase(Locale.ROOT));
        boolean normalised = !r.get("norm").equals("-");
        PreprocessSpec spec = new PreprocessSpec(size, filter, mode, Normalization.CLIP, normalised ? DType.F32 : DType.U8);
        byte[] bytes = TestData.bytes(r.get("image"));
        Npy golden = Npy.read(TestData.path("recipes").resolve(r.get("golden")));
        boolean sameCallAsPillow = mode != ResizeMode.CLIP && !r.get("draft").equals("1");
        try (Preprocessor pre = new Preprocessor(spec, 1, isa)) {
            Tensor out;
            if (r.get("draft").equals("1")) {
                out = pre.glance(bytes);
                try (Image img = pre.glanceImage(bytes, DecodeOptions.DEFAULTS)) {
                    assertTrue(img.scaleDenom() > 1, "the glance case must use a DCT-scaled decode");
                }
            } else {
                try (Image img = Image.decode(bytes)) {
                    if (r.get("boxes").equals("-")) {
                        out = pre.whole(img);
                    } else {
                        List<Box> boxes = new ArrayList<>();
                        for (String b : r.get("boxes").split(";")) boxes.add(Box.parse(b));
                        out = pre.crops(img, boxes);
                    }
                }
            }
            try (out) {
                assertArrayEquals(golden.shape(), out.shape(), "shape");
                if (normalised) {
                    float[] got = out.toFloatArray();
                    float[] want = golden.f32();
                    int plane = size * size;
                    double worst = 0;
                    for (int i = 0; i < got.length; i++) {
                        int c = (i / plane) % 3;
                        double tol = 1e-5 + 1.0 / (255.0 * Normalization.CLIP.std(c));
                        double d = Math.abs(got[i] - want[i]);
                        worst = Math.max(worst, d / tol);
                        assertTrue(d <= tol, "element " + i + ": " + got[i] + " vs " + want[i]);
                    }
                    // Most values agree to float rounding, not only to one step.
                    long exact = 0;
                    for (int i = 0; i < got.length; i++) if (Math.abs(got[i] - want[i]) <= 1e-5) exact++;
                    System.err.printf("%s [%s]: %d of %d within 1e-5, worst %.2f of the tolerance%n",
                            r.get("case"), isa, exact, got.length, worst);
                    assertTrue(exact > got.length * 0.9, "only " + exact + " of " + got.length + " within 1e-5");
                } else {
                    byte[] got = out.toByteArray();
                    byte[] want = golden.u8();
                    int worst = 0;
                    long off = 0;
                    for (int i = 0; i < got.length; i++) {
                        int d = Math.abs((got[i] & 0xff) - (want[i] & 0xff));
                        worst = Math.max(worst, d);
                        if (d != 0) off++;
                    }
                    int allowed = isa == CpuIsa.SCALAR && sameCallAsPillow ? 0 : 1;
                    System.err.printf("%s [%s]: max difference %d, %d of %d values differ%n",
                            r.get("case"), isa, worst, off, got.length);
                    assertTrue(worst <= allowed, r.get("case") + " [" + isa + "]: max difference " + worst
                            + " > " + allowed + " (" + off + " of " + got.length + " values differ)");
                    assertTrue(off < got.length / 20, "too many values off by one: " + off);
                }
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> fusedOutputEqualsNormalizeOfRgb8() {
        return TestData.tsv("recipes/manifest.tsv").stream().filter(r -> r.get("draft").equals("0"))
                .map(r -> DynamicTest.dynamicTest(r.get("case"), () -> {
                    int size = Integer.parseInt(r.get("size"));
                    PreprocessSpec spec = new PreprocessSpec(size,
                            ResizeFilter.valueOf(r.get("filter").toUpperCase(Locale.ROOT)),
                            ResizeMode.valueOf(r.get("mode").toUpperCase(Locale.ROOT)), Normalization.CLIP, DType.F32);
                    try (Preprocessor pre = new Preprocessor(spec);
                         Image img = Image.decode(TestData.bytes(r.get("image")))) {
                        List<Box> boxes = new ArrayList<>();
                        if (r.get("boxes").equals("-")) boxes.add(Box.of(img.originalWidth(), img.originalHeight()));
                        else for (String b : r.get("boxes").split(";")) boxes.add(Box.parse(b));
                        List<Placement> items = r.get("boxes").equals("-") ? List.of(pre.wholePlacement(img))
                                : pre.placements(img, boxes);
                        try (Tensor fused = pre.run(img, items, DType.F32, null);
                             Tensor rgb = pre.run(img, items, DType.U8, null);
                             Tensor norm = pre.normalize(rgb);
                             Tensor bf16 = pre.run(img, items, DType.BF16, null)) {
                            assertEquals(-1, fused.segment().mismatch(norm.segment()), "bit-identical");
                            // BF16 is the round-to-nearest-even of the F32 value.
                            float[] f = fused.toFloatArray();
                            float[] b = bf16.toFloatArray();
                            for (int i = 0; i < f.length; i++) assertEquals(rne(f[i]), b[i], "element " + i);
                        }
                    }
                }));
    }

    /** bfloat16 round-to-nearest-even of a finite float, widened back. */
    static float rne(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xffff0000);
    }
}
