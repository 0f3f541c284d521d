package dev.gog.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.bindings.GogErrorCode;
import dev.gog.bindings.GogException;
import dev.gog.testing.TestData;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageTest {
    @TempDir
    Path tmp;

    private static final String PHOTO = "photos/sample-2.jpg";

    @Test
    void decodeReadAndProbeAgree() throws IOException {
        byte[] bytes = TestData.bytes(PHOTO);
        ImageInfo probed = Image.probe(bytes);
        assertEquals(ImageFormat.JPEG, probed.format());
        assertEquals(800, probed.width());
        assertEquals(531, probed.height());
        assertEquals(probed, Image.probe(TestData.path(PHOTO), DecodeOptions.DEFAULTS));
        assertEquals(probed, Image.probe(MemorySegment.ofArray(bytes), DecodeOptions.DEFAULTS));
        try (Image a = Image.decode(bytes); Image b = Image.read(TestData.path(PHOTO))) {
            assertEquals(800, a.width());
            assertEquals(531, a.height());
            assertEquals(2400, a.stride());
            assertEquals(800L * 531 * 3, a.pixels().byteSize());
            assertEquals(-1, a.pixels().mismatch(b.pixels()));
            assertEquals(1, a.scaleDenom());
            assertEquals(800, a.originalWidth());
            assertEquals(531, a.originalHeight());
        }
    }

    @Test
    void dctScaledDecodeKeepsTheOriginalSize() {
        byte[] bytes = TestData.bytes(PHOTO);
        try (Image img = Image.decode(bytes, DecodeOptions.DEFAULTS.withTarget(200, 130))) {
            // 800/200 = 4, 531/130 = 4 -> s = 4: ceil(800/4) x ceil(531/4)
            assertEquals(4, img.scaleDenom());
            assertEquals(200, img.width());
            assertEquals(133, img.height());
            assertEquals(800, img.originalWidth());
            assertEquals(531, img.originalHeight());
        }
    }

    @Test
    void orientationIsAppliedOrIgnored() throws IOException {
        Path six = TestData.path("decode/jpeg_exif_6.jpg");
        ImageInfo stored = Image.probe(six, DecodeOptions.DEFAULTS.withOrientation(false));
        ImageInfo oriented = Image.probe(six, DecodeOptions.DEFAULTS);
        assertEquals(6, oriented.orientation());
        assertEquals(1, stored.orientation());
        assertEquals(stored.width(), oriented.height());
        assertEquals(stored.height(), oriented.width());
        assertEquals(oriented.width(), oriented.originalWidth());
    }

    @Test
    void callerArenaOwnsThePixels() {
        byte[] bytes = TestData.bytes(PHOTO);
        MemorySegment px;
        try (Arena arena = Arena.ofConfined()) {
            Image img = Image.decode(MemorySegment.ofArray(bytes), DecodeOptions.DEFAULTS, arena);
            px = img.pixels();
            img.close();
            assertThrows(IllegalStateException.class, img::pixels);
            // Closing the image did not free the arena's memory.
            assertEquals(px.get(ValueLayout.JAVA_BYTE, 0), px.get(ValueLayout.JAVA_BYTE, 0));
        }
        assertThrows(IllegalStateException.class, () -> px.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void closedImageThrowsAndOwnedMemoryIsFreed() {
        Image img = Image.decode(TestData.bytes(PHOTO));
        MemorySegment px = img.pixels();
        img.close();
        img.close(); // idempotent
        assertTrue(img.isClosed());
        assertThrows(IllegalStateException.class, img::width);
        assertThrows(IllegalStateException.class, img::pixels);
        assertThrows(IllegalStateException.class, img::info);
        assertThrows(IllegalStateException.class, img::pin);
        assertThrows(IllegalStateException.class, () -> px.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void aPinDefersFreeingUntilReleased() {
        Image img = Image.decode(TestData.bytes(PHOTO));
        MemorySegment px = img.pixels();
        Image.Pin pin = img.pin();
        img.close();
        assertThrows(IllegalStateException.class, img::pixels);
        px.get(ValueLayout.JAVA_BYTE, 0); // still mapped
        pin.close();
        assertThrows(IllegalStateException.class, () -> px.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void wrapIsAViewWithoutCopy() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rgb = arena.allocate(10 * 40);
            Image img = Image.wrap(rgb, 12, 10, 40);
            assertEquals(12, img.width());
            assertEquals(40, img.stride());
            assertEquals(ImageFormat.UNKNOWN, img.format());
            rgb.set(ValueLayout.JAVA_BYTE, 41, (byte) 7);
            assertEquals(7, img.pixels().get(ValueLayout.JAVA_BYTE, 41));
            img.close();
            rgb.get(ValueLayout.JAVA_BYTE, 0); // the caller's memory is untouched
            assertThrows(IllegalArgumentException.class, () -> Image.wrap(rgb, 12, 10, 35));
            assertThrows(IllegalArgumentException.class, () -> Image.wrap(rgb, 14, 10, 42));
            assertThrows(IllegalArgumentException.class, () -> Image.wrap(rgb, 0, 10, 40));
            assertThrows(IllegalArgumentException.class, () -> Image.wrap(MemorySegment.ofArray(new byte[400]), 12, 10, 40));
        }
    }

    @Test
    void wrapRejectsAStrideWhoseSizeOverflows() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rgb = arena.allocate(64);
            // (5 - 1) * 2^62 wraps to 0 in 64-bit arithmetic: a 3-byte "need" for a wild stride.
            assertThrows(IllegalArgumentException.class, () -> Image.wrap(rgb, 1, 5, 1L << 62));
            assertThrows(IllegalArgumentException.class, () -> Image.wrap(rgb, 1, 3, Long.MAX_VALUE));
            assertThrows(IllegalArgumentException.class, () -> Image.wrap(rgb, 1, 2, Long.MAX_VALUE - 1));
            assertEquals(64, Image.wrap(rgb, 1, 2, 61).pixels().byteSize());
        }
    }

    @Test
    void pinFailsOnceCallerMemoryIsFreed() {
        Arena arena = Arena.ofConfined();
        Image view = Image.wrap(arena.allocate(12 * 10 * 3), 12, 10, 36);
        Image decoded = Image.decode(MemorySegment.ofArray(TestData.bytes(PHOTO)), DecodeOptions.DEFAULTS, arena);
        view.pin().close();
        decoded.pin().close();
        arena.close();
        assertThrows(IllegalStateException.class, view::pin);
        assertThrows(IllegalStateException.class, decoded::pin);
    }

    @Test
    void pinRefusesMemoryConfinedToAnotherThread() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Image view = Image.wrap(arena.allocate(12 * 10 * 3), 12, 10, 36);
            Throwable[] thrown = new Throwable[1];
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    view.pin().close();
                } catch (Throwable e) {
                    thrown[0] = e;
                }
            });
            t.join();
            assertTrue(thrown[0] instanceof WrongThreadException, String.valueOf(thrown[0]));
        }
    }

    @Test
    void aPinClosedTwiceReleasesOnce() {
        Image img = Image.decode(TestData.bytes(PHOTO));
        MemorySegment px = img.pixels();
        Image.Pin a = img.pin();
        Image.Pin b = img.pin();
        a.close();
        a.close();
        img.close();
        px.get(ValueLayout.JAVA_BYTE, 0); // b still holds the memory
        b.close();
        assertThrows(IllegalStateException.class, () -> px.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void readingADirectoryIsAnIoError() {
        assertThrows(IOException.class, () -> Image.read(tmp));
        assertThrows(IOException.class, () -> Image.probe(tmp, DecodeOptions.DEFAULTS));
    }

    // --- bad input --------------------------------------------------------------------------------

    private static GogErrorCode failure(byte[] bytes) {
        try (Image img = Image.decode(bytes)) {
            return img.width() > 0 ? GogErrorCode.OK : GogErrorCode.UNKNOWN;
        } catch (GogException e) {
            assertFalse(e.nativeMessage().isBlank(), "message for " + e.code());
            return e.code();
        }
    }

    @Test
    void emptyBytes() {
        assertEquals(GogErrorCode.INVALID_ARGUMENT, failure(new byte[0]));
        GogException e = assertThrows(GogException.class, () -> Image.probe(new byte[0]));
        assertEquals(GogErrorCode.INVALID_ARGUMENT, e.code());
    }

    @Test
    void randomBytesAreUnsupported() {
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < 20; i++) {
            byte[] b = new byte[1 + r.nextInt(5000)];
            r.nextBytes(b);
            if ((b[0] & 0xff) == 0xff || (b[0] & 0xff) == 0x89) b[0] = 0; // not a JPEG/PNG signature
            assertEquals(GogErrorCode.UNSUPPORTED, failure(b));
        }
    }

    @Test
    void truncatedFilesFailToDecode() {
        byte[] jpeg = TestData.bytes(PHOTO);
        byte[] png = TestData.bytes("decode/png_rgb8.png");
        for (double f : new double[] {0.05, 0.3, 0.6, 0.95}) {
            assertEquals(GogErrorCode.DECODE, failure(Arrays.copyOf(jpeg, (int) (jpeg.length * f))), "jpeg cut at " + f);
            assertEquals(GogErrorCode.DECODE, failure(Arrays.copyOf(png, Math.max(9, (int) (png.length * f)))), "png cut at " + f);
        }
    }

    @Test
    void hugeDeclaredDimensionsHitTheLimitBeforeAllocating() {
        assertEquals(GogErrorCode.LIMIT_EXCEEDED, failure(TestData.bytes("bad/huge-dims.png")));
        assertEquals(GogErrorCode.LIMIT_EXCEEDED, failure(TestData.bytes("bad/huge-dims.jpg")));
        byte[] bytes = TestData.bytes(PHOTO);
        GogException e = assertThrows(GogException.class,
                () -> Image.decode(bytes, DecodeOptions.DEFAULTS.withMaxPixels(800L * 531 - 1)));
        assertEquals(GogErrorCode.LIMIT_EXCEEDED, e.code());
        Image.decode(bytes, DecodeOptions.DEFAULTS.withMaxPixels(800L * 531)).close();
        GogException big = assertThrows(GogException.class,
                () -> Image.decode(bytes, DecodeOptions.DEFAULTS.withMaxEncodedBytes(bytes.length - 1)));
        assertEquals(GogErrorCode.LIMIT_EXCEEDED, big.code());
    }

    @Test
    void unreadableFile() {
        assertThrows(java.nio.file.NoSuchFileException.class, () -> Image.read(tmp.resolve("missing.jpg")));
    }

    @Test
    void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> DecodeOptions.DEFAULTS.withTarget(10, 0));
        assertThrows(IllegalArgumentException.class, () -> DecodeOptions.DEFAULTS.withTarget(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> DecodeOptions.DEFAULTS.withMaxPixels(0));
        assertThrows(IllegalArgumentException.class, () -> DecodeOptions.DEFAULTS.withMaxEncodedBytes(-5));
        assertEquals(256L << 20, DecodeOptions.DEFAULTS.maxEncodedBytes());
        assertEquals(64_000_000L, DecodeOptions.DEFAULTS.maxPixels());
        assertTrue(DecodeOptions.DEFAULTS.applyOrientation());
        assertFalse(DecodeOptions.DEFAULTS.hasTarget());
    }
}
