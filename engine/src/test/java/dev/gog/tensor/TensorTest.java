package dev.gog.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.testing.Npy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void dtypeSizes() {
        assertEquals(4, DType.F32.byteSize());
        assertEquals(2, DType.BF16.byteSize());
        assertEquals(1, DType.U8.byteSize());
    }

    @Test
    void sliceAndReshapeAreViewsWithoutCopies() {
        try (Tensor t = Tensor.allocate(DType.F32, 2, 3, 4)) {
            assertEquals(2 * 3 * 4 * 4, t.byteSize());
            assertEquals(Device.CPU, t.device());
            MemorySegment s = t.segment();
            for (int i = 0; i < 24; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, i);
            Tensor one = t.slice(1);
            assertArrayEquals(new long[] {3, 4}, one.shape());
            assertEquals(12f, one.toFloatArray()[0]);
            assertEquals(s.address() + 48, one.segment().address());
            Tensor row = one.slice(2);
            assertArrayEquals(new float[] {20, 21, 22, 23}, row.toFloatArray());
            Tensor flat = t.reshape(-1);
            assertArrayEquals(new long[] {24}, flat.shape());
            assertEquals(s.address(), flat.segment().address());
            Tensor r = t.reshape(4, -1, 2);
            assertArrayEquals(new long[] {4, 3, 2}, r.shape());
            s.setAtIndex(ValueLayout.JAVA_FLOAT, 23, 99f);
            assertEquals(99f, row.toFloatArray()[3], "views see writes to the parent");
            assertThrows(IllegalArgumentException.class, () -> t.reshape(5, 5));
            assertThrows(IllegalArgumentException.class, () -> t.reshape(-1, -1));
            assertThrows(IndexOutOfBoundsException.class, () -> t.slice(2));
            assertThrows(IndexOutOfBoundsException.class, () -> t.slice(-1));
        }
    }

    @Test
    void viewsFailOnceTheParentIsClosed() {
        Tensor t = Tensor.allocate(DType.U8, 2, 4, 4, 3);
        Tensor v = t.slice(0);
        Tensor vv = v.reshape(-1);
        t.close();
        assertTrue(t.isClosed());
        assertTrue(vv.isClosed());
        assertThrows(IllegalStateException.class, v::segment);
        assertThrows(IllegalStateException.class, vv::toByteArray);
        assertThrows(IllegalStateException.class, () -> v.slice(0));
        assertThrows(IllegalStateException.class, t::shape);
        assertThrows(IllegalStateException.class, t::toByteArray);
    }

    @Test
    void closingAViewLeavesTheParentOpen() {
        try (Tensor t = Tensor.allocate(DType.U8, 2, 3)) {
            Tensor v = t.slice(1);
            v.close();
            assertThrows(IllegalStateException.class, v::segment);
            assertEquals(6, t.toByteArray().length);
        }
    }

    @Test
    void arenaOwnedTensorsAreFreedByTheArena() {
        MemorySegment seg;
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, DType.F32, 5);
            seg = t.segment();
            t.close();
            assertThrows(IllegalStateException.class, t::segment);
            seg.get(ValueLayout.JAVA_FLOAT, 0); // the arena still owns it
        }
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_FLOAT, 0));
    }

    @Test
    void ownedTensorsFreeTheirMemoryOnClose() {
        Tensor t = Tensor.allocate(DType.F32, 8);
        MemorySegment seg = t.segment();
        t.close();
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_FLOAT, 0));
    }

    @Test
    void bf16WidensExactly() {
        try (Tensor t = Tensor.allocate(DType.BF16, 3)) {
            t.segment().setAtIndex(ValueLayout.JAVA_SHORT, 0, (short) 0x3f80); // 1.0
            t.segment().setAtIndex(ValueLayout.JAVA_SHORT, 1, (short) 0xc040); // -3.0
            t.segment().setAtIndex(ValueLayout.JAVA_SHORT, 2, (short) 0x3e80); // 0.25
            assertArrayEquals(new float[] {1f, -3f, 0.25f}, t.toFloatArray());
            assertThrows(UnsupportedOperationException.class, t::toByteArray);
        }
        try (Tensor u = Tensor.allocate(DType.U8, 2)) {
            assertThrows(UnsupportedOperationException.class, u::toFloatArray);
        }
    }

    @Test
    void shapesAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(DType.F32, 2, -1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(DType.F32, Long.MAX_VALUE, 4));
        // The element count fits a long, the byte size does not.
        assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(DType.F32, Long.MAX_VALUE / 2));
        try (Arena a = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> Tensor.allocate(a, DType.F32, Long.MAX_VALUE / 2));
            assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(a.allocate(8), DType.F32, Long.MAX_VALUE / 2));
        }
        try (Tensor t = Tensor.allocate(DType.U8, 4)) {
            assertThrows(IllegalArgumentException.class, () -> t.reshape(Long.MAX_VALUE, 4, 0));
        }
        try (Arena a = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(a.allocate(10), DType.F32, 3));
            assertEquals(3, Tensor.wrap(a.allocate(12), DType.F32, 3).elementCount());
        }
    }

    @Test
    void npyRoundTrip() throws IOException {
        try (Tensor f = Tensor.allocate(DType.F32, 2, 3); Tensor b = Tensor.allocate(DType.BF16, 4);
             Tensor u = Tensor.allocate(DType.U8, 1, 2, 2, 3)) {
            for (int i = 0; i < 6; i++) f.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, i * 0.5f - 1);
            b.segment().setAtIndex(ValueLayout.JAVA_SHORT, 3, (short) 0x4049); // 3.140625
            for (int i = 0; i < 12; i++) u.segment().set(ValueLayout.JAVA_BYTE, i, (byte) (i * 20));

            Npy nf = Npy.parse(bytes(f));
            assertEquals("<f4", nf.descr());
            assertArrayEquals(new long[] {2, 3}, nf.shape());
            assertArrayEquals(f.toFloatArray(), nf.f32());

            Npy nb = Npy.parse(bytes(b));
            assertEquals("<f4", nb.descr());
            assertArrayEquals(new long[] {4}, nb.shape());
            assertEquals(3.140625f, nb.f32()[3]);

            byte[] raw = bytes(u);
            Npy nu = Npy.parse(raw);
            assertEquals("|u1", nu.descr());
            assertArrayEquals(new long[] {1, 2, 2, 3}, nu.shape());
            assertArrayEquals(u.toByteArray(), nu.u8());
            assertEquals(0, Npy.dataOffset(raw) % 64, "data is 64-byte aligned");
            String header = new String(raw, 10, Npy.dataOffset(raw) - 10, java.nio.charset.StandardCharsets.US_ASCII);
            assertTrue(header.startsWith("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2, 3), }"), header);
            assertTrue(header.endsWith("\n"));
        }
    }

    private static byte[] bytes(Tensor t) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyWriter.write(out, t);
        return out.toByteArray();
    }
}
