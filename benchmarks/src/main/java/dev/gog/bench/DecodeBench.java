package dev.gog.bench;

import dev.gog.image.DecodeOptions;
import dev.gog.image.Image;
import java.awt.image.BufferedImage;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decode of the 1920x1080 benchmark JPEG, full size and for a 224x224 glance (the DCT-scaled
 * path: 1/4 scale, 480x270), beside ImageIO (full, and source subsampling 4) and OpenCV
 * imdecode (IMREAD_COLOR, and IMREAD_REDUCED_COLOR_4), all on one thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class DecodeBench {
    private byte[] jpeg;
    private BytePointer jpegNative;
    private DecodeOptions glance;

    @Setup(Level.Trial)
    public void setup() {
        opencv_core.setNumThreads(1);
        jpeg = Scenario.jpeg1080p();
        jpegNative = new BytePointer(jpeg);
        // The CLIP recipe resizes 1920x1080 to 398x224 before its centre crop.
        glance = DecodeOptions.DEFAULTS.withTarget(398, 224);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        jpegNative.close();
    }

    @Benchmark
    public int gogFull() {
        try (Image im = Image.decode(jpeg)) {
            return im.width();
        }
    }

    @Benchmark
    public int gogGlance224() {
        try (Image im = Image.decode(jpeg, glance)) {
            return im.width();
        }
    }

    @Benchmark
    public int java2dFull() {
        BufferedImage im = Java2DPeer.decode(jpeg);
        return im.getWidth();
    }

    @Benchmark
    public int java2dSubsampled4() {
        BufferedImage im = Java2DPeer.decodeSubsampled(jpeg, 4);
        return im.getWidth();
    }

    @Benchmark
    public int opencvFull() {
        try (Mat m = OpenCvPeer.decode(jpegNative, jpeg.length, false)) {
            return m.cols();
        }
    }

    @Benchmark
    public int opencvReduced4() {
        try (Mat m = OpenCvPeer.decode(jpegNative, jpeg.length, true)) {
            return m.cols();
        }
    }
}
