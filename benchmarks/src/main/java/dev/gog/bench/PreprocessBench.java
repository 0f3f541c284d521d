package dev.gog.bench;

import dev.gog.image.Box;
import dev.gog.image.Image;
import dev.gog.preprocess.PreprocessSpec;
import dev.gog.preprocess.Preprocessor;
import dev.gog.preprocess.ResizeFilter;
import dev.gog.tensor.DType;
import dev.gog.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Crop + resize + normalise from a decoded 1920x1080 frame into float32 NCHW, CLIP constants,
 * bicubic: the whole frame to 224x224 (glance) and eight boxes to 336x336 (gaze), ours beside
 * Java2D and OpenCV in the same run. Every side writes into an output it allocated once.
 * {@code threads} is the thread count of every side (OpenCV's own pool via setNumThreads; Java2D
 * has none and runs on one thread whatever the value).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class PreprocessBench {
    @Param({"1", "2"})
    public int threads;

    private Image image;
    private Preprocessor glance, gaze;
    private Tensor glanceOut, gazeOut;
    private List<Box> boxes;

    private BufferedImage java2dImage;
    private float[] java2dGlance, java2dGaze;

    private BytePointer jpegNative;
    private Mat cvImage;
    private OpenCvPeer cv;
    private FloatPointer cvGlance, cvGaze;

    @Setup(Level.Trial)
    public void setup() {
        byte[] jpeg = Scenario.jpeg1080p();
        image = Image.decode(jpeg);
        glance = new Preprocessor(PreprocessSpec.clip(Scenario.GLANCE).withFilter(ResizeFilter.BICUBIC), threads);
        gaze = new Preprocessor(PreprocessSpec.clip(Scenario.GAZE).withFilter(ResizeFilter.BICUBIC), threads);
        glanceOut = Tensor.allocate(DType.F32, 1, 3, Scenario.GLANCE, Scenario.GLANCE);
        gazeOut = Tensor.allocate(DType.F32, Scenario.BOXES.length, 3, Scenario.GAZE, Scenario.GAZE);
        boxes = new ArrayList<>();
        for (int[] b : Scenario.BOXES) boxes.add(new Box(b[0], b[1], b[2], b[3]));

        java2dImage = Java2DPeer.decode(jpeg);
        java2dGlance = new float[3 * Scenario.GLANCE * Scenario.GLANCE];
        java2dGaze = new float[Scenario.BOXES.length * 3 * Scenario.GAZE * Scenario.GAZE];

        opencv_core.setNumThreads(threads);
        jpegNative = new BytePointer(jpeg);
        cvImage = OpenCvPeer.decode(jpegNative, jpeg.length, false);
        cv = new OpenCvPeer();
        cvGlance = new FloatPointer(3L * Scenario.GLANCE * Scenario.GLANCE);
        cvGaze = new FloatPointer((long) Scenario.BOXES.length * 3 * Scenario.GAZE * Scenario.GAZE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        glanceOut.close();
        gazeOut.close();
        glance.close();
        gaze.close();
        image.close();
        cv.close();
        cvImage.close();
        cvGlance.close();
        cvGaze.close();
        jpegNative.close();
    }

    @Benchmark
    public Tensor gogGlance224() {
        glance.wholeInto(image, glanceOut);
        return glanceOut;
    }

    @Benchmark
    public Tensor gogGaze8x336() {
        gaze.cropsInto(image, boxes, gazeOut);
        return gazeOut;
    }

    @Benchmark
    public float[] java2dGlance224() {
        Java2DPeer.glance(java2dImage, Scenario.GLANCE, java2dGlance);
        return java2dGlance;
    }

    @Benchmark
    public float[] java2dGaze8x336() {
        for (int i = 0; i < Scenario.BOXES.length; i++) {
            int[] b = Scenario.BOXES[i];
            Java2DPeer.cropResizeNormalize(java2dImage, b[0], b[1], b[2], b[3], Scenario.GAZE, java2dGaze, i);
        }
        return java2dGaze;
    }

    @Benchmark
    public FloatPointer opencvGlance224() {
        cv.glance(cvImage, Scenario.GLANCE, cvGlance);
        return cvGlance;
    }

    @Benchmark
    public FloatPointer opencvGaze8x336() {
        for (int i = 0; i < Scenario.BOXES.length; i++) {
            int[] b = Scenario.BOXES[i];
            cv.cropResizeNormalize(cvImage, b[0], b[1], b[2], b[3], Scenario.GAZE, cvGaze, i);
        }
        return cvGaze;
    }
}
