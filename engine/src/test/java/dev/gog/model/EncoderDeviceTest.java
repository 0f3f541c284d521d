package dev.gog.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.bindings.CudaNative;
import dev.gog.bindings.GogErrorCode;
import dev.gog.bindings.GogException;
import dev.gog.image.Box;
import dev.gog.image.Image;
import dev.gog.preprocess.PreprocessSpec;
import dev.gog.preprocess.Preprocessor;
import dev.gog.tensor.DType;
import dev.gog.tensor.Device;
import dev.gog.tensor.Tensor;
import dev.gog.testing.Similarity;
import dev.gog.testing.TestData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Device inputs of the encoder and the preprocessor: a CPU encoder refuses device pixels, the
 * CUDA-only calls are no-ops or refusals on the CPU, the preprocessor validates a device output
 * exactly as a host one; on a device, preprocessing into device memory matches the host output
 * (within one 8-bit step per channel), the device encode is bit-identical to the host-pixel
 * encode, {@link Encoder#encodeImagesOnDevice} leaves its outputs on the device, and repeated
 * batches replay CUDA graphs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EncoderDeviceTest {
    private static final Path CLIP = TestData.path("models/tiny-clip");
    private static final long FAKE = 0x7f0000001000L;

    private static boolean device() {
        return CudaNative.available() && CudaNative.deviceCount() > 0;
    }

    private static Image photo(int i) throws IOException {
        return Image.read(TestData.path("photos/sample-" + i + ".jpg"));
    }

    @Test
    void optionsEnableCudaGraphsByDefault() {
        Encoder.Options d = Encoder.Options.defaults();
        assertTrue(d.cudaGraphs());
        Encoder.Options off = d.withCudaGraphs(false);
        assertFalse(off.cudaGraphs());
        assertFalse(off.withBackend(Backend.CUDA).withCudaDevice(3).withThreads(2).cudaGraphs(), "withers keep it");
        assertEquals(new Encoder.Options(Precision.F32, 0, dev.gog.bindings.CpuIsa.AUTO, Backend.CPU, 0, true), d);
    }

    @Test
    void aCpuEncoderRefusesDevicePixelsAndHasNoDeviceCalls() {
        try (Encoder enc = Encoder.load(CLIP, Encoder.Options.defaults().withBackend(Backend.CPU))) {
            int s = enc.preprocessSpec().size();
            try (Tensor px = Tensor.wrapCuda(0, FAKE, DType.F32, 1, 3, s, s)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> enc.encodeImages(px, false));
                assertTrue(e.getMessage().contains("runs on the CPU"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> enc.encodeImagesOnDevice(px, true));
            }
            try (Tensor host = Tensor.allocate(DType.F32, 1, 3, s, s)) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> enc.encodeImagesOnDevice(host, false));
                assertTrue(e.getMessage().contains("needs the CUDA backend"), e.getMessage());
            }
            try (Tensor px = Tensor.wrapCuda(0, FAKE, DType.F32, 1, 3, s, s);
                 Tensor emb = Tensor.wrapCuda(0, FAKE, DType.F32, 1, enc.embedDim())) {
                assertThrows(IllegalArgumentException.class, () -> enc.encodeImagesInto(px, emb, null));
            }
            enc.reserve(8, s, s, 8, 77); // a no-op on the CPU
            assertThrows(IllegalArgumentException.class, () -> enc.reserve(-1, s, s, 0, 0));
            Encoder.GraphInfo g = enc.graphInfo();
            assertEquals(0, g.graphs());
            assertEquals(0, g.replays());
            assertFalse(g.lastFailure().isEmpty());
            enc.close();
            assertThrows(IllegalStateException.class, () -> enc.reserve(1, s, s, 0, 0));
            assertThrows(IllegalStateException.class, enc::graphInfo);
        }
    }

    @Test
    void aDeviceOutputIsValidatedLikeAHostOne() throws IOException {
        PreprocessSpec spec = PreprocessSpec.clip(32).withDtype(DType.F32);
        try (Image img = photo(1); Preprocessor pp = new Preprocessor(spec)) {
            try (Tensor wrong = Tensor.wrapCuda(0, FAKE, DType.F32, 2, 3, 32, 32)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pp.wholeInto(img, wrong));
                assertTrue(e.getMessage().contains("output tensor has shape"), e.getMessage());
            }
            try (Tensor out = Tensor.wrapCuda(0, FAKE, DType.F32, 1, 3, 32, 32)) {
                Box outside = Box.of(img.originalWidth() + 1, 5);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> pp.cropsInto(img, List.of(outside), out));
                assertTrue(e.getMessage().contains("lies outside"), e.getMessage());
                // well-formed: it reaches libgog_cuda, which finds no device (or refuses the fake address)
                GogException g = assertThrows(GogException.class, () -> pp.wholeInto(img, out));
                assertEquals(device() ? GogErrorCode.INVALID_ARGUMENT : GogErrorCode.NO_DEVICE, g.code(), g.getMessage());
                assertThrows(IllegalArgumentException.class, () -> pp.frameInto(img, out.reshape(3, 1, 32, 32)));
                g = assertThrows(GogException.class, () -> pp.frameInto(img, out.reshape(1, 3, 16, 64)));
                assertEquals(device() ? GogErrorCode.INVALID_ARGUMENT : GogErrorCode.NO_DEVICE, g.code(), g.getMessage());
            }
        }
    }

    @Test
    void frameIntoAHostTensorEqualsFrame() throws IOException {
        PreprocessSpec spec = PreprocessSpec.clip(32).withDtype(DType.F32);
        try (Image img = photo(2); Preprocessor pp = new Preprocessor(spec);
             Tensor ref = pp.frame(img, 48, 32); Tensor out = Tensor.allocate(DType.F32, 1, 3, 32, 48)) {
            pp.frameInto(img, out);
            assertArrayEquals(ref.toFloatArray(), out.toFloatArray());
        }
    }

    // --- on a device -----------------------------------------------------------------------------------

    @Test
    void devicePreprocessingMatchesTheHostWithinOneStep() throws IOException {
        Assumptions.assumeTrue(device(), "no CUDA device");
        PreprocessSpec spec = PreprocessSpec.clip(64).withDtype(DType.F32);
        try (Image img = photo(3); Preprocessor pp = new Preprocessor(spec)) {
            List<Box> boxes = List.of(Box.of(img.originalWidth(), img.originalHeight()),
                    new Box(10.5f, 20f, img.originalWidth() * 0.6f, img.originalHeight() - 1f));
            try (Tensor host = pp.crops(img, boxes); Tensor dev = Tensor.allocateCuda(0, DType.F32, 2, 3, 64, 64)) {
                pp.cropsInto(img, boxes, dev);
                assertWithinOneStep(host.toFloatArray(), dev.toFloatArray(), spec, 64 * 64);
            }
            try (Tensor host = pp.whole(img); Tensor dev = Tensor.allocateCuda(0, DType.F32, 1, 3, 64, 64)) {
                pp.wholeInto(img, dev);
                assertWithinOneStep(host.toFloatArray(), dev.toFloatArray(), spec, 64 * 64);
            }
            try (Tensor host = pp.frame(img, 96, 64); Tensor dev = Tensor.allocateCuda(0, DType.F32, 1, 3, 64, 96)) {
                pp.frameInto(img, dev);
                assertWithinOneStep(host.toFloatArray(), dev.toFloatArray(), spec, 64 * 96);
            }
        }
    }

    private static void assertWithinOneStep(float[] host, float[] dev, PreprocessSpec spec, int plane) {
        assertEquals(host.length, dev.length);
        for (int i = 0; i < host.length; i++) {
            int c = (i / plane) % 3;
            float tol = 1f / 255f / spec.normalization().std(c) * 1.001f + 1e-6f;
            assertTrue(Math.abs(host[i] - dev[i]) <= tol, "value " + i + ": host " + host[i] + ", device " + dev[i]);
        }
    }

    @Test
    void theDevicePathIsBitIdenticalToTheHostPath() throws IOException {
        Assumptions.assumeTrue(device(), "no CUDA device");
        try (Encoder gpu = Encoder.load(CLIP, Encoder.Options.defaults().withBackend(Backend.CUDA));
             Encoder cpu = Encoder.load(CLIP, Encoder.Options.defaults().withBackend(Backend.CPU));
             Image a = photo(1); Image b = photo(2);
             Preprocessor pp = new Preprocessor(gpu.preprocessSpec().withDtype(DType.F32))) {
            int s = gpu.preprocessSpec().size();
            try (Tensor host = Tensor.allocate(DType.F32, 2, 3, s, s);
                 Tensor dev = Tensor.allocateCuda(0, DType.F32, 2, 3, s, s)) {
                pp.wholeInto(a, host.narrow(0, 1));
                pp.wholeInto(b, host.narrow(1, 1));
                dev.copyFrom(host);
                try (ImageEmbeddings h = gpu.encodeImages(host, true); ImageEmbeddings d = gpu.encodeImages(dev, true);
                     ImageEmbeddings onDev = gpu.encodeImagesOnDevice(dev, true);
                     ImageEmbeddings fromHost = gpu.encodeImagesOnDevice(host, false);
                     ImageEmbeddings c = cpu.encodeImages(host, true)) {
                    assertEquals(Device.CPU, d.embeddings().device());
                    assertArrayEquals(h.embeddings().toFloatArray(), d.embeddings().toFloatArray());
                    assertArrayEquals(h.dense().toFloatArray(), d.dense().toFloatArray());
                    assertEquals(Device.CUDA, onDev.embeddings().device());
                    assertEquals(Device.CUDA, onDev.dense().device());
                    assertEquals(0, onDev.dense().cudaDevice());
                    assertArrayEquals(h.embeddings().toFloatArray(), onDev.embeddings().toFloatArray());
                    assertArrayEquals(h.dense().toFloatArray(), onDev.dense().toFloatArray());
                    assertArrayEquals(h.embeddings().toFloatArray(), fromHost.embeddings().toFloatArray());
                    assertNull(fromHost.dense());
                    int e = gpu.embedDim();
                    assertTrue(Similarity.minRowCosine(c.embeddings().toFloatArray(), d.embeddings().toFloatArray(), e)
                            >= 0.999);
                    assertTrue(Similarity.minRowCosine(c.dense().toFloatArray(), d.dense().toFloatArray(), e) >= 0.999);
                }
            }
            try (Tensor other = Tensor.wrapCuda(1, FAKE, DType.F32, 1, 3, s, s)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> gpu.encodeImages(other, false));
                assertTrue(e.getMessage().contains("CUDA device 1"), e.getMessage());
            }
        }
    }

    @Test
    void repeatedBatchesReplayCudaGraphs() {
        Assumptions.assumeTrue(device(), "no CUDA device");
        try (Encoder gpu = Encoder.load(CLIP, Encoder.Options.defaults().withBackend(Backend.CUDA))) {
            int s = gpu.preprocessSpec().size();
            gpu.reserve(4, s, s, 4, gpu.config().text().maxPositions());
            float[] first = null;
            try (Tensor dev = Tensor.allocateCuda(0, DType.F32, 4, 3, s, s); Tensor host = Tensor.allocate(DType.F32, 4, 3, s, s);
                 Tensor emb = Tensor.allocateCuda(0, DType.F32, 4, gpu.embedDim())) {
                java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
                float[] v = new float[(int) host.elementCount()];
                for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextDouble(-2, 2);
                host.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(v));
                dev.copyFrom(host);
                for (int i = 0; i < 5; i++) {
                    // the same buffers every time: the same graph key
                    gpu.encodeImagesInto(dev, emb, null);
                    float[] now = emb.toFloatArray();
                    if (first == null) first = now;
                    else assertArrayEquals(first, now, "a replay is bit-identical to the eager call");
                }
                try (ImageEmbeddings ref = gpu.encodeImagesOnDevice(dev, false)) {
                    assertArrayEquals(first, ref.embeddings().toFloatArray());
                }
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> gpu.encodeImagesInto(dev, emb.narrow(0, 2), null));
                assertTrue(e.getMessage().contains("embeddings must be F32"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> gpu.encodeImagesInto(host, emb, null));
            }
            Encoder.GraphInfo g = gpu.graphInfo();
            assertTrue(g.replays() > 0 || !g.lastFailure().isEmpty(), "no replay and no reason: " + g);
            Assumptions.assumeTrue(g.lastFailure().isEmpty(), "graphs unavailable here: " + g.lastFailure());
            assertTrue(g.graphs() >= 1, g.toString());
        }
        try (Encoder off = Encoder.load(CLIP, Encoder.Options.defaults().withBackend(Backend.CUDA).withCudaGraphs(false))) {
            int s = off.preprocessSpec().size();
            try (Tensor host = Tensor.allocate(DType.F32, 1, 3, s, s)) {
                for (int i = 0; i < 3; i++) off.encodeImages(host, false).close();
            }
            assertEquals(0, off.graphInfo().replays());
        }
    }
}
