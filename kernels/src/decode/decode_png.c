/* PNG decode through libpng 1.6 into packed RGB8.
 *
 * Every colour type and bit depth becomes 8-bit RGB or RGBA with libpng's transforms:
 *   16-bit -> 8-bit keeping the high byte (png_set_strip_16, not the rounding
 *   png_set_scale_16), palette -> RGB, gray 1/2/4 -> 8 (v * 255 / (2^depth - 1)),
 *   tRNS -> alpha (the key is compared with the full-depth sample), gray -> RGB.
 * Alpha is then composited on white with the formula of gog.h:
 *   out = (c * a + 255 * (255 - a) + 127) / 255        (integer division)
 * Gamma, ICC and the other ancillary chunks are ignored, as Pillow ignores them for pixel
 * values; libpng is told to skip them unread (no zTXt/iCCP inflation).
 *
 * Errors: libpng's error callback records the message and longjmps to png_run's setjmp;
 * warnings (benign problems: a bad CRC on an ancillary chunk, extra compressed data) are
 * ignored. Data that ends early fails through png_error in the read callback. As in the
 * JPEG decoder, everything that must survive the longjmp lives in a png_state owned by the
 * caller of png_run. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "decode/decode_internal.h"

/* Cap on the memory libpng may allocate for one ancillary chunk. */
#define GOG_PNG_CHUNK_MALLOC_MAX ((png_alloc_size_t)8 << 20)

typedef struct png_state {
    png_structp png;
    png_infop info;
    jmp_buf jump;
    gog_status status;
    char message[256];
    const uint8_t *data;
    size_t len;
    size_t pos;
    uint8_t *rgba;        /* an RGBA row, or the whole RGBA image when interlaced       */
    png_bytep *rows;      /* row pointers for an interlaced image                      */
} png_state;

