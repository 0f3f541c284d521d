package dev.gog.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;

/**
 * The C structs of {@code gog.h} as {@link StructLayout}s, laid out exactly as the C compiler
 * lays them out on x86-64 Linux (natural alignment, no packing), with the byte offset of every
 * field. Sizes: decode options 32, image info 48, image view 24, box 16, resize item 32,
 * preprocess params 52.
 */
public final class GogStructs {
    private GogStructs() {}

    /** {@code gog_decode_options}: 2 x uint64 then 4 x int32 (32 bytes, 8-aligned). */
    public static final StructLayout DECODE_OPTIONS = MemoryLayout.structLayout(
            JAVA_LONG.withName("max_encoded_bytes"),
            JAVA_LONG.withName("max_pixels"),
            JAVA_INT.withName("target_width"),
            JAVA_INT.withName("target_height"),
            JAVA_INT.withName("ignore_orientation"),
            JAVA_INT.withName("reserved")).withName("gog_decode_options");

    /** Byte offset of {@code max_encoded_bytes} in {@link #DECODE_OPTIONS}. */
    public static final long DECODE_OPTIONS_MAX_ENCODED_BYTES = offset(DECODE_OPTIONS, "max_encoded_bytes");
    /** Byte offset of {@code max_pixels} in {@link #DECODE_OPTIONS}. */
    public static final long DECODE_OPTIONS_MAX_PIXELS = offset(DECODE_OPTIONS, "max_pixels");
    /** Byte offset of {@code target_width} in {@link #DECODE_OPTIONS}. */
    public static final long DECODE_OPTIONS_TARGET_WIDTH = offset(DECODE_OPTIONS, "target_width");
    /** Byte offset of {@code target_height} in {@link #DECODE_OPTIONS}. */
    public static final long DECODE_OPTIONS_TARGET_HEIGHT = offset(DECODE_OPTIONS, "target_height");
    /** Byte offset of {@code ignore_orientation} in {@link #DECODE_OPTIONS}. */
    public static final long DECODE_OPTIONS_IGNORE_ORIENTATION = offset(DECODE_OPTIONS, "ignore_orientation");
    /** Byte offset of {@code reserved} in {@link #DECODE_OPTIONS}. */
    public static final long DECODE_OPTIONS_RESERVED = offset(DECODE_OPTIONS, "reserved");

    /** {@code gog_image_info}: 12 x int32 (48 bytes). */
    public static final StructLayout IMAGE_INFO = MemoryLayout.structLayout(
            JAVA_INT.withName("format"),
            JAVA_INT.withName("width"),
            JAVA_INT.withName("height"),
            JAVA_INT.withName("stored_width"),
            JAVA_INT.withName("stored_height"),
            JAVA_INT.withName("orientation"),
            JAVA_INT.withName("scale_denom"),
            JAVA_INT.withName("channels"),
            JAVA_INT.withName("bit_depth"),
            JAVA_INT.withName("has_alpha"),
            JAVA_INT.withName("progressive"),
            JAVA_INT.withName("reserved")).withName("gog_image_info");

