package dev.gog.bench;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The peer a Java user reaches for first: ImageIO to decode, Graphics2D (bicubic rendering
 * hint) to crop and resize, a loop to normalise into NCHW floats. Written as a careful user
 * would write it (one Graphics2D per crop, direct access to the raster bytes).
 */
public final class Java2DPeer {
    private Java2DPeer() {}

    /** Full decode with ImageIO. */
    public static BufferedImage decode(byte[] jpeg) {
        try {
            return ImageIO.read(new ByteArrayInputStream(jpeg));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decode with source subsampling (ImageIO's nearest equivalent of a DCT-scaled decode). */
    public static BufferedImage decodeSubsampled(byte[] jpeg, int factor) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg))) {
            Iterator<ImageReader> it = ImageIO.getImageReaders(in);
            ImageReader r = it.next();
            try {
                r.setInput(in);
                ImageReadParam p = r.getDefaultReadParam();
                p.setSourceSubsampling(factor, factor, 0, 0);
                return r.read(0, p);
            } finally {
                r.dispose();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Crops [x1,x2)x[y1,y2) of src to size x size (bicubic) and normalises into out at item i. */
    public static void cropResizeNormalize(BufferedImage src, int x1, int y1, int x2, int y2,
                                           int size, float[] out, int item) {
        BufferedImage dst = new BufferedImage(size, size, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = dst.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.drawImage(src, 0, 0, size, size, x1, y1, x2, y2, null);
        } finally {
            g.dispose();
        }
        byte[] bgr = ((DataBufferByte) dst.getRaster().getDataBuffer()).getData();
        int plane = size * size;
        int base = item * 3 * plane;
        float[] scale = new float[3], shift = new float[3];
        for (int c = 0; c < 3; c++) {
            scale[c] = 1f / (255f * Scenario.STD[c]);
            shift[c] = -Scenario.MEAN[c] / Scenario.STD[c];
        }
        for (int p = 0, q = 0; p < plane; p++, q += 3) {
            out[base + p] = (bgr[q + 2] & 0xff) * scale[0] + shift[0];
            out[base + plane + p] = (bgr[q + 1] & 0xff) * scale[1] + shift[1];
            out[base + 2 * plane + p] = (bgr[q] & 0xff) * scale[2] + shift[2];
        }
    }

    /** The whole frame, CLIP recipe (shortest side to size, centre crop). */
    public static void glance(BufferedImage src, int size, float[] out) {
        int w = src.getWidth(), h = src.getHeight();
        int s = Math.min(w, h);
        int x1 = (w - s) / 2, y1 = (h - s) / 2;
        cropResizeNormalize(src, x1, y1, x1 + s, y1 + s, size, out, 0);
    }
}
