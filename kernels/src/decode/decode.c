/* gog_image_probe / gog_image_decode: argument checks, limits, format sniffing, dispatch to
 * the JPEG and PNG decoders, and the EXIF orientation transform. */
#include <string.h>

#include "decode/decode_internal.h"

static const uint8_t PNG_SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

/* Format from the magic bytes: JPEG starts with SOI followed by a marker (FF D8 FF), PNG
 * with its 8-byte signature. The same test as Pillow's JpegImagePlugin / PngImagePlugin. */
static int32_t sniff_format(const uint8_t *data, size_t len) {
    if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return GOG_FORMAT_JPEG;
    if (len >= 8 && memcmp(data, PNG_SIGNATURE, 8) == 0) return GOG_FORMAT_PNG;
    return GOG_FORMAT_UNKNOWN;
}

gog_status gog_decode_check_pixels(const char *format, uint64_t width, uint64_t height,
                                   uint64_t max_pixels) {
    /* width and height come from 16-bit (JPEG) or 31-bit (PNG) header fields, so the
     * product fits in 64 bits; the check is still written not to overflow. */
    if (width != 0 && height > max_pixels / width) {
        return gog_fail(GOG_ERR_LIMIT_EXCEEDED,
                        "%s image is %llux%llu (%llu pixels), over the limit of %llu pixels "
                        "(max_pixels)",
                        format, (unsigned long long)width, (unsigned long long)height,
                        (unsigned long long)(width * height), (unsigned long long)max_pixels);
    }
    return GOG_OK;
}

gog_status gog_decode_check_capacity(int32_t width, int32_t height, size_t capacity) {
    size_t px, need;
    if (!gog_mul_size((size_t)width, (size_t)height, &px) || !gog_mul_size(px, 3, &need)) {
        return gog_fail(GOG_ERR_LIMIT_EXCEEDED, "output of %dx%d does not fit in memory", width,
                        height);
    }
    if (capacity < need) {
        return gog_fail(GOG_ERR_BUFFER_TOO_SMALL,
                        "output buffer holds %zu bytes, the %dx%d RGB8 image needs %zu", capacity,
                        width, height, need);
    }
    return GOG_OK;
}

/* EXIF orientation as Pillow's transposes (ImageOps.exif_transpose). Source pixel
 * (column c, row r) of the W x H stored image goes to destination (x, y):
 *   2 FLIP_LEFT_RIGHT  (W-1-c, r)
 *   3 ROTATE_180       (W-1-c, H-1-r)
 *   4 FLIP_TOP_BOTTOM  (c, H-1-r)
 *   5 TRANSPOSE        (r, c)
 *   6 ROTATE_270       (H-1-r, c)          90 degrees clockwise
 *   7 TRANSVERSE       (H-1-r, W-1-c)
 *   8 ROTATE_90        (r, W-1-c)          90 degrees counter-clockwise
 * The destination is W x H for 2..4 and H x W for 5..8. */
void gog_orient_rows(const uint8_t *src, int32_t src_w, int32_t src_h, int32_t y0, int32_t n,
                     int32_t orientation, uint8_t *dst) {
    const size_t W = (size_t)src_w, H = (size_t)src_h, row = W * 3;
    if (orientation <= 4) {
        for (int32_t k = 0; k < n; k++) {
            const size_t r = (size_t)y0 + (size_t)k;
            const uint8_t *s = src + (size_t)k * row;
            uint8_t *d = dst + (orientation == 2 ? r : H - 1 - r) * row;
            if (orientation == 4) {
                memcpy(d, s, row);
                continue;
            }
            s += row - 3; /* 2 and 3 reverse the row */
            for (size_t c = 0; c < W; c++, d += 3, s -= 3) {
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
            }
        }
        return;
    }
    /* 5..8: source column c becomes destination row y (c or W-1-c), and the n source rows
     * of the strip become n adjacent pixels of that row, at x = r (5, 8) or x = H-1-r
     * (6, 7). Reading the strip column by column keeps the writes contiguous. */
    const size_t dst_row = H * 3;
    const int flip_y = orientation == 7 || orientation == 8;
    const int flip_x = orientation == 6 || orientation == 7;
    for (size_t c = 0; c < W; c++) {
        const size_t y = flip_y ? W - 1 - c : c;
        const uint8_t *s = src + c * 3;
        if (!flip_x) {
            uint8_t *d = dst + y * dst_row + (size_t)y0 * 3;
            for (int32_t k = 0; k < n; k++, d += 3, s += row) {
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
            }
        } else {
            uint8_t *d = dst + y * dst_row + (H - 1 - (size_t)y0) * 3;
            for (int32_t k = 0; k < n; k++, d -= 3, s += row) {
                d[0] = s[0];
                d[1] = s[1];
                d[2] = s[2];
            }
        }
    }
}

