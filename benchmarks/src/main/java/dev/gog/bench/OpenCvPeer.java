package dev.gog.bench;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.split;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_CUBIC;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The peer a performance-minded Java user picks: OpenCV through JavaCV. Decode with imdecode
 * (IMREAD_REDUCED_COLOR_4 is its DCT-scaled decode), crop with a ROI, cv::resize (INTER_CUBIC),
 * split the planes and let convertTo scale and shift each plane straight into the NCHW output
 * (no extra passes). OpenCV's INTER_CUBIC does not antialias when shrinking, so it does less
 * work than a Pillow-equivalent resize.
 */
public final class OpenCvPeer implements AutoCloseable {
    private final Mat resized = new Mat();
    private final MatVector planes = new MatVector(3);

    /** Decodes the JPEG held in {@code bytes} (BGR); reduced = 1/4 DCT scale. */
    public static Mat decode(BytePointer bytes, long length, boolean reduced) {
        Mat buf = new Mat(1, (int) length, CV_8UC1, bytes);
        return imdecode(buf, reduced ? IMREAD_REDUCED_COLOR_4 : IMREAD_COLOR);
    }

    /** Crops, resizes to size x size and normalises into out (float NCHW) at item i. */
    public void cropResizeNormalize(Mat src, int x1, int y1, int x2, int y2, int size,
                                    FloatPointer out, int item) {
        try (Mat roi = new Mat(src, new Rect(x1, y1, x2 - x1, y2 - y1))) {
            resize(roi, resized, new Size(size, size), 0, 0, INTER_CUBIC);
        }
        split(resized, planes);
        long plane = (long) size * size;
        for (int c = 0; c < 3; c++) {
            int bgr = 2 - c; // OpenCV holds BGR; the tensor is RGB
            double alpha = 1.0 / (255.0 * Scenario.STD[c]);
            double beta = -Scenario.MEAN[c] / Scenario.STD[c];
            FloatPointer dst = new FloatPointer(out).position(((long) item * 3 + c) * plane);
            try (Mat target = new Mat(size, size, CV_32F, dst)) {
                planes.get(bgr).convertTo(target, CV_32F, alpha, beta);
            }
        }
    }

    /** The whole frame, CLIP recipe (shortest side to size, centre crop). */
    public void glance(Mat src, int size, FloatPointer out) {
        int w = src.cols(), h = src.rows();
        int s = Math.min(w, h);
        int x1 = (w - s) / 2, y1 = (h - s) / 2;
        cropResizeNormalize(src, x1, y1, x1 + s, y1 + s, size, out, 0);
    }

    @Override
    public void close() {
        resized.close();
        planes.close();
    }
}