static void on_png_error(png_structp png, png_const_charp msg) {
    png_state *st = (png_state *)png_get_error_ptr(png);
    snprintf(st->message, sizeof st->message, "%s", msg ? msg : "unknown error");
    /* png_malloc's failure message. */
    st->status = msg && strcmp(msg, "Out of memory") == 0 ? GOG_ERR_OUT_OF_MEMORY : GOG_ERR_DECODE;
    longjmp(st->jump, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void read_from_memory(png_structp png, png_bytep dst, size_t n) {
    png_state *st = (png_state *)png_get_io_ptr(png);
    if (n > st->len - st->pos) png_error(png, "PNG data ends early (truncated file)");
    memcpy(dst, st->data + st->pos, n);
    st->pos += n;
}

/* out = (c * a + 255 * (255 - a) + 127) / 255 for each of R, G, B. */
static void composite_on_white(const uint8_t *rgba, uint8_t *rgb, size_t width) {
    for (size_t x = 0; x < width; x++, rgba += 4, rgb += 3) {
        const uint32_t a = rgba[3], bg = 255u * (255u - a) + 127u;
        rgb[0] = (uint8_t)((rgba[0] * a + bg) / 255u);
        rgb[1] = (uint8_t)((rgba[1] * a + bg) / 255u);
        rgb[2] = (uint8_t)((rgba[2] * a + bg) / 255u);
    }
}

/* Ancillary chunks libgog does not use: handled as unknown chunks that are never kept,
 * so libpng skips them (after the CRC check) instead of parsing or inflating them. */
static const png_byte IGNORED_CHUNKS[] = {
    'b', 'K', 'G', 'D', 0, 'c', 'H', 'R', 'M', 0, 'e', 'X', 'I', 'f', 0, 'g', 'A', 'M', 'A', 0,
    'h', 'I', 'S', 'T', 0, 'i', 'C', 'C', 'P', 0, 'i', 'T', 'X', 't', 0, 'o', 'F', 'F', 's', 0,
    'p', 'C', 'A', 'L', 0, 'p', 'H', 'Y', 's', 0, 's', 'B', 'I', 'T', 0, 's', 'C', 'A', 'L', 0,
    's', 'P', 'L', 'T', 0, 's', 'R', 'G', 'B', 0, 't', 'E', 'X', 't', 0, 't', 'I', 'M', 'E', 0,
    'z', 'T', 'X', 't', 0,
};

static gog_status png_run(png_state *st, const gog_decode_request *req, gog_image_info *info) {
    if (setjmp(st->jump)) return gog_fail(st->status, "PNG: %s", st->message);

    st->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, st, on_png_error, on_png_warning);
    if (!st->png) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "PNG: cannot create the decoder");
    st->info = png_create_info_struct(st->png);
    if (!st->info) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "PNG: cannot create the decoder");
    png_structp png = st->png;
    png_infop pi = st->info;
    png_set_read_fn(png, st, read_from_memory);
    /* libpng's own size limits (1,000,000 px per side by default) would reject large images
     * with a generic message before our max_pixels check; raise them to the format's range
     * so that the limit check below is the one that reports. */
    png_set_user_limits(png, 0x7FFFFFFF, 0x7FFFFFFF);
    png_set_chunk_malloc_max(png, GOG_PNG_CHUNK_MALLOC_MAX);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, IGNORED_CHUNKS,
                                (int)(sizeof IGNORED_CHUNKS / 5));

    png_read_info(png, pi);
    png_uint_32 W = 0, H = 0;
    int depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, pi, &W, &H, &depth, &color_type, &interlace, NULL, NULL);
    if (W == 0 || H == 0) return gog_fail(GOG_ERR_DECODE, "PNG: image has zero size");
    gog_status s = gog_decode_check_pixels("PNG", W, H, req->max_pixels);
    if (s != GOG_OK) return s;

    const int has_trns = png_get_valid(png, pi, PNG_INFO_tRNS) != 0;
    info->format = GOG_FORMAT_PNG;
    info->width = (int32_t)W;
    info->height = (int32_t)H;
    info->stored_width = (int32_t)W;
    info->stored_height = (int32_t)H;
    info->orientation = 1;
    info->scale_denom = 1;
    info->channels = png_get_channels(png, pi); /* 1 for palette images */
    info->bit_depth = depth;
    info->has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) || has_trns ? 1 : 0;
    info->progressive = interlace != PNG_INTERLACE_NONE ? 1 : 0;
    if (!req->out) return GOG_OK;

    s = gog_decode_check_capacity(info->width, info->height, req->out_capacity);
    if (s != GOG_OK) return s;

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (has_trns) png_set_tRNS_to_alpha(png);
    if (depth == 16) png_set_strip_16(png);
    if (!(color_type & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
    if (interlace != PNG_INTERLACE_NONE) (void)png_set_interlace_handling(png);
    png_read_update_info(png, pi);

    const int channels = png_get_channels(png, pi);
    const size_t rowbytes = png_get_rowbytes(png, pi);
    if (png_get_bit_depth(png, pi) != 8 || (channels != 3 && channels != 4) ||
        rowbytes != (size_t)W * (size_t)channels) {
        return gog_fail(GOG_ERR_INTERNAL, "PNG: transforms gave %d channels of %d bits, %zu bytes "
                        "per row", channels, png_get_bit_depth(png, pi), rowbytes);
    }
    const size_t out_row = (size_t)W * 3;
    uint8_t *out = req->out;

    if (interlace == PNG_INTERLACE_NONE) {
        if (channels == 3) {
            for (png_uint_32 y = 0; y < H; y++) png_read_row(png, out + y * out_row, NULL);
        } else {
            st->rgba = (uint8_t *)malloc(rowbytes);
            if (!st->rgba) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "PNG: no memory for a row");
            for (png_uint_32 y = 0; y < H; y++) {
                png_read_row(png, st->rgba, NULL);
                composite_on_white(st->rgba, out + y * out_row, W);
            }
        }
    } else {
        /* Adam7: libpng fills the rows pass by pass, so the whole image must be addressable.
         * Without alpha that is the output itself; with alpha a full RGBA buffer. */
        st->rows = (png_bytep *)malloc((size_t)H * sizeof *st->rows);
        if (!st->rows) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "PNG: no memory for row pointers");
        uint8_t *base = out;
        size_t stride = out_row;
        if (channels == 4) {
            size_t bytes;
            if (!gog_mul_size(rowbytes, H, &bytes))
                return gog_fail(GOG_ERR_OUT_OF_MEMORY, "PNG: image too large");
            st->rgba = (uint8_t *)malloc(bytes);
            if (!st->rgba)
                return gog_fail(GOG_ERR_OUT_OF_MEMORY, "PNG: no memory for a %ux%u RGBA image",
                                (unsigned)W, (unsigned)H);
            base = st->rgba;
            stride = rowbytes;
        }
        for (png_uint_32 y = 0; y < H; y++) st->rows[y] = base + y * stride;
        png_read_image(png, st->rows);
        if (channels == 4) {
            for (png_uint_32 y = 0; y < H; y++)
                composite_on_white(st->rgba + y * rowbytes, out + y * out_row, W);
        }
    }
    /* Reads the chunks after the image data through IEND: a file cut after its last IDAT
     * fails like any other truncation. */
    png_read_end(png, NULL);
    return GOG_OK;
}

gog_status gog_decode_png(const gog_decode_request *req, gog_image_info *info) {
    png_state *st = (png_state *)calloc(1, sizeof *st);
    if (!st) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "PNG: no memory for the decoder state");
    st->data = req->data;
    st->len = req->len;
    const gog_status s = png_run(st, req, info);
    if (st->png) png_destroy_read_struct(&st->png, st->info ? &st->info : NULL, NULL);
    free(st->rgba);
    free(st->rows);
    free(st);
    return s;
}