    /** Byte offset of {@code format} in {@link #IMAGE_INFO}. */
    public static final long IMAGE_INFO_FORMAT = offset(IMAGE_INFO, "format");
    /** Byte offset of {@code width} in {@link #IMAGE_INFO}. */
    public static final long IMAGE_INFO_WIDTH = offset(IMAGE_INFO, "width");
    /** Byte offset of {@code height} in {@link #IMAGE_INFO}. */
    public static final long IMAGE_INFO_HEIGHT = offset(IMAGE_INFO, "height");
    /** Byte offset of {@code stored_width} in {@link #IMAGE_INFO}. */
    public static final long IMAGE_INFO_STORED_WIDTH = offset(IMAGE_INFO, "stored_width");
    /** Byte offset of {@code stored_height} in {@link #IMAGE_INFO}. */
    public static final long IMAGE_INFO_STORED_HEIGHT = offset(IMAGE_INFO, "stored_height");
    /** Byte offset of {@code orientation} in {@link #IMAGE_INFO}. */
    public static final long IMAGE_INFO_ORIENTATION = offset(IMAGE_INFO, "orientation");
    /** Byte offset of {@code scale_denom} in {@link #IMAGE_INFO}. */
    public static final long IMAGE_INFO_SCALE_DENOM = offset(IMAGE_INFO, "scale_denom");
    /** Byte offset of {@code channels} in {@link #IMAGE_INFO}. */
    public static final long IMAGE_INFO_CHANNELS = offset(IMAGE_INFO, "channels");
    /** Byte offset of {@code bit_depth} in {@link #IMAGE_INFO}. */
    public static final long IMAGE_INFO_BIT_DEPTH = offset(IMAGE_INFO, "bit_depth");
    /** Byte offset of {@code has_alpha} in {@link #IMAGE_INFO}. */
    public static final long IMAGE_INFO_HAS_ALPHA = offset(IMAGE_INFO, "has_alpha");
    /** Byte offset of {@code progressive} in {@link #IMAGE_INFO}. */
    public static final long IMAGE_INFO_PROGRESSIVE = offset(IMAGE_INFO, "progressive");

    /** {@code gog_image_view}: pointer, 2 x int32, int64 stride (24 bytes, 8-aligned). */
    public static final StructLayout IMAGE_VIEW = MemoryLayout.structLayout(
            ADDRESS.withName("data"),
            JAVA_INT.withName("width"),
            JAVA_INT.withName("height"),
            JAVA_LONG.withName("stride")).withName("gog_image_view");

    /** Byte offset of {@code data} in {@link #IMAGE_VIEW}. */
    public static final long IMAGE_VIEW_DATA = offset(IMAGE_VIEW, "data");
    /** Byte offset of {@code width} in {@link #IMAGE_VIEW}. */
    public static final long IMAGE_VIEW_WIDTH = offset(IMAGE_VIEW, "width");
    /** Byte offset of {@code height} in {@link #IMAGE_VIEW}. */
    public static final long IMAGE_VIEW_HEIGHT = offset(IMAGE_VIEW, "height");
    /** Byte offset of {@code stride} in {@link #IMAGE_VIEW}. */
    public static final long IMAGE_VIEW_STRIDE = offset(IMAGE_VIEW, "stride");

    /** {@code gog_box}: 4 x float, half-open [x1,x2) x [y1,y2) (16 bytes). */
    public static final StructLayout BOX = MemoryLayout.structLayout(
            JAVA_FLOAT.withName("x1"),
            JAVA_FLOAT.withName("y1"),
            JAVA_FLOAT.withName("x2"),
            JAVA_FLOAT.withName("y2")).withName("gog_box");

    /** {@code gog_resize_item}: a box then 4 x int32 placement (32 bytes). */
    public static final StructLayout RESIZE_ITEM = MemoryLayout.structLayout(
            BOX.withName("src"),
            JAVA_INT.withName("dst_x"),
            JAVA_INT.withName("dst_y"),
            JAVA_INT.withName("dst_w"),
            JAVA_INT.withName("dst_h")).withName("gog_resize_item");