/* Validates the arguments shared by probe and decode and fills the request. A NULL opts is
 * the same as a zero-initialised one (all defaults). */
static gog_status prepare(const uint8_t *data, size_t len, const gog_decode_options *opts,
                          gog_decode_request *req, int32_t *format) {
    if (opts && opts->reserved != 0) {
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "gog_decode_options.reserved must be 0 (is %d)",
                        (int)opts->reserved);
    }
    if (!data) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "image data is NULL");
    if (len == 0) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "image data is empty (0 bytes)");
    const uint64_t max_bytes = opts && opts->max_encoded_bytes ? opts->max_encoded_bytes
                                                               : GOG_DEFAULT_MAX_ENCODED_BYTES;
    if ((uint64_t)len > max_bytes) {
        return gog_fail(GOG_ERR_LIMIT_EXCEEDED,
                        "encoded image is %zu bytes, over the limit of %llu bytes "
                        "(max_encoded_bytes)",
                        len, (unsigned long long)max_bytes);
    }
    *format = sniff_format(data, len);
    if (*format == GOG_FORMAT_UNKNOWN) {
        return gog_fail(GOG_ERR_UNSUPPORTED,
                        "unknown image format (first bytes %02x %02x %02x %02x): only JPEG and "
                        "PNG are supported",
                        data[0], len > 1 ? data[1] : 0, len > 2 ? data[2] : 0,
                        len > 3 ? data[3] : 0);
    }
    memset(req, 0, sizeof *req);
    req->data = data;
    req->len = len;
    req->max_pixels = opts && opts->max_pixels ? opts->max_pixels : GOG_DEFAULT_MAX_PIXELS;
    if (opts && opts->target_width > 0 && opts->target_height > 0) {
        req->target_width = opts->target_width;
        req->target_height = opts->target_height;
    }
    req->ignore_orientation = opts ? opts->ignore_orientation : 0;
    return GOG_OK;
}

static gog_status dispatch(int32_t format, const gog_decode_request *req, gog_image_info *info) {
    memset(info, 0, sizeof *info);
    return format == GOG_FORMAT_JPEG ? gog_decode_jpeg(req, info) : gog_decode_png(req, info);
}

gog_status gog_image_probe(const uint8_t *data, size_t len, const gog_decode_options *opts,
                           gog_image_info *info) {
    if (!info) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "info is NULL");
    memset(info, 0, sizeof *info);
    gog_decode_request req;
    int32_t format = GOG_FORMAT_UNKNOWN;
    gog_status st = prepare(data, len, opts, &req, &format);
    if (st != GOG_OK) return st;
    st = dispatch(format, &req, info);
    if (st != GOG_OK) memset(info, 0, sizeof *info);
    return st;
}

gog_status gog_image_decode(const uint8_t *data, size_t len, const gog_decode_options *opts,
                            uint8_t *out, size_t out_capacity, gog_image_info *info) {
    gog_image_info local;
    if (!info) info = &local;
    memset(info, 0, sizeof *info);
    if (!out) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "output buffer is NULL");
    gog_decode_request req;
    int32_t format = GOG_FORMAT_UNKNOWN;
    gog_status st = prepare(data, len, opts, &req, &format);
    if (st != GOG_OK) return st;
    req.out = out;
    req.out_capacity = out_capacity;
    st = dispatch(format, &req, info);
    /* On GOG_ERR_BUFFER_TOO_SMALL info keeps the probed header (the size the caller needs);
     * after any other failure it is all zero. */
    if (st != GOG_OK && st != GOG_ERR_BUFFER_TOO_SMALL) memset(info, 0, sizeof *info);
    return st;
}
