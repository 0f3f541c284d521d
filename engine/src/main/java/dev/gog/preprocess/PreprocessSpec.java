package dev.gog.preprocess;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gog.image.Box;
import dev.gog.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a vision model wants as input: an S x S image ({@code size}), made with a resize
 * {@code filter} and a {@code mode} (recipe), normalised with {@code normalization} into
 * {@code dtype} (F32 or BF16 NCHW; U8 means RGB8 NHWC, not normalised). {@code fill} is the
 * colour of letterbox padding (by default the normalisation's mean colour, round(mean * 255)).
 *
 * <h2>Recipes</h2>
 * Every recipe maps a region R = [x1, x2) x [y1, y2) of the original image (the whole image,
 * or a gaze box), of size w x h, to one box resize (Pillow's {@code resize(size, filter, box)})
 * placed in the S x S frame ({@link #place(Box)}). All arithmetic is in double precision; the
 * resulting box is rounded to float once.
 * <ul>
 *   <li>{@link ResizeMode#CLIP} (Hugging Face CLIPImageProcessor): the short side becomes S, the
 *       long side {@code int(S * long / short)} (truncation), giving w' x h'; then a centre crop
 *       S x S with {@code top = (h' - S) // 2}, {@code left = (w' - S) // 2}. As one box resize:
 *       box = (x1 + left * w / w', y1 + top * h / h', x1 + (left + S) * w / w',
 *       y1 + (top + S) * h / h') to S x S at (0, 0).</li>
 *   <li>{@link ResizeMode#SQUASH}: box = R to S x S at (0, 0).</li>
 *   <li>{@link ResizeMode#LETTERBOX}: scale = min(S / w, S / h); the inner size is
 *       {@code max(1, floor(w * scale + 0.5))} x {@code max(1, floor(h * scale + 0.5))}, placed at
 *       ({@code (S - w_in) // 2}, {@code (S - h_in) // 2}); box = R; fill elsewhere.</li>
 * </ul>
 *
 * @param size output side S, 1..16384
 * @param filter resampling filter
 * @param mode recipe
 * @param normalization mean and std
 * @param dtype output element type of {@link Preprocessor#whole}/{@link Preprocessor#crops}
 * @param fill letterbox padding colour
 */
public record PreprocessSpec(int size, ResizeFilter filter, ResizeMode mode, Normalization normalization,
                             DType dtype, Rgb fill) {

    private static final Logger LOG = LoggerFactory.getLogger(PreprocessSpec.class);

    /** Largest output side. */
    public static final int MAX_SIZE = 16384;

    /** An RGB8 colour; each component 0..255. */
    public record Rgb(int r, int g, int b) {
        /**
         * Creates a colour.
         *
         * @throws IllegalArgumentException if a component is outside 0..255
         */
        public Rgb {
            if ((r | g | b) < 0 || r > 255 || g > 255 || b > 255) {
                throw new IllegalArgumentException("colour components must be 0..255: " + r + "," + g + "," + b);
            }
        }
    }

    /** A width x height size. */
    public record Size(int width, int height) {}

    /**
     * Creates a spec.
     *
     * @throws IllegalArgumentException if {@code size} is outside 1..16384
     * @throws NullPointerException if an argument is null
     */
    public PreprocessSpec {
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("size must be 1.." + MAX_SIZE + ", got " + size);
        }
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(normalization, "normalization");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(fill, "fill");
    }

    /** A spec with the fill colour of the normalisation's mean. */
    public PreprocessSpec(int size, ResizeFilter filter, ResizeMode mode, Normalization normalization, DType dtype) {
        this(size, filter, mode, normalization, dtype, normalization.meanColor());
    }

    /** OpenAI CLIP: CLIP recipe, bicubic, CLIP normalisation, F32. */
    public static PreprocessSpec clip(int size) {
        return new PreprocessSpec(size, ResizeFilter.BICUBIC, ResizeMode.CLIP, Normalization.CLIP, DType.F32);
    }

    /** SigLIP: squash, bicubic, mean/std 0.5, F32. */
    public static PreprocessSpec siglip(int size) {
        return new PreprocessSpec(size, ResizeFilter.BICUBIC, ResizeMode.SQUASH, Normalization.SIGLIP, DType.F32);
    }

    /** A copy with another size. */
    public PreprocessSpec withSize(int s) {
        return new PreprocessSpec(s, filter, mode, normalization, dtype, fill);
    }

    /** A copy with another filter. */
    public PreprocessSpec withFilter(ResizeFilter f) {
        return new PreprocessSpec(size, f, mode, normalization, dtype, fill);
    }

    /** A copy with another recipe. */
    public PreprocessSpec withMode(ResizeMode m) {
        return new PreprocessSpec(size, filter, m, normalization, dtype, fill);
    }

    /** A copy with another normalisation; the fill colour becomes its mean colour. */
    public PreprocessSpec withNormalization(Normalization n) {
        return new PreprocessSpec(size, filter, mode, n, dtype, n.meanColor());
    }

    /** A copy with another output type. */
    public PreprocessSpec withDtype(DType d) {
        return new PreprocessSpec(size, filter, mode, normalization, d, fill);
    }

    /** A copy with another letterbox fill colour. */
    public PreprocessSpec withFill(Rgb f) {
        return new PreprocessSpec(size, filter, mode, normalization, dtype, f);
    }

    // --- recipes -------------------------------------------------------------------------------

    /**
     * The box resize that applies this recipe to {@code region} (see the class comment).
     *
     * @param region a region of the original image (the whole image is {@link Box#of(int, int)})
     * @return the source box (inside {@code region}) and its place in the S x S frame
     * @throws NullPointerException if {@code region} is null
     */
    public Placement place(Box region) {
        Objects.requireNonNull(region, "region");
        double w = (double) region.x2() - region.x1();
        double h = (double) region.y2() - region.y1();
        int s = size;
        return switch (mode) {
            case SQUASH -> new Placement(region, 0, 0, s, s);
            case LETTERBOX -> {
                double scale = Math.min(s / w, s / h);
                int iw = inner(w * scale);
                int ih = inner(h * scale);
                yield new Placement(region, (s - iw) / 2, (s - ih) / 2, iw, ih);
            }
            case CLIP -> {
                Size r = clipResize(w, h);
                int left = (r.width() - s) / 2;
                int top = (r.height() - s) / 2;
                double bx1 = region.x1() + left * w / r.width();
                double by1 = region.y1() + top * h / r.height();
                double bx2 = region.x1() + (left + s) * w / r.width();
                double by2 = region.y1() + (top + s) * h / r.height();
                yield new Placement(clamp(region, bx1, by1, bx2, by2), 0, 0, s, s);
            }
        };
    }

    /**
     * The size this recipe resizes a whole {@code width} x {@code height} image to before any
     * crop or padding: CLIP (w', h'), SQUASH (S, S), LETTERBOX the inner size. A DCT-scaled
     * decode ({@link Preprocessor#glance}) uses it as its target.
     *
     * @throws IllegalArgumentException if a dimension is &lt; 1
     */
    public Size resizeTarget(int width, int height) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("image size must be >= 1x1");
        return switch (mode) {
            case SQUASH -> new Size(size, size);
            case CLIP -> clipResize(width, height);
            case LETTERBOX -> {
                Placement p = place(Box.of(width, height));
                yield new Size(p.width(), p.height());
            }
        };
    }

    /** Hugging Face get_resize_output_image_size(default_to_square=False): short side to S. */
    private Size clipResize(double w, double h) {
        int s = size;
        if (w <= h) {
            return new Size(s, Math.max(s, (int) (s * h / w)));
        }
        return new Size(Math.max(s, (int) (s * w / h)), s);
    }

    private int inner(double v) {
        return (int) Math.max(1, Math.min(size, Math.floor(v + 0.5)));
    }

    /** Rounds a computed box to float, keeping it inside the region it was cut from. */
    private static Box clamp(Box region, double x1, double y1, double x2, double y2) {
        float fx1 = (float) Math.max(region.x1(), x1);
        float fy1 = (float) Math.max(region.y1(), y1);
        float fx2 = (float) Math.min(region.x2(), x2);
        float fy2 = (float) Math.min(region.y2(), y2);
        if (!(fx1 < fx2) || !(fy1 < fy2)) return region; // a degenerate region: resize it whole
        return new Box(fx1, fy1, fx2, fy2);
    }

    // --- Hugging Face preprocessor_config.json ---------------------------------------------------

    /** File name of a Hugging Face image processor configuration. */
    public static final String PREPROCESSOR_CONFIG = "preprocessor_config.json";

    /**
     * Reads a Hugging Face {@code preprocessor_config.json} (or the one in a model directory).
     * Without such a file, returns {@link #clip(int) clip(224)}.
     *
     * <ul>
     *   <li>{@code size: {"shortest_edge": n}} (or a plain number with {@code crop_size}) with
     *       {@code crop_size} n (a number or {@code {"height": n, "width": n}}) → {@link ResizeMode#CLIP};
     *       default normalisation CLIP;</li>
     *   <li>{@code size: {"height": n, "width": n}} (or a plain number without {@code crop_size})
     *       → {@link ResizeMode#SQUASH}; default normalisation mean/std 0.5;</li>
     *   <li>{@code resample}: 2 bilinear, 3 bicubic (the default);</li>
     *   <li>{@code image_mean}, {@code image_std}: 3 numbers (or one, for all channels);
     *       {@code do_normalize: false} → mean 0, std 1.</li>
     * </ul>
     *
     * @param configOrDir the JSON file, or a directory holding {@value #PREPROCESSOR_CONFIG}
     * @return the spec (dtype F32)
     * @throws ModelConfigException if the file cannot be read or parsed, a field is missing or
     *     has the wrong type, or it asks for something unsupported (another resample filter,
     *     a non-square output, a shortest edge different from the crop, no rescale to [0, 1])
     */
    public static PreprocessSpec fromPreprocessorConfig(Path configOrDir) {
        Objects.requireNonNull(configOrDir, "configOrDir");
        Path file = Files.isDirectory(configOrDir) ? configOrDir.resolve(PREPROCESSOR_CONFIG) : configOrDir;
        if (!Files.exists(file)) {
            LOG.info("no {}; using the CLIP recipe at 224", file);
            return clip(224);
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new ModelConfigException(file + ": malformed JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        return fromPreprocessorConfig(root, file.toString());
    }

    /**
     * Interprets a parsed {@code preprocessor_config.json} (see {@link #fromPreprocessorConfig(Path)}).
     *
     * @param where the file name used in error messages
     * @throws ModelConfigException as {@link #fromPreprocessorConfig(Path)}
     */
    public static PreprocessSpec fromPreprocessorConfig(JsonNode root, String where) {
        if (root == null || !root.isObject()) throw new ModelConfigException(where + ": not a JSON object");
        if (!bool(root, "do_resize", true, where)) {
            throw new ModelConfigException(where + ": do_resize=false is not supported (inputs must be resized)");
        }
        if (!bool(root, "do_rescale", true, where)) {
            throw new ModelConfigException(where + ": do_rescale=false is not supported (values are scaled to [0, 1])");
        }
        JsonNode rf = root.get("rescale_factor");
        if (rf != null && !rf.isNull()) {
            if (!rf.isNumber()) throw new ModelConfigException(where + ": rescale_factor must be a number");
            if (Math.abs(rf.asDouble() - 1.0 / 255) > 1e-9) {
                throw new ModelConfigException(where + ": rescale_factor " + rf.asDouble()
                        + " is not supported (only 1/255)");
            }
        }
        ResizeFilter filter = switch (integer(root, "resample", 3, where)) {
            case 2 -> ResizeFilter.BILINEAR;
            case 3 -> ResizeFilter.BICUBIC;
            default -> throw new ModelConfigException(where + ": resample " + root.get("resample")
                    + " is not supported (2 = bilinear, 3 = bicubic)");
        };

        JsonNode sizeNode = root.get("size");
        if (sizeNode == null || sizeNode.isNull()) throw new ModelConfigException(where + ": missing field 'size'");
        JsonNode crop = root.get("crop_size");
        boolean hasCrop = crop != null && !crop.isNull();
        ResizeMode mode;
        int s;
        if (sizeNode.isObject() && sizeNode.has("shortest_edge")
                || sizeNode.isNumber() && hasCrop) {
            mode = ResizeMode.CLIP;
            int shortest = sizeNode.isObject() ? positive(sizeNode, "shortest_edge", where + ": size")
                    : positiveValue(sizeNode, where + ": size");
            if (!bool(root, "do_center_crop", true, where)) {
                throw new ModelConfigException(where + ": shortest_edge resize without do_center_crop is not"
                        + " supported (the output must be square)");
            }
            s = hasCrop ? squareSize(crop, where + ": crop_size") : shortest;
            if (s != shortest) {
                throw new ModelConfigException(where + ": shortest_edge " + shortest + " with crop_size " + s
                        + " is not supported (the CLIP recipe resizes the short side to the crop size)");
            }
        } else if (sizeNode.isObject() && sizeNode.has("height") || sizeNode.isNumber()) {
            mode = ResizeMode.SQUASH;
            s = squareSize(sizeNode, where + ": size");
        } else {
            throw new ModelConfigException(where + ": 'size' must be a number, {\"shortest_edge\": n} or"
                    + " {\"height\": n, \"width\": n}, got " + sizeNode);
        }
        if (s > MAX_SIZE) throw new ModelConfigException(where + ": size " + s + " is over " + MAX_SIZE);

        Normalization norm;
        if (!bool(root, "do_normalize", true, where)) {
            norm = Normalization.UNIT;
        } else {
            Normalization def = mode == ResizeMode.CLIP ? Normalization.CLIP : Normalization.SIGLIP;
            float[] mean = triple(root, "image_mean", def.mean(), where);
            float[] std = triple(root, "image_std", def.std(), where);
            try {
                norm = new Normalization(mean, std);
            } catch (IllegalArgumentException e) {
                throw new ModelConfigException(where + ": " + e.getMessage(), e);
            }
        }
        return new PreprocessSpec(s, filter, mode, norm, DType.F32);
    }

    private static boolean bool(JsonNode root, String field, boolean def, String where) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return def;
        if (!n.isBoolean()) throw new ModelConfigException(where + ": '" + field + "' must be true or false, got " + n);
        return n.booleanValue();
    }

    private static int integer(JsonNode root, String field, int def, String where) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return def;
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new ModelConfigException(where + ": '" + field + "' must be an integer, got " + n);
        }
        return n.intValue();
    }

    private static int positive(JsonNode obj, String field, String where) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) throw new ModelConfigException(where + ": missing '" + field + "'");
        return positiveValue(n, where + "." + field);
    }

    private static int positiveValue(JsonNode n, String where) {
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1) {
            throw new ModelConfigException(where + " must be a positive integer, got " + n);
        }
        return n.intValue();
    }

    private static int squareSize(JsonNode n, String where) {
        if (n.isNumber()) return positiveValue(n, where);
        if (!n.isObject()) throw new ModelConfigException(where + " must be a number or {\"height\", \"width\"}, got " + n);
        int h = positive(n, "height", where);
        int w = positive(n, "width", where);
        if (h != w) {
            throw new ModelConfigException(where + " " + w + "x" + h + " is not supported (the output must be square)");
        }
        return h;
    }

    private static float[] triple(JsonNode root, String field, float[] def, String where) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return def;
        if (n.isNumber()) {
            float v = (float) n.doubleValue();
            return new float[] {v, v, v};
        }
        if (!n.isArray() || n.size() != 3) {
            throw new ModelConfigException(where + ": '" + field + "' must be 3 numbers, got " + n);
        }
        float[] v = new float[3];
        for (int i = 0; i < 3; i++) {
            if (!n.get(i).isNumber()) throw new ModelConfigException(where + ": '" + field + "' must be 3 numbers, got " + n);
            v[i] = (float) n.get(i).doubleValue();
        }
        return v;
    }
}