    /** Byte offset of {@code src.x1} in {@link #RESIZE_ITEM}. */
    public static final long RESIZE_ITEM_X1 = offset(RESIZE_ITEM, "src", "x1");
    /** Byte offset of {@code src.y1} in {@link #RESIZE_ITEM}. */
    public static final long RESIZE_ITEM_Y1 = offset(RESIZE_ITEM, "src", "y1");
    /** Byte offset of {@code src.x2} in {@link #RESIZE_ITEM}. */
    public static final long RESIZE_ITEM_X2 = offset(RESIZE_ITEM, "src", "x2");
    /** Byte offset of {@code src.y2} in {@link #RESIZE_ITEM}. */
    public static final long RESIZE_ITEM_Y2 = offset(RESIZE_ITEM, "src", "y2");
    /** Byte offset of {@code dst_x} in {@link #RESIZE_ITEM}. */
    public static final long RESIZE_ITEM_DST_X = offset(RESIZE_ITEM, "dst_x");
    /** Byte offset of {@code dst_y} in {@link #RESIZE_ITEM}. */
    public static final long RESIZE_ITEM_DST_Y = offset(RESIZE_ITEM, "dst_y");
    /** Byte offset of {@code dst_w} in {@link #RESIZE_ITEM}. */
    public static final long RESIZE_ITEM_DST_W = offset(RESIZE_ITEM, "dst_w");
    /** Byte offset of {@code dst_h} in {@link #RESIZE_ITEM}. */
    public static final long RESIZE_ITEM_DST_H = offset(RESIZE_ITEM, "dst_h");

    /**
     * {@code gog_preprocess_params}: 6 x int32, float mean[3], float std[3], uint8 fill[3],
     * uint8 reserved (52 bytes, 4-aligned).
     */
    public static final StructLayout PREPROCESS_PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("out_width"),
            JAVA_INT.withName("out_height"),
            JAVA_INT.withName("filter"),
            JAVA_INT.withName("dtype"),
            JAVA_INT.withName("isa"),
            JAVA_INT.withName("band_rows"),
            MemoryLayout.sequenceLayout(3, JAVA_FLOAT).withName("mean"),
            MemoryLayout.sequenceLayout(3, JAVA_FLOAT).withName("std"),
            MemoryLayout.sequenceLayout(3, JAVA_BYTE).withName("fill"),
            JAVA_BYTE.withName("reserved")).withName("gog_preprocess_params");

    /** Byte offset of {@code out_width} in {@link #PREPROCESS_PARAMS}. */
    public static final long PARAMS_OUT_WIDTH = offset(PREPROCESS_PARAMS, "out_width");
    /** Byte offset of {@code out_height} in {@link #PREPROCESS_PARAMS}. */
    public static final long PARAMS_OUT_HEIGHT = offset(PREPROCESS_PARAMS, "out_height");
    /** Byte offset of {@code filter} in {@link #PREPROCESS_PARAMS}. */
    public static final long PARAMS_FILTER = offset(PREPROCESS_PARAMS, "filter");
    /** Byte offset of {@code dtype} in {@link #PREPROCESS_PARAMS}. */
    public static final long PARAMS_DTYPE = offset(PREPROCESS_PARAMS, "dtype");
    /** Byte offset of {@code isa} in {@link #PREPROCESS_PARAMS}. */
    public static final long PARAMS_ISA = offset(PREPROCESS_PARAMS, "isa");
    /** Byte offset of {@code band_rows} in {@link #PREPROCESS_PARAMS}. */
    public static final long PARAMS_BAND_ROWS = offset(PREPROCESS_PARAMS, "band_rows");
    /** Byte offset of {@code mean} in {@link #PREPROCESS_PARAMS}. */
    public static final long PARAMS_MEAN = offset(PREPROCESS_PARAMS, "mean");
    /** Byte offset of {@code std} in {@link #PREPROCESS_PARAMS}. */
    public static final long PARAMS_STD = offset(PREPROCESS_PARAMS, "std");
    /** Byte offset of {@code fill} in {@link #PREPROCESS_PARAMS}. */
    public static final long PARAMS_FILL = offset(PREPROCESS_PARAMS, "fill");
    /** Byte offset of {@code reserved} in {@link #PREPROCESS_PARAMS}. */
    public static final long PARAMS_RESERVED = offset(PREPROCESS_PARAMS, "reserved");

    private static long offset(StructLayout layout, String... path) {
        PathElement[] elements = new PathElement[path.length];
        for (int i = 0; i < path.length; i++) elements[i] = PathElement.groupElement(path[i]);
        return layout.byteOffset(elements);
    }
}
