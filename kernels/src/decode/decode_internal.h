/* Shared declarations of the image decoders (decode.c, decode_jpeg.c, decode_png.c). */
#ifndef GOG_DECODE_INTERNAL_H
#define GOG_DECODE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/internal.h"

/* One probe or decode, with the options already resolved (defaults applied, validated). */
typedef struct gog_decode_request {
    const uint8_t *data;     /* encoded bytes, len > 0                                   */
    size_t len;
    uint64_t max_pixels;     /* limit on the stored width * height                       */
    int32_t target_width;    /* both > 0: DCT scaling allowed (JPEG)                     */
    int32_t target_height;
    int32_t ignore_orientation;
    uint8_t *out;            /* NULL: probe only (read the header, fill info)            */
    size_t out_capacity;
} gog_decode_request;

/* Both fill *info completely (zeroed by the caller) and, when req->out is set, decode into
 * req->out as packed RGB8 of info->width x info->height. */
GOG_INTERNAL gog_status gog_decode_jpeg(const gog_decode_request *req, gog_image_info *info);
GOG_INTERNAL gog_status gog_decode_png(const gog_decode_request *req, gog_image_info *info);

/* GOG_ERR_LIMIT_EXCEEDED (with a message naming the size and the limit) when
 * width * height > max_pixels, computed in 64 bits; else GOG_OK. */
GOG_INTERNAL gog_status gog_decode_check_pixels(const char *format, uint64_t width,
                                                uint64_t height, uint64_t max_pixels);

/* GOG_ERR_BUFFER_TOO_SMALL unless capacity >= width * height * 3 (overflow-checked). */
GOG_INTERNAL gog_status gog_decode_check_capacity(int32_t width, int32_t height,
                                                  size_t capacity);

/* Applies EXIF orientation 2..8 (the transposes of Pillow's ImageOps.exif_transpose) to
 * rows [y0, y0 + n) of a src_w x src_h packed RGB8 image: `src` points at row y0 (rows
 * src_w * 3 bytes apart), and the pixels are written to their places in `dst`, the packed
 * RGB8 oriented image (src_h x src_w for 5..8). Called strip by strip while decoding, so no
 * full-size temporary is needed. src and dst must not overlap. */
GOG_INTERNAL void gog_orient_rows(const uint8_t *src, int32_t src_w, int32_t src_h, int32_t y0,
                                  int32_t n, int32_t orientation, uint8_t *dst);

#endif
