package dev.gog.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CudaNativeTest {
    @Test
    void availabilityMatchesDeviceCount() {
        int n = CudaNative.deviceCount();
        assertTrue(n >= 0);
        assertEquals(n > 0, CudaNative.available());
        if (!CudaNative.loaded()) assertEquals(0, n);
    }

    @Test
    void withoutADeviceCallsFailWithNoDevice() {
        if (CudaNative.deviceCount() > 0) {
            CudaNative.Device d = CudaNative.deviceInfo(0);
            assertFalse(d.name().isBlank());
            assertTrue(d.ccMajor() >= 3);
            GogException e = assertThrows(GogException.class, () -> CudaNative.deviceInfo(CudaNative.deviceCount()));
            assertFalse(e.nativeMessage().isBlank());
            return;
        }
        GogException e = assertThrows(GogException.class, () -> CudaNative.deviceInfo(0));
        assertEquals(GogErrorCode.NO_DEVICE, e.code());
        assertFalse(e.nativeMessage().isBlank());
    }
}
