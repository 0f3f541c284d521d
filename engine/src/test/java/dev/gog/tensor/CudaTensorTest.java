package dev.gog.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.bindings.CudaNative;
import dev.gog.bindings.GogErrorCode;
import dev.gog.bindings.GogException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Device tensors: without a device {@link Tensor#allocateCuda} fails with NO_DEVICE; the views,
 * guards and validation of a device tensor are checked here on a wrapped address that is never
 * dereferenced; on a device, data round-trips through {@code copyFrom} / {@code copyToHost} /
 * {@code toFloatArray}, views address the right elements, and a closed tensor refuses use.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CudaTensorTest {
    /** A device address that is never dereferenced (only libgog_cuda would see it, and refuse it). */
    private static final long FAKE = 0x7f0000001000L;

    private static boolean device() {
        return CudaNative.available() && CudaNative.deviceCount() > 0;
    }

    @Test
    void allocateCudaWithoutADeviceFailsWithNoDevice() {
        Assumptions.assumeFalse(device(), "a CUDA device is present");
        GogException e = assertThrows(GogException.class, () -> Tensor.allocateCuda(0, DType.F32, 2, 3));
        assertEquals(GogErrorCode.NO_DEVICE, e.code());
        assertThrows(IllegalArgumentException.class, () -> Tensor.allocateCuda(-1, DType.F32, 2));
        assertThrows(IllegalArgumentException.class, () -> Tensor.allocateCuda(0, DType.F32, 2, -3));
    }

    @Test
    void aDeviceTensorIsNeverDereferencedFromJava() {
        Tensor t = Tensor.wrapCuda(1, FAKE, DType.F32, 4, 3, 2);
        assertEquals(Device.CUDA, t.device());
        assertEquals(1, t.cudaDevice());
        assertEquals(FAKE, t.deviceAddress());
        assertEquals(96, t.byteSize());
        assertEquals(24, t.elementCount());
        IllegalStateException e = assertThrows(IllegalStateException.class, t::segment);
        assertEquals("device memory: use copyToHost/ toFloatArray", e.getMessage());
        assertEquals("Tensor[F32 [4, 3, 2] CUDA:1]", t.toString());
        // copies reach libgog_cuda, which refuses the address (or finds no device)
        GogException g = assertThrows(GogException.class, t::toFloatArray);
        assertEquals(device() ? GogErrorCode.INVALID_ARGUMENT : GogErrorCode.NO_DEVICE, g.code(), g.getMessage());
        assertThrows(UnsupportedOperationException.class, t::toByteArray, "F32 has no byte view");
        t.close();
    }

    @Test
    void viewsOfADeviceTensorAreAddressArithmetic() {
        Tensor t = Tensor.wrapCuda(0, FAKE, DType.BF16, 5, 4, 3);
        Tensor s = t.slice(2);
        assertArrayEquals(new long[] {4, 3}, s.shape());
        assertEquals(Device.CUDA, s.device());
        assertEquals(FAKE + 2 * 12 * 2, s.deviceAddress());
        Tensor n = t.narrow(1, 3);
        assertArrayEquals(new long[] {3, 4, 3}, n.shape());
        assertEquals(FAKE + 12 * 2, n.deviceAddress());
        assertEquals(3 * 12 * 2, n.byteSize());
        Tensor r = n.reshape(-1, 3);
        assertArrayEquals(new long[] {12, 3}, r.shape());
        assertEquals(n.deviceAddress(), r.deviceAddress());
        assertEquals(FAKE + 12 * 2 + 3 * 2, r.slice(1).deviceAddress());
        assertThrows(IndexOutOfBoundsException.class, () -> t.narrow(3, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> t.slice(5));
        Tensor empty = t.narrow(5, 0);
        assertEquals(0, empty.byteSize());
        // closing the parent closes every view; closing a view leaves the parent open
        s.close();
        assertEquals(FAKE, t.deviceAddress());
        t.close();
        for (Tensor v : new Tensor[] {n, r, empty}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, v::deviceAddress);
            assertEquals("tensor's parent is closed", e.getMessage());
        }
        assertThrows(IllegalStateException.class, t::deviceAddress);
        assertThrows(IllegalStateException.class, t::cudaDevice);
        assertEquals("Tensor[closed]", t.toString());
    }

    @Test
    void wrapCudaAndCopiesValidateTheirArguments() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrapCuda(-1, FAKE, DType.F32, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.wrapCuda(0, 0, DType.F32, 1));
        assertTrue(e.getMessage().contains("NULL device address"), e.getMessage());
        assertEquals(0, Tensor.wrapCuda(0, 0, DType.F32, 0, 3).byteSize());
        try (Tensor d = Tensor.wrapCuda(0, FAKE, DType.F32, 2, 3);
             Tensor wrongType = Tensor.allocate(DType.BF16, 2, 3);
             Tensor wrongCount = Tensor.allocate(DType.F32, 7);
             Tensor otherDevice = Tensor.wrapCuda(0, FAKE, DType.F32, 6)) {
            e = assertThrows(IllegalArgumentException.class, () -> d.copyToHost(wrongType));
            assertTrue(e.getMessage().contains("copyToHost destination"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.copyToHost(wrongCount));
            assertThrows(IllegalArgumentException.class, () -> d.copyFrom(wrongCount));
            e = assertThrows(IllegalArgumentException.class, () -> d.copyToHost(otherDevice));
            assertTrue(e.getMessage().contains("is on CUDA:0, want CPU"), e.getMessage());
        }
    }

    @Test
    void hostTensorsKeepTheirBehaviourAndGainNarrowAndCopies() {
        try (Tensor a = Tensor.allocate(DType.F32, 4, 2); Tensor b = Tensor.allocate(DType.F32, 8)) {
            assertEquals(-1, a.cudaDevice());
            IllegalStateException e = assertThrows(IllegalStateException.class, a::deviceAddress);
            assertEquals("host tensor: use segment()", e.getMessage());
            float[] v = {1, 2, 3, 4, 5, 6, 7, 8};
            b.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(v));
            a.copyFrom(b);
            assertArrayEquals(v, a.toFloatArray());
            assertArrayEquals(new float[] {3, 4, 5, 6}, a.narrow(1, 2).toFloatArray());
            try (Tensor c = Tensor.allocate(DType.F32, 2, 2)) {
                a.narrow(2, 2).copyToHost(c);
                assertArrayEquals(new float[] {5, 6, 7, 8}, c.toFloatArray());
            }
            Tensor ro = Tensor.wrap(b.segment().asReadOnly(), DType.F32, 8);
            assertThrows(IllegalArgumentException.class, () -> ro.copyFrom(a));
            assertThrows(IllegalArgumentException.class, () -> a.copyToHost(ro));
        }
    }

    // --- on a device -----------------------------------------------------------------------------------

    @Test
    void deviceRoundTripOfEveryDType() {
        Assumptions.assumeTrue(device(), "no CUDA device");
        SplittableRandom rnd = new SplittableRandom(11);
        float[] v = new float[3 * 5 * 7];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextDouble(-4, 4);
        try (Tensor host = Tensor.allocate(DType.F32, 3, 5, 7); Tensor dev = Tensor.allocateCuda(0, DType.F32, 3, 5, 7);
             Tensor back = Tensor.allocate(DType.F32, 105)) {
            host.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(v));
            assertEquals(Device.CUDA, dev.device());
            assertEquals(0, dev.cudaDevice());
            assertEquals(0, dev.deviceAddress() % 256);
            dev.copyFrom(host);
            assertArrayEquals(v, dev.toFloatArray());
            dev.copyToHost(back);
            assertArrayEquals(v, back.toFloatArray());
            // device to device (through the host)
            try (Tensor dev2 = Tensor.allocateCuda(0, DType.F32, 105)) {
                dev2.copyFrom(dev);
                assertArrayEquals(v, dev2.toFloatArray());
            }
        }
        byte[] bytes = new byte[48];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i * 5);
        try (Tensor h = Tensor.allocate(DType.U8, 4, 4, 3); Tensor d = Tensor.allocateCuda(0, DType.U8, 4, 4, 3)) {
            h.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(bytes));
            d.copyFrom(h);
            assertArrayEquals(bytes, d.toByteArray());
        }
        try (Tensor h = Tensor.allocate(DType.BF16, 2); Tensor d = Tensor.allocateCuda(0, DType.BF16, 2)) {
            h.segment().set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) 0x3f80); // 1.0
            h.segment().set(java.lang.foreign.ValueLayout.JAVA_SHORT, 2, (short) 0xc000); // -2.0
            d.copyFrom(h);
            assertArrayEquals(new float[] {1f, -2f}, d.toFloatArray());
        }
        try (Tensor empty = Tensor.allocateCuda(0, DType.F32, 0, 4)) {
            assertEquals(0, empty.toFloatArray().length);
        }
    }

    @Test
    void deviceSlicesReadAndWriteTheirOwnElements() {
        Assumptions.assumeTrue(device(), "no CUDA device");
        try (Tensor dev = Tensor.allocateCuda(0, DType.F32, 4, 3); Tensor row = Tensor.allocate(DType.F32, 3)) {
            for (int i = 0; i < 4; i++) {
                row.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(new float[] {i, i + 0.5f, -i}));
                dev.slice(i).copyFrom(row);
            }
            assertArrayEquals(new float[] {0, 0.5f, 0, 1, 1.5f, -1, 2, 2.5f, -2, 3, 3.5f, -3}, dev.toFloatArray());
            assertArrayEquals(new float[] {2, 2.5f, -2}, dev.slice(2).toFloatArray());
            assertArrayEquals(new float[] {1, 1.5f, -1, 2, 2.5f, -2}, dev.narrow(1, 2).toFloatArray());
            assertArrayEquals(new float[] {1.5f, -1, 2}, dev.reshape(-1).narrow(4, 3).toFloatArray());
        }
    }

    @Test
    void aClosedDeviceTensorRefusesUse() {
        Assumptions.assumeTrue(device(), "no CUDA device");
        Tensor dev = Tensor.allocateCuda(0, DType.F32, 8);
        Tensor view = dev.narrow(2, 2);
        dev.close();
        dev.close(); // idempotent
        assertTrue(dev.isClosed());
        assertTrue(view.isClosed());
        assertThrows(IllegalStateException.class, dev::toFloatArray);
        assertThrows(IllegalStateException.class, view::toFloatArray);
        assertThrows(IllegalStateException.class, dev::deviceAddress);
        try (Tensor host = Tensor.allocate(DType.F32, 8)) {
            assertThrows(IllegalStateException.class, () -> dev.copyFrom(host));
            assertThrows(IllegalStateException.class, () -> host.copyFrom(dev));
        }
    }
}
