package dev.gog.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The layouts against the C compiler's layout on x86-64 Linux, reasoned out from gog.h
 * (natural alignment: uint64 and pointers 8, int32/float 4, uint8 1; a struct is aligned to
 * its widest member and padded to a multiple of it). A C program printing sizeof/offsetof for
 * these structs gives the same numbers.
 */
class GogStructsTest {
    @Test
    void decodeOptions() {
        assertEquals(32, GogStructs.DECODE_OPTIONS.byteSize());
        assertEquals(8, GogStructs.DECODE_OPTIONS.byteAlignment());
        assertEquals(0, GogStructs.DECODE_OPTIONS_MAX_ENCODED_BYTES);
        assertEquals(8, GogStructs.DECODE_OPTIONS_MAX_PIXELS);
        assertEquals(16, GogStructs.DECODE_OPTIONS_TARGET_WIDTH);
        assertEquals(20, GogStructs.DECODE_OPTIONS_TARGET_HEIGHT);
        assertEquals(24, GogStructs.DECODE_OPTIONS_IGNORE_ORIENTATION);
        assertEquals(28, GogStructs.DECODE_OPTIONS_RESERVED);
    }

    @Test
    void imageInfo() {
        assertEquals(48, GogStructs.IMAGE_INFO.byteSize());
        assertEquals(4, GogStructs.IMAGE_INFO.byteAlignment());
        assertEquals(0, GogStructs.IMAGE_INFO_FORMAT);
        assertEquals(4, GogStructs.IMAGE_INFO_WIDTH);
        assertEquals(8, GogStructs.IMAGE_INFO_HEIGHT);
        assertEquals(12, GogStructs.IMAGE_INFO_STORED_WIDTH);
        assertEquals(16, GogStructs.IMAGE_INFO_STORED_HEIGHT);
        assertEquals(20, GogStructs.IMAGE_INFO_ORIENTATION);
        assertEquals(24, GogStructs.IMAGE_INFO_SCALE_DENOM);
        assertEquals(28, GogStructs.IMAGE_INFO_CHANNELS);
        assertEquals(32, GogStructs.IMAGE_INFO_BIT_DEPTH);
        assertEquals(36, GogStructs.IMAGE_INFO_HAS_ALPHA);
        assertEquals(40, GogStructs.IMAGE_INFO_PROGRESSIVE);
    }

    @Test
    void imageView() {
        assertEquals(24, GogStructs.IMAGE_VIEW.byteSize());
        assertEquals(8, GogStructs.IMAGE_VIEW.byteAlignment());
        assertEquals(0, GogStructs.IMAGE_VIEW_DATA);
        assertEquals(8, GogStructs.IMAGE_VIEW_WIDTH);
        assertEquals(12, GogStructs.IMAGE_VIEW_HEIGHT);
        assertEquals(16, GogStructs.IMAGE_VIEW_STRIDE);
    }

    @Test
    void boxAndItem() {
        assertEquals(16, GogStructs.BOX.byteSize());
        assertEquals(32, GogStructs.RESIZE_ITEM.byteSize());
        assertEquals(4, GogStructs.RESIZE_ITEM.byteAlignment());
        assertEquals(0, GogStructs.RESIZE_ITEM_X1);
        assertEquals(4, GogStructs.RESIZE_ITEM_Y1);
        assertEquals(8, GogStructs.RESIZE_ITEM_X2);
        assertEquals(12, GogStructs.RESIZE_ITEM_Y2);
        assertEquals(16, GogStructs.RESIZE_ITEM_DST_X);
        assertEquals(20, GogStructs.RESIZE_ITEM_DST_Y);
        assertEquals(24, GogStructs.RESIZE_ITEM_DST_W);
        assertEquals(28, GogStructs.RESIZE_ITEM_DST_H);
    }

    @Test
    void preprocessParams() {
        assertEquals(52, GogStructs.PREPROCESS_PARAMS.byteSize());
        assertEquals(4, GogStructs.PREPROCESS_PARAMS.byteAlignment());
        assertEquals(0, GogStructs.PARAMS_OUT_WIDTH);
        assertEquals(4, GogStructs.PARAMS_OUT_HEIGHT);
        assertEquals(8, GogStructs.PARAMS_FILTER);
        assertEquals(12, GogStructs.PARAMS_DTYPE);
        assertEquals(16, GogStructs.PARAMS_ISA);
        assertEquals(20, GogStructs.PARAMS_BAND_ROWS);
        assertEquals(24, GogStructs.PARAMS_MEAN);
        assertEquals(36, GogStructs.PARAMS_STD);
        assertEquals(48, GogStructs.PARAMS_FILL);
        assertEquals(51, GogStructs.PARAMS_RESERVED);
    }
}
