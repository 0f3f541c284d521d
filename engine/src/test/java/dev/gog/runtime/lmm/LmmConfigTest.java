package dev.gog.runtime.lmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gog.gaze.BoxFrame;
import dev.gog.image.Box;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link LmmConfig}, {@link ActionProfiles} and {@link ImageFrame}. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LmmConfigTest {
    private static final URI BASE = URI.create("http://localhost:8000/v1");

    @Test
    void defaults() {
        LmmConfig c = LmmConfig.defaults(BASE, "Edwinzz/GoG-RL-Qwen2.5-7B");
        assertEquals(1024, c.maxTokens());
        assertEquals(0.0, c.temperature());
        assertEquals(Duration.ofSeconds(60), c.timeout());
        assertEquals("GOG_LMM_API_KEY", c.apiKeyEnv());
        assertEquals(BoxFrame.qwen25Vl(), c.boxFrame());
        assertEquals("tools", c.profile().name());
        assertEquals(4L << 20, c.maxResponseBytes());
        assertEquals(List.of(), c.extraStop());
    }

    @Test
    void withersChangeOneField() {
        LmmConfig c = LmmConfig.defaults(BASE, "m").withMaxTokens(10).withTemperature(0.7).withTimeout(Duration.ofSeconds(3))
                .withProfile(new TagProfile()).withBoxFrame(BoxFrame.NORM_1000).withExtraStop(List.of("</answer>"));
        assertEquals(10, c.maxTokens());
        assertEquals(0.7, c.temperature());
        assertEquals(Duration.ofSeconds(3), c.timeout());
        assertEquals("tags", c.profile().name());
        assertEquals(BoxFrame.NORM_1000, c.boxFrame());
        assertEquals(List.of("</answer>"), c.extraStop());
        assertEquals("m", c.model());
    }

    @Test
    void theKeyIsNeverShownAndResolvesFromConfigOrEnvironment() {
        LmmConfig c = LmmConfig.defaults(BASE, "m").withApiKey("sk-very-secret");
        assertFalse(c.toString().contains("sk-very-secret"), c.toString());
        assertTrue(c.toString().contains("apiKey=***"));
        assertEquals("sk-very-secret", c.resolveApiKey());
        assertNull(LmmConfig.defaults(BASE, "m").withApiKeyEnv("GOG_TEST_SURELY_UNSET_VARIABLE_4711").resolveApiKey());
        String path = System.getenv("PATH"); // an environment variable that is set
        if (path != null && !path.isBlank()) assertEquals(path.strip(), LmmConfig.defaults(BASE, "m").withApiKeyEnv("PATH").resolveApiKey());
    }

    @Test
    void invalidSettingsAreRejected() {
        LmmConfig c = LmmConfig.defaults(BASE, "m");
        assertThrows(IllegalArgumentException.class, () -> LmmConfig.defaults(URI.create("localhost:8000"), "m"));
        assertThrows(IllegalArgumentException.class, () -> LmmConfig.defaults(BASE, " "));
        assertThrows(IllegalArgumentException.class, () -> c.withMaxTokens(0));
        assertThrows(IllegalArgumentException.class, () -> c.withTemperature(-0.1));
        assertThrows(IllegalArgumentException.class, () -> c.withTemperature(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> c.withTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> c.withExtraStop(List.of("")));
        assertThrows(IllegalArgumentException.class, () -> c.withApiKeyEnv(""));
    }

    @Test
    void profilesByName() {
        assertInstanceOf(ToolCallProfile.class, ActionProfiles.byName("tools"));
        assertInstanceOf(TagProfile.class, ActionProfiles.byName("TAGS"));
        assertEquals(List.of("tags", "tools"), ActionProfiles.names());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ActionProfiles.byName("xml"));
        assertTrue(e.getMessage().contains("tags, tools"), e.getMessage());
    }

    @Test
    void imageFrameRoundTripsAndDescribesItself() {
        ImageFrame f = ImageFrame.of(BoxFrame.qwen25Vl(), 1000, 500);
        assertEquals(1008, f.sentWidth());
        assertEquals(504, f.sentHeight());
        assertEquals("[504, 252, 1008, 504]", f.format(new Box(500, 250, 1000, 500)));
        assertEquals(new Box(500, 250, 1000, 500), f.toOriginal(new double[] {504, 252, 1008, 504}));
        assertTrue(f.describe().contains("1008 x 504 pixels"), f.describe());
        ImageFrame n = ImageFrame.of(BoxFrame.FRACTION, 1000, 500);
        assertEquals("[0.500, 0.500, 1.000, 1.000]", n.format(new Box(500, 250, 1000, 500)));
        assertTrue(n.describe().contains("0..1 "), n.describe());
        assertThrows(IllegalArgumentException.class, () -> f.toOriginal(new double[] {10, 10, 10, 20}));
    }
}
