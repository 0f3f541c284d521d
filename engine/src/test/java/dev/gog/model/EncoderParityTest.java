package dev.gog.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gog.bindings.CpuIsa;
import dev.gog.image.Image;
import dev.gog.tensor.DType;
import dev.gog.tensor.Tensor;
import dev.gog.testing.Npy;
import dev.gog.testing.TestData;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity of the encoder with the PyTorch reference (scripts/testdata/make_encoder_goldens.py):
 * tiny CLIP and SigLIP checkpoints in F32, F16, BF16 and sharded form, every output (pooled
 * image embeddings, dense patch features at the trained size and at interpolated sizes, text
 * embeddings), in fp32 compute (max abs error <= 1e-4 of the output's scale) and bf16 compute
 * (cosine >= 0.999 for every embedding), with the scalar reference kernels and the best SIMD
 * variant of this CPU.
 */
class EncoderParityTest {
    private static final Path MODELS = TestData.path("models");

    record Case(String model, String golden, Precision precision, CpuIsa isa) {
        @Override
        public String toString() {
            return model + " " + precision + " " + isa;
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        String[][] pairs = {
            {"tiny-clip", "tiny-clip"}, {"tiny-clip-bf16", "tiny-clip-bf16"}, {"tiny-clip-f16", "tiny-clip-f16"},
            {"tiny-clip-sharded", "tiny-clip"}, {"tiny-siglip", "tiny-siglip"}, {"tiny-siglip-bf16", "tiny-siglip-bf16"}};
        for (CpuIsa isa : new CpuIsa[] {CpuIsa.SCALAR, CpuIsa.AUTO}) {
            for (String[] p : pairs) out.add(Arguments.of(new Case(p[0], p[1], Precision.F32, isa)));
            out.add(Arguments.of(new Case("tiny-clip", "tiny-clip", Precision.BF16, isa)));
            out.add(Arguments.of(new Case("tiny-siglip", "tiny-siglip", Precision.BF16, isa)));
        }
        return out.stream();
    }

    /** The golden files of a folder by bare name (manifest paths are relative to it). */
    static Map<String, Path> golden(String folder) throws IOException {
        Path dir = MODELS.resolve(folder).resolve("golden");
        JsonNode m = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        Map<String, Path> files = new HashMap<>();
        for (JsonNode f : m.get("files")) {
            Path p = dir.resolve(f.get("file").asText()).normalize();
            files.put(p.getFileName().toString(), p);
        }
        return files;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheReference(Case c) throws IOException {
        Map<String, Path> g = golden(c.golden());
        Encoder.Options opt = Encoder.Options.defaults().withPrecision(c.precision()).withIsa(c.isa()).withThreads(2);
        try (Encoder enc = Encoder.load(MODELS.resolve(c.model()), opt)) {
            for (String size : new String[] {"native", "wide", "large"}) {
                Npy px = Npy.read(g.get("pixels_" + size + ".npy"));
                try (Tensor in = tensor(px); ImageEmbeddings out = enc.encodeImages(in, true)) {
                    compare(c, "image_embeds_" + size, Npy.read(g.get("image_embeds_" + size + ".npy")), out.embeddings());
                    compare(c, "dense_" + size, Npy.read(g.get("dense_" + size + ".npy")), out.dense());
                    assertEquals(px.shape()[2] / enc.config().vision().patchSize(), out.rows());
                    assertEquals(px.shape()[3] / enc.config().vision().patchSize(), out.cols());
                }
            }
            Npy ids = Npy.read(g.get("text_ids.npy"));
            try (Tensor t = enc.encodeTokens(ids.i32(), (int) ids.shape()[0], (int) ids.shape()[1])) {
                compare(c, "text_embeds", Npy.read(g.get("text_embeds.npy")), t);
            }
            try (Tensor in = tensor(Npy.read(g.get("e2e_pixels.npy"))); ImageEmbeddings out = enc.encodeImages(in, false)) {
                compare(c, "e2e_image", Npy.read(g.get("e2e_image.npy")), out.embeddings());
            }
        }
    }

    /** The photo goes through the engine's own decode + Pillow-exact preprocessing, then the encoder. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void photoEndToEnd(Case c) throws IOException {
        if (c.isa() == CpuIsa.SCALAR) return; // the scalar run above covers the kernels
        Map<String, Path> g = golden(c.golden());
        JsonNode m = new ObjectMapper().readTree(MODELS.resolve(c.golden()).resolve("golden/manifest.json").toFile());
        Path photo = TestData.path(m.get("e2e_photo").asText());
        Encoder.Options opt = Encoder.Options.defaults().withPrecision(c.precision()).withThreads(2);
        try (Encoder enc = Encoder.load(MODELS.resolve(c.model()), opt);
             Image img = Image.decode(java.nio.file.Files.readAllBytes(photo));
             ImageEmbeddings out = enc.encodeImage(img, true)) {
            compare(c, "e2e_image(photo)", Npy.read(g.get("e2e_image.npy")), out.embeddings());
        }
    }

    static Tensor tensor(Npy n) {
        Tensor t = Tensor.allocate(DType.F32, n.shape());
        MemorySegment.copy(n.f32(), 0, t.segment(), ValueLayout.JAVA_FLOAT, 0, n.f32().length);
        return t;
    }

    static void compare(Case c, String what, Npy ref, Tensor got) {
        assertArrayEquals(ref.shape(), got.shape(), what + " shape");
        float[] r = ref.f32(), o = got.toFloatArray();
        if (c.precision() == Precision.F32) {
            double scale = 0, err = 0;
            for (int i = 0; i < r.length; i++) {
                scale = Math.max(scale, Math.abs(r[i]));
                err = Math.max(err, Math.abs(r[i] - o[i]));
            }
            assertTrue(err <= 1e-4 * scale, c + " " + what + ": max abs error " + err + " > 1e-4 * " + scale);
        } else {
            int d = (int) ref.shape()[ref.shape().length - 1];
            double worst = dev.gog.testing.Similarity.minRowCosine(r, o, d);
            assertTrue(worst >= 0.999, c + " " + what + ": cosine " + worst + " < 0.999");
        }
    }
}
