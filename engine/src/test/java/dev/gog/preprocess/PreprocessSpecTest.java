package dev.gog.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.image.Box;
import dev.gog.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreprocessSpecTest {
    @TempDir
    Path tmp;

    @Test
    void clipRecipeLandscape() {
        PreprocessSpec s = PreprocessSpec.clip(224);
        // 800x531: short side 531 -> 224, long side int(224 * 800 / 531) = 337; left = (337 - 224) // 2 = 56
        assertEquals(new PreprocessSpec.Size(337, 224), s.resizeTarget(800, 531));
        Placement p = s.place(Box.of(800, 531));
        assertEquals(new Placement(new Box((float) (56 * 800.0 / 337), 0f, (float) (280 * 800.0 / 337), 531f),
                0, 0, 224, 224), p);
    }

    @Test
    void clipRecipePortrait() {
        PreprocessSpec s = PreprocessSpec.clip(224);
        // 384x512: w' = 224, h' = int(224 * 512 / 384) = 298; top = 37
        assertEquals(new PreprocessSpec.Size(224, 298), s.resizeTarget(384, 512));
        Box b = s.place(Box.of(384, 512)).source();
        assertEquals(0f, b.x1());
        assertEquals(384f, b.x2());
        assertEquals((float) (37 * 512.0 / 298), b.y1());
        assertEquals((float) (261 * 512.0 / 298), b.y2());
    }

    @Test
    void clipRecipeOnABoxIsRelativeToTheBox() {
        PreprocessSpec s = PreprocessSpec.clip(100);
        Box r = new Box(10, 20, 210, 120); // 200 x 100: w' = 200, h' = 100, left = 50
        assertEquals(new Box(60, 20, 160, 120), s.place(r).source());
        Box sq = new Box(5, 5, 55, 55);
        assertEquals(sq, s.place(sq).source());
    }

    @Test
    void squashAndLetterbox() {
        PreprocessSpec sq = PreprocessSpec.clip(224).withMode(ResizeMode.SQUASH);
        assertEquals(new Placement(Box.of(800, 600), 0, 0, 224, 224), sq.place(Box.of(800, 600)));
        assertEquals(new PreprocessSpec.Size(224, 224), sq.resizeTarget(800, 600));
        PreprocessSpec lb = sq.withMode(ResizeMode.LETTERBOX);
        assertEquals(new Placement(Box.of(800, 600), 0, 28, 224, 168), lb.place(Box.of(800, 600)));
        assertEquals(new PreprocessSpec.Size(224, 168), lb.resizeTarget(800, 600));
        // A very thin image keeps at least one pixel.
        assertEquals(new Placement(Box.of(10000, 1), 0, 111, 224, 1), lb.place(Box.of(10000, 1)));
        // 33x10 to 16: scale 16/33, inner floor(4.848 + 0.5) = 5 -> y = (16 - 5) // 2 = 5
        assertEquals(new Placement(Box.of(33, 10), 0, 5, 16, 5), lb.withSize(16).place(Box.of(33, 10)));
    }

    @Test
    void fillDefaultsToTheMeanColour() {
        assertEquals(new PreprocessSpec.Rgb(123, 117, 104), PreprocessSpec.clip(224).fill());
        assertEquals(new PreprocessSpec.Rgb(128, 128, 128), PreprocessSpec.siglip(224).fill());
        PreprocessSpec s = PreprocessSpec.clip(224).withFill(new PreprocessSpec.Rgb(1, 2, 3));
        assertEquals(new PreprocessSpec.Rgb(1, 2, 3), s.fill());
        assertEquals(new PreprocessSpec.Rgb(128, 128, 128), s.withNormalization(Normalization.SIGLIP).fill());
    }

    @Test
    void validation() {
        assertThrows(IllegalArgumentException.class, () -> PreprocessSpec.clip(0));
        assertThrows(IllegalArgumentException.class, () -> PreprocessSpec.clip(16385));
        assertThrows(IllegalArgumentException.class, () -> new Normalization(new float[] {0, 0}, new float[] {1, 1, 1}));
        assertThrows(IllegalArgumentException.class, () -> new Normalization(new float[] {0, 0, 0}, new float[] {1, 0, 1}));
        assertThrows(IllegalArgumentException.class,
                () -> new Normalization(new float[] {Float.NaN, 0, 0}, new float[] {1, 1, 1}));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessSpec.Rgb(256, 0, 0));
        assertEquals("clip", Normalization.CLIP.id());
        assertEquals("siglip", Normalization.SIGLIP.id());
    }

    // --- preprocessor_config.json ---------------------------------------------------------------

    private PreprocessSpec config(String json) throws IOException {
        Path f = tmp.resolve("preprocessor_config.json");
        Files.writeString(f, json);
        return PreprocessSpec.fromPreprocessorConfig(f);
    }

    @Test
    void clipConfig() throws IOException {
        PreprocessSpec s = config("""
                {
                  "crop_size": {"height": 336, "width": 336},
                  "do_center_crop": true, "do_normalize": true, "do_resize": true,
                  "feature_extractor_type": "CLIPFeatureExtractor",
                  "image_mean": [0.48145466, 0.4578275, 0.40821073],
                  "image_std": [0.26862954, 0.26130258, 0.27577711],
                  "resample": 3, "rescale_factor": 0.00392156862745098,
                  "size": {"shortest_edge": 336}
                }""");
        assertEquals(336, s.size());
        assertEquals(ResizeMode.CLIP, s.mode());
        assertEquals(ResizeFilter.BICUBIC, s.filter());
        assertEquals(Normalization.CLIP, s.normalization());
        assertEquals(DType.F32, s.dtype());
        // The legacy form: plain numbers.
        PreprocessSpec legacy = config("{\"size\": 224, \"crop_size\": 224, \"resample\": 2}");
        assertEquals(ResizeMode.CLIP, legacy.mode());
        assertEquals(ResizeFilter.BILINEAR, legacy.filter());
        assertEquals(224, legacy.size());
    }

    @Test
    void siglipConfigFromADirectory() throws IOException {
        config("""
                {"do_normalize": true, "do_rescale": true, "do_resize": true,
                 "image_mean": [0.5, 0.5, 0.5], "image_processor_type": "SiglipImageProcessor",
                 "image_std": [0.5, 0.5, 0.5], "resample": 3,
                 "rescale_factor": 0.00392156862745098, "size": {"height": 384, "width": 384}}""");
        PreprocessSpec s = PreprocessSpec.fromPreprocessorConfig(tmp);
        assertEquals(384, s.size());
        assertEquals(ResizeMode.SQUASH, s.mode());
        assertEquals(Normalization.SIGLIP, s.normalization());
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, s.normalization().std());
    }

    @Test
    void noFileMeansClip224() {
        assertEquals(PreprocessSpec.clip(224), PreprocessSpec.fromPreprocessorConfig(tmp.resolve("none.json")));
        assertEquals(PreprocessSpec.clip(224), PreprocessSpec.fromPreprocessorConfig(tmp));
    }

    @Test
    void malformedConfigsAreClearErrors() throws IOException {
        assertConfigError("{\"size\": {\"shortest_edge\": 224", "malformed JSON");
        assertConfigError("[1, 2]", "not a JSON object");
        assertConfigError("{\"resample\": 3}", "missing field 'size'");
        assertConfigError("{\"size\": {\"shortest_edge\": 224}, \"resample\": 1}", "resample 1 is not supported");
        assertConfigError("{\"size\": {\"shortest_edge\": 224}, \"resample\": \"bicubic\"}", "'resample' must be an integer");
        assertConfigError("{\"size\": {\"height\": 224, \"width\": 320}}", "must be square");
        assertConfigError("{\"size\": {\"shortest_edge\": 256}, \"crop_size\": 224}", "shortest_edge 256 with crop_size 224");
        assertConfigError("{\"size\": {\"shortest_edge\": 224}, \"image_mean\": [0.5, 0.5]}", "'image_mean' must be 3 numbers");
        assertConfigError("{\"size\": {\"shortest_edge\": 224}, \"image_std\": [0.5, 0, 0.5]}", "std must be finite and > 0");
        assertConfigError("{\"size\": {\"shortest_edge\": -3}}", "positive integer");
        assertConfigError("{\"size\": \"big\"}", "'size' must be");
        assertConfigError("{\"size\": 224, \"do_rescale\": false}", "do_rescale=false");
        assertConfigError("{\"size\": 224, \"do_resize\": \"yes\"}", "'do_resize' must be true or false");
    }

    private void assertConfigError(String json, String fragment) throws IOException {
        Path f = tmp.resolve("bad.json");
        Files.writeString(f, json);
        ModelConfigException e = assertThrows(ModelConfigException.class, () -> PreprocessSpec.fromPreprocessorConfig(f));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertTrue(e.getMessage().contains("bad.json"), e.getMessage());
    }
}
