package dev.gog.bindings;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * The device-memory and device-resident bindings of {@link CudaNative}: without a device every
 * call fails with {@link GogErrorCode#NO_DEVICE} (the Java-side size checks come first where a
 * device is not needed to judge them); with one, memory round-trips and pointers of the wrong
 * kind are refused ({@link GogErrorCode#INVALID_ARGUMENT}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CudaDeviceMemoryNativeTest {
    private static boolean device() {
        return CudaNative.available() && CudaNative.deviceCount() > 0;
    }

    private static void assertNoDevice(Executable call) {
        GogException e = assertThrows(GogException.class, call);
        assertEquals(GogErrorCode.NO_DEVICE, e.code(), e.getMessage());
    }

    @Test
    void withoutADeviceEveryEntryPointFailsWithNoDevice() {
        Assumptions.assumeFalse(device(), "a CUDA device is present");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(64);
            MemorySegment fake = MemorySegment.ofAddress(0x1000);
            assertNoDevice(() -> CudaNative.malloc(0, 64));
            assertNoDevice(() -> CudaNative.free(0, MemorySegment.NULL));
            assertNoDevice(() -> CudaNative.copyToDevice(0, fake, host, 64));
            assertNoDevice(() -> CudaNative.copyToHost(0, host, fake, 64));
            assertNoDevice(() -> CudaNative.preprocessDevice(0, a.allocate(GogStructs.IMAGE_VIEW),
                    a.allocate(GogStructs.PREPROCESS_PARAMS), a.allocate(GogStructs.RESIZE_ITEM), 1, fake, 64));
            assertNoDevice(() -> CudaNative.encoderReserve(MemorySegment.NULL, 1, 224, 224, 1, 77));
            assertNoDevice(() -> CudaNative.encoderEncodeImageDevice(MemorySegment.NULL, fake, 1, 224, 224, fake,
                    MemorySegment.NULL));
            assertNoDevice(() -> CudaNative.encoderSetGraphs(MemorySegment.NULL, true));
            assertNoDevice(() -> CudaNative.encoderGraphInfo(MemorySegment.NULL));
            MemorySegment cfg = a.allocate(GazeNative.CONFIG);
            GazeNative.configDefaults(cfg);
            assertNoDevice(() -> CudaNative.gazeRelevanceDevice(0, fake, 2, 2, 4, a.allocate(16), cfg, a.allocate(16),
                    a.allocate(16)));
        }
    }

    @Test
    void hostSidesAreCheckedInJava() {
        Assumptions.assumeTrue(CudaNative.loaded(), "libgog_cuda is not loaded: every call is NO_DEVICE");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fake = MemorySegment.ofAddress(0x1000);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaNative.malloc(0, -1));
            assertTrue(e.getMessage().contains("negative"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> CudaNative.copyToDevice(0, fake, a.allocate(8), 64));
            assertTrue(e.getMessage().contains("gog_cuda_copy_to_device src"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> CudaNative.copyToHost(0, a.allocate(8), fake, 64));
            assertTrue(e.getMessage().contains("gog_cuda_copy_to_host dst"), e.getMessage());
            MemorySegment readOnly = a.allocate(64).asReadOnly();
            assertThrows(IllegalArgumentException.class, () -> CudaNative.copyToHost(0, readOnly, fake, 64));
            e = assertThrows(IllegalArgumentException.class, () -> CudaNative.preprocessDevice(0,
                    a.allocate(GogStructs.IMAGE_VIEW), a.allocate(GogStructs.PREPROCESS_PARAMS),
                    a.allocate(GogStructs.RESIZE_ITEM), 2, fake, 64));
            assertTrue(e.getMessage().contains("items"), e.getMessage());
            MemorySegment cfg = a.allocate(GazeNative.CONFIG);
            e = assertThrows(IllegalArgumentException.class, () -> CudaNative.gazeRelevanceDevice(0, fake, 2, 2, 4,
                    a.allocate(16), cfg, a.allocate(16), a.allocate(8)));
            assertTrue(e.getMessage().contains("map"), e.getMessage());
        }
    }

    @Test
    void deviceMemoryRoundTripsAndWrongPointersAreRefused() {
        Assumptions.assumeTrue(device(), "no CUDA device");
        float[] values = new float[1000];
        for (int i = 0; i < values.length; i++) values[i] = i * 0.25f - 7;
        MemorySegment dev = CudaNative.malloc(0, 4000);
        try (Arena a = Arena.ofConfined()) {
            assertNotEquals(0, dev.address());
            assertEquals(0, dev.address() % 256, "256-byte aligned");
            MemorySegment src = a.allocateFrom(JAVA_FLOAT, values);
            CudaNative.copyToDevice(0, dev, src, 4000);
            MemorySegment back = a.allocate(4000);
            CudaNative.copyToHost(0, back, dev, 4000);
            assertArrayEquals(values, back.toArray(JAVA_FLOAT));
            // host memory where device memory is expected, and the reverse
            GogException e = assertThrows(GogException.class, () -> CudaNative.copyToHost(0, back, src, 16));
            assertEquals(GogErrorCode.INVALID_ARGUMENT, e.code());
            e = assertThrows(GogException.class, () -> CudaNative.free(0, src));
            assertEquals(GogErrorCode.INVALID_ARGUMENT, e.code());
            e = assertThrows(GogException.class, () -> CudaNative.copyToDevice(CudaNative.deviceCount(), dev, src, 16));
            assertEquals(GogErrorCode.INVALID_ARGUMENT, e.code(), "a bad ordinal");
            assertEquals(MemorySegment.NULL, CudaNative.malloc(0, 0));
            CudaNative.free(0, MemorySegment.NULL);
        } finally {
            CudaNative.free(0, dev);
        }
        GogException e = assertThrows(GogException.class, () -> CudaNative.encoderGraphInfo(MemorySegment.NULL));
        assertEquals(GogErrorCode.INVALID_ARGUMENT, e.code());
    }
}
