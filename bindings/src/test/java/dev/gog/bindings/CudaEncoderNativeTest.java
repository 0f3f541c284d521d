package dev.gog.bindings;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The CUDA encoder bindings: argument checks, NO_DEVICE without a device, NULL handles. */
@Timeout(30)
class CudaEncoderNativeTest {
    @Test
    void unavailableReasonMatchesTheDeviceCount() {
        String why = CudaNative.unavailableReason(0);
        if (CudaNative.deviceCount() > 0) {
            assertNull(why);
            String out = CudaNative.unavailableReason(CudaNative.deviceCount());
            assertTrue(out != null && out.contains("out of range"), String.valueOf(out));
        } else {
            assertTrue(why != null && !why.isBlank(), String.valueOf(why));
            if (!CudaNative.loaded()) assertTrue(why.contains("not loaded"), why);
        }
        assertTrue(CudaNative.unavailableReason(-1) != null);
    }

    @Test
    void createChecksSegmentsAndFailsWithoutADevice() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cfg = arena.allocate(EncoderNative.ENCODER_CONFIG);
            MemorySegment descs = arena.allocate(EncoderNative.TENSOR_DESC);
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            if (CudaNative.loaded()) {
                assertThrows(IllegalArgumentException.class,
                        () -> CudaNative.encoderCreate(0, arena.allocate(8), descs, 0, out));
                assertThrows(IllegalArgumentException.class, () -> CudaNative.encoderCreate(0, cfg, descs, 2, out));
                assertThrows(IllegalArgumentException.class, () -> CudaNative.encoderCreate(0, cfg, descs, -1, out));
            }
            GogException e = assertThrows(GogException.class, () -> CudaNative.encoderCreate(0, cfg, descs, 0, out));
            if (CudaNative.deviceCount() == 0) {
                assertEquals(GogErrorCode.NO_DEVICE, e.code());
                assertEquals(CudaNative.unavailableReason(0), e.nativeMessage());
            } else {
                assertEquals(GogErrorCode.MODEL, e.code(), e.getMessage()); // an all-zero config
            }
            assertEquals(0L, out.get(ValueLayout.ADDRESS, 0).address());
        }
    }

    @Test
    void callsWithoutAnEncoderFailCleanly() {
        assertDoesNotThrow(() -> CudaNative.encoderDestroy(MemorySegment.NULL));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(ValueLayout.JAVA_FLOAT, 16);
            GogException e = assertThrows(GogException.class,
                    () -> CudaNative.encoderEncodeImage(MemorySegment.NULL, f, 1, 2, 2, f, MemorySegment.NULL));
            if (CudaNative.deviceCount() == 0) assertEquals(GogErrorCode.NO_DEVICE, e.code());
            else assertEquals(GogErrorCode.INVALID_ARGUMENT, e.code());
            MemorySegment ids = arena.allocate(ValueLayout.JAVA_INT, 2);
            if (CudaNative.loaded()) {
                assertThrows(IllegalArgumentException.class,
                        () -> CudaNative.encoderEncodeText(MemorySegment.NULL, ids, 1, 3, f));
            }
            e = assertThrows(GogException.class, () -> CudaNative.encoderEncodeText(MemorySegment.NULL, ids, 1, 2, f));
            if (CudaNative.deviceCount() == 0) assertEquals(GogErrorCode.NO_DEVICE, e.code());
            else assertEquals(GogErrorCode.INVALID_ARGUMENT, e.code());
        }
    }
}
