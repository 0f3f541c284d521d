package dev.gog.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.bindings.CpuIsa;
import dev.gog.bindings.GogErrorCode;
import dev.gog.bindings.GogException;
import dev.gog.image.Box;
import dev.gog.image.DecodeOptions;
import dev.gog.image.Image;
import dev.gog.tensor.DType;
import dev.gog.tensor.Tensor;
import dev.gog.testing.TestData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PreprocessorTest {
    private static final String BENCH = "bench/photo-1080p.jpg";
    private static final String PHOTO = "photos/sample-3.jpg";

    /** Eight gaze boxes of mixed sizes on the 1920x1080 benchmark frame, some with fractional edges. */
    private static List<Box> gazeBoxes() {
        return List.of(new Box(100, 80, 420, 400), new Box(600.5f, 200.25f, 1500, 1000),
                new Box(1300, 50, 1800, 450), new Box(50, 600, 350, 1000), new Box(800, 500, 1000, 700),
                new Box(1000.75f, 300, 1700, 900.5f), new Box(200, 150, 800, 750), new Box(1450, 600, 1920, 1080));
    }

    @Test
    void twoThreadsEqualOneThreadBitForBit() {
        try (Image img = Image.decode(TestData.bytes(BENCH))) {
            for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.U8}) {
                PreprocessSpec spec = PreprocessSpec.clip(336).withMode(ResizeMode.SQUASH).withDtype(dtype);
                try (Preprocessor one = new Preprocessor(spec, 1); Preprocessor two = new Preprocessor(spec, 2);
                     Preprocessor three = new Preprocessor(spec, 3)) {
                    // 8 items (whole-item tiles), 3 items (banded tiles) and 1 item (bands only).
                    for (List<Box> boxes : List.of(gazeBoxes(), gazeBoxes().subList(0, 3), gazeBoxes().subList(5, 6))) {
                        try (Tensor a = one.crops(img, boxes); Tensor b = two.crops(img, boxes);
                             Tensor c = three.crops(img, boxes)) {
                            assertEquals(-1, a.segment().mismatch(b.segment()), dtype + " x" + boxes.size());
                            assertEquals(-1, a.segment().mismatch(c.segment()), dtype + " x" + boxes.size());
                        }
                    }
                    try (Tensor a = one.whole(img); Tensor b = two.whole(img)) {
                        assertEquals(-1, a.segment().mismatch(b.segment()));
                    }
                    try (Tensor u8 = one.cropsRgb8(img, gazeBoxes()); Tensor a = one.normalize(u8);
                         Tensor b = two.normalize(u8)) {
                        assertEquals(-1, a.segment().mismatch(b.segment()));
                    }
                }
            }
        }
    }

    @Test
    void intoReusesCallerTensorAndEqualsAllocatingForm() {
        try (Image img = Image.decode(TestData.bytes(BENCH));
             Preprocessor pre = new Preprocessor(PreprocessSpec.clip(96), 2);
             Tensor out = Tensor.allocate(DType.F32, 8, 3, 96, 96);
             Tensor whole = Tensor.allocate(DType.F32, 1, 3, 96, 96);
             Tensor u8 = Tensor.allocate(DType.U8, 8, 96, 96, 3)) {
            for (int round = 0; round < 2; round++) { // reused, same result
                pre.cropsInto(img, gazeBoxes(), out);
                try (Tensor ref = pre.crops(img, gazeBoxes())) {
                    assertEquals(-1, ref.segment().mismatch(out.segment()));
                }
            }
            pre.cropsInto(img, gazeBoxes(), u8);
            try (Tensor ref = pre.cropsRgb8(img, gazeBoxes())) {
                assertEquals(-1, ref.segment().mismatch(u8.segment()));
            }
            pre.wholeInto(img, whole);
            try (Tensor ref = pre.whole(img)) {
                assertEquals(-1, ref.segment().mismatch(whole.segment()));
            }
            // Wrong item count, wrong layout for the dtype: rejected before any native call.
            assertThrows(IllegalArgumentException.class, () -> pre.cropsInto(img, gazeBoxes().subList(0, 3), out));
            assertThrows(IllegalArgumentException.class, () -> pre.wholeInto(img, out));
            try (Tensor nhwcF32 = Tensor.allocate(DType.F32, 1, 96, 96, 3)) {
                assertThrows(IllegalArgumentException.class, () -> pre.wholeInto(img, nhwcF32));
            }
        }
        Tensor closed = Tensor.allocate(DType.F32, 1, 3, 96, 96);
        closed.close();
        try (Image img = Image.decode(TestData.bytes(PHOTO)); Preprocessor pre = new Preprocessor(PreprocessSpec.clip(96))) {
            assertThrows(IllegalStateException.class, () -> pre.wholeInto(img, closed));
        }
    }

    @Test
    void outputShapesAndOwnership() {
        try (Preprocessor pre = new Preprocessor(PreprocessSpec.clip(64));
             Image img = Image.decode(TestData.bytes(PHOTO))) {
            try (Tensor t = pre.whole(img)) {
                assertArrayEquals(new long[] {1, 3, 64, 64}, t.shape());
                assertEquals(DType.F32, t.dtype());
            }
            try (Tensor t = pre.wholeRgb8(img)) {
                assertArrayEquals(new long[] {1, 64, 64, 3}, t.shape());
                assertEquals(DType.U8, t.dtype());
            }
            MemorySegment seg;
            try (Arena arena = Arena.ofConfined()) {
                Tensor t = pre.crops(img, List.of(new Box(0, 0, 10, 10), new Box(5, 5, 400, 300)), arena);
                assertArrayEquals(new long[] {2, 3, 64, 64}, t.shape());
                seg = t.segment();
                t.close(); // the arena owns the memory
                seg.get(ValueLayout.JAVA_FLOAT, 0);
                Tensor u = pre.cropsRgb8(img, List.of(new Box(0, 0, 10, 10)), arena);
                assertArrayEquals(new long[] {1, 64, 64, 3}, u.shape());
                Tensor n = pre.normalize(u, arena);
                assertArrayEquals(new long[] {1, 3, 64, 64}, n.shape());
            }
            assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_FLOAT, 0));
        }
    }

    @Test
    void confinedMemoryWorksWithThreadsToo() {
        // Output memory confined to the calling thread cannot go to the workers: it runs here.
        try (Preprocessor two = new Preprocessor(PreprocessSpec.clip(64), 2);
             Preprocessor one = new Preprocessor(PreprocessSpec.clip(64), 1);
             Image img = Image.decode(TestData.bytes(PHOTO));
             Arena arena = Arena.ofConfined()) {
            Tensor a = two.crops(img, List.of(new Box(3, 4, 300, 200)), arena);
            try (Tensor b = one.crops(img, List.of(new Box(3, 4, 300, 200)))) {
                assertEquals(-1, a.segment().mismatch(b.segment()));
            }
        }
    }

    @Test
    void wrappedPixelsGiveTheSameResult() {
        try (Preprocessor pre = new Preprocessor(PreprocessSpec.clip(48));
             Image img = Image.decode(TestData.bytes(PHOTO));
             Arena arena = Arena.ofConfined()) {
            // Copy into a wider stride to check that the stride is honoured.
            long stride = img.stride() + 12;
            MemorySegment wide = arena.allocate(stride * img.height());
            for (int y = 0; y < img.height(); y++) {
                MemorySegment.copy(img.pixels(), y * img.stride(), wide, y * stride, img.stride());
            }
            Image view = Image.wrap(wide, img.width(), img.height(), stride);
            try (Tensor a = pre.whole(img); Tensor b = pre.whole(view)) {
                assertEquals(-1, a.segment().mismatch(b.segment()));
            }
        }
    }

    @Test
    void glanceUsesTheDctScaledDecodeAndOriginalCoordinates() {
        byte[] bytes = TestData.bytes(PHOTO); // 800x600
        PreprocessSpec spec = PreprocessSpec.clip(224);
        try (Preprocessor pre = new Preprocessor(spec)) {
            try (Image small = pre.glanceImage(bytes, DecodeOptions.DEFAULTS)) {
                // CLIP target (298, 224): s = min(800 // 298, 600 // 224) = 2
                assertEquals(2, small.scaleDenom());
                assertEquals(400, small.width());
                assertEquals(800, small.originalWidth());
                try (Tensor g = pre.glance(bytes); Tensor w = pre.whole(small)) {
                    assertEquals(-1, g.segment().mismatch(w.segment()));
                }
                // Boxes on a scaled image are in original coordinates too.
                try (Tensor a = pre.crops(small, List.of(new Box(100, 100, 500, 500)));
                     Image full = Image.decode(bytes);
                     Tensor b = pre.crops(full, List.of(new Box(100, 100, 500, 500)))) {
                    float[] x = a.toFloatArray();
                    float[] y = b.toFloatArray();
                    double mean = 0;
                    for (int i = 0; i < x.length; i++) mean += Math.abs(x[i] - y[i]);
                    mean /= x.length;
                    assertTrue(mean < 0.1, "a 1/2 decode of the same region should look alike: " + mean);
                }
                assertThrows(IllegalArgumentException.class, () -> pre.crops(small, List.of(new Box(0, 0, 801, 10))));
            }
            // The glance of a PNG decodes at full size (s = 1).
            try (Tensor t = pre.glance(TestData.bytes("decode/png_rgb8.png"))) {
                assertArrayEquals(new long[] {1, 3, 224, 224}, t.shape());
            }
        }
    }

    @Test
    void letterboxFillsOutsideThePlacedRectangle() {
        PreprocessSpec spec = PreprocessSpec.clip(224).withMode(ResizeMode.LETTERBOX);
        try (Preprocessor pre = new Preprocessor(spec); Image img = Image.decode(TestData.bytes(PHOTO));
             Tensor t = pre.wholeRgb8(img)) {
            byte[] px = t.toByteArray();
            // 800x600 -> 224x168 at y = 28: rows 0..27 and 196..223 are fill (123, 117, 104).
            for (int y : new int[] {0, 27, 196, 223}) {
                for (int x = 0; x < 224; x += 37) {
                    int o = (y * 224 + x) * 3;
                    assertEquals(123, px[o] & 0xff);
                    assertEquals(117, px[o + 1] & 0xff);
                    assertEquals(104, px[o + 2] & 0xff);
                }
            }
        }
    }

    @Test
    void badArgumentsAreRejectedBeforeTheDowncall() {
        try (Preprocessor pre = new Preprocessor(PreprocessSpec.clip(32));
             Image img = Image.decode(TestData.bytes(PHOTO))) {
            assertThrows(IllegalArgumentException.class, () -> pre.crops(img, List.of()));
            IllegalArgumentException out = assertThrows(IllegalArgumentException.class,
                    () -> pre.crops(img, List.of(new Box(0, 0, 10, 10), new Box(700, 500, 801, 600))));
            assertTrue(out.getMessage().contains("box 1"), out.getMessage());
            assertTrue(out.getMessage().contains("800x600"), out.getMessage());
            assertThrows(IllegalArgumentException.class, () -> pre.crops(img, List.of(new Box(-0.5f, 0, 10, 10))));
            assertThrows(IllegalArgumentException.class, () -> pre.crops(img, List.of(new Box(0, 0, 10, 600.01f))));
            assertThrows(IllegalArgumentException.class, () -> pre.crops(img, List.of(Box.parse("0,0,0,10"))));
            assertThrows(IllegalArgumentException.class, () -> pre.crops(img, List.of(Box.parse("NaN,0,5,10"))));
            assertThrows(IllegalArgumentException.class,
                    () -> pre.run(img, List.of(new Placement(Box.of(10, 10), 20, 0, 20, 20)), DType.F32, null));
            assertThrows(IllegalArgumentException.class, () -> new Preprocessor(PreprocessSpec.clip(32), 0));
        }
    }

    @Test
    void nativeFailuresSurfaceAsGogException() {
        // U8 is not an output type of gog_normalize_rgb8: the native validation says so.
        try (Arena arena = Arena.ofConfined()) {
            Tensor u8 = Tensor.allocate(arena, DType.U8, 1, 4, 4, 3);
            GogException e = assertThrows(GogException.class, () -> dev.gog.bindings.GogNative.normalizeRgb8(
                    u8.segment(), 1, 4, 4, floats(arena, 0, 0, 0), floats(arena, 1, 1, 1), DType.U8.nativeCode(),
                    0, arena.allocate(4 * 48), 4 * 48));
            assertEquals(GogErrorCode.INVALID_ARGUMENT, e.code());
            assertTrue(!e.nativeMessage().isBlank());
        }
    }

    private static MemorySegment floats(Arena a, float... v) {
        MemorySegment s = a.allocate(ValueLayout.JAVA_FLOAT, v.length);
        for (int i = 0; i < v.length; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v[i]);
        return s;
    }

    @Test
    void normalizeChecksItsInput() {
        try (Preprocessor pre = new Preprocessor(PreprocessSpec.clip(8))) {
            try (Tensor f = Tensor.allocate(DType.F32, 1, 8, 8, 3)) {
                assertThrows(IllegalArgumentException.class, () -> pre.normalize(f));
            }
            try (Tensor u = Tensor.allocate(DType.U8, 1, 8, 8, 4)) {
                assertThrows(IllegalArgumentException.class, () -> pre.normalize(u));
            }
            try (Tensor u = Tensor.allocate(DType.U8, 8, 8, 3)) {
                assertThrows(IllegalArgumentException.class, () -> pre.normalize(u));
            }
            Tensor closed = Tensor.allocate(DType.U8, 1, 2, 2, 3);
            closed.close();
            assertThrows(IllegalStateException.class, () -> pre.normalize(closed));
        }
    }

    @Test
    void useAfterClose() {
        Preprocessor pre = new Preprocessor(PreprocessSpec.clip(16), 2);
        Image img = Image.decode(TestData.bytes(PHOTO));
        pre.whole(img).close();
        pre.close();
        assertThrows(IllegalStateException.class, () -> pre.whole(img));
        assertThrows(IllegalStateException.class, () -> pre.crops(img, List.of(new Box(0, 0, 5, 5))));
        assertThrows(IllegalStateException.class, () -> pre.glance(TestData.bytes(PHOTO)));
        try (Preprocessor p2 = new Preprocessor(PreprocessSpec.clip(16))) {
            img.close();
            assertThrows(IllegalStateException.class, () -> p2.whole(img));
            Tensor t;
            try (Image i2 = Image.decode(TestData.bytes(PHOTO))) {
                t = p2.whole(i2);
            }
            Tensor v = t.slice(0);
            t.close();
            assertThrows(IllegalStateException.class, v::toFloatArray);
            assertThrows(IllegalStateException.class, () -> p2.normalize(v));
        }
    }

    @Test
    void callerMemoryFreedUnderAnOpenImageIsNotRead() {
        try (Preprocessor one = new Preprocessor(PreprocessSpec.clip(16));
             Preprocessor two = new Preprocessor(PreprocessSpec.clip(16), 2)) {
            Arena arena = Arena.ofConfined();
            Image view = Image.wrap(arena.allocate(12 * 10 * 3), 12, 10, 36);
            one.whole(view).close();
            arena.close(); // the image is still open, its memory is gone
            assertThrows(IllegalStateException.class, () -> one.whole(view));
            assertThrows(IllegalStateException.class, () -> two.crops(view, List.of(new Box(0, 0, 5, 5))));
        }
    }

    @Test
    void pixelsConfinedToAnotherThreadAreRefused() throws Exception {
        try (Preprocessor pre = new Preprocessor(PreprocessSpec.clip(16)); Arena arena = Arena.ofConfined()) {
            Image view = Image.wrap(arena.allocate(12 * 10 * 3), 12, 10, 36);
            Throwable[] thrown = new Throwable[1];
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    pre.whole(view).close();
                } catch (Throwable e) {
                    thrown[0] = e;
                }
            });
            t.join();
            assertTrue(thrown[0] instanceof WrongThreadException, String.valueOf(thrown[0]));
        }
    }

    @Test
    void readOnlyOutputIsRejected() {
        try (Preprocessor pre = new Preprocessor(PreprocessSpec.clip(16));
             Image img = Image.decode(TestData.bytes(PHOTO));
             Arena arena = Arena.ofConfined()) {
            MemorySegment ro = arena.allocate(4L * 3 * 16 * 16).asReadOnly();
            Tensor out = Tensor.wrap(ro, DType.F32, 1, 3, 16, 16);
            assertThrows(IllegalArgumentException.class, () -> pre.wholeInto(img, out));
            assertEquals(0f, ro.get(ValueLayout.JAVA_FLOAT, 0));
        }
    }

    @Test
    void scalarAndDefaultKernelsAgreeWithinOne() {
        SplittableRandom r = new SplittableRandom(7);
        try (Image img = Image.decode(TestData.bytes(PHOTO));
             Preprocessor def = new Preprocessor(PreprocessSpec.clip(96).withDtype(DType.U8));
             Preprocessor ref = new Preprocessor(PreprocessSpec.clip(96).withDtype(DType.U8), 1, CpuIsa.SCALAR)) {
            List<Box> boxes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                float x1 = (float) (r.nextDouble() * 700), y1 = (float) (r.nextDouble() * 500);
                boxes.add(new Box(x1, y1, x1 + 1 + (float) (r.nextDouble() * (799 - x1)),
                        y1 + 1 + (float) (r.nextDouble() * (599 - y1))));
            }
            try (Tensor a = def.crops(img, boxes); Tensor b = ref.crops(img, boxes)) {
                byte[] x = a.toByteArray();
                byte[] y = b.toByteArray();
                for (int i = 0; i < x.length; i++) assertTrue(Math.abs((x[i] & 0xff) - (y[i] & 0xff)) <= 1);
            }
        }
    }
}
