/* JPEG decode through libjpeg(-turbo) into packed RGB8.
 *
 * Error handling. libjpeg reports errors through cinfo->err->error_exit, whose default
 * prints and ends the process; here it formats the message and longjmps back to the function
 * that called setjmp (jpeg_run). Warnings (emit_message with msg_level -1: corrupt data, a
 * premature end of file, a bad Huffman code, ...) are turned into errors the same way, so a
 * truncated or damaged file fails with GOG_ERR_DECODE instead of decoding to grey. Nothing is
 * ever printed (output_message is a no-op).
 *
 * longjmp safety: every object that changes between setjmp and longjmp lives in a
 * jpeg_state owned by the caller of jpeg_run (gog_decode_jpeg), not in jpeg_run's locals,
 * so its value is well defined after the jump (C11 7.13.2.1). Every buffer comes from
 * libjpeg's pool, so jpeg_destroy_decompress in gog_decode_jpeg frees all of it on every
 * path.
 *
 * Colour: grayscale, YCbCr and RGB files are decoded with out_color_space = JCS_RGB
 * (libjpeg-turbo converts, gray is replicated). CMYK and YCCK are decoded as JCS_CMYK and
 * converted here exactly as Pillow 9.4 does (see cmyk_to_rgb).
 *
 * DCT scaling follows Pillow's JpegImageFile.draft() (gog.h): scale 1/s with the largest s
 * in {8, 4, 2, 1} such that s <= min(W / tw, H / th) in the oriented frame; libjpeg's
 * defaults (JDCT_ISLOW, fancy upsampling) are kept so the output equals Pillow's. */
#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "decode/decode_internal.h"

/* A progressive file may hold any number of scans, each a pass over the whole coefficient
 * buffer; a crafted file with thousands of tiny scans makes decode slow without being large.
 * Real encoders write about 10 (libjpeg's default script) and rarely more than 100. */
#define GOG_JPEG_MAX_SCANS 500

typedef struct jpeg_state {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr jerr;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    gog_status status;          /* status to return after a longjmp                       */
    char message[JMSG_LENGTH_MAX];
} jpeg_state;

static gog_status status_for_code(int code) {
    switch (code) {
    case JERR_OUT_OF_MEMORY:
        return GOG_ERR_OUT_OF_MEMORY;
    case JERR_BAD_PRECISION:       /* 12-bit JPEG: this libjpeg is built for 8-bit samples */
    case JERR_SOF_UNSUPPORTED:     /* lossless or hierarchical process                   */
    case JERR_NOT_COMPILED:
    case JERR_CONVERSION_NOTIMPL:
        return GOG_ERR_UNSUPPORTED;
    default:
        return GOG_ERR_DECODE;
    }
}

static void jump_with_message(j_common_ptr cinfo) {
    jpeg_state *st = (jpeg_state *)cinfo->client_data;
    (*cinfo->err->format_message)(cinfo, st->message);
    st->status = status_for_code(cinfo->err->msg_code);
    longjmp(st->jump, 1);
}

static void on_error_exit(j_common_ptr cinfo) { jump_with_message(cinfo); }

static void on_emit_message(j_common_ptr cinfo, int msg_level) {
    /* msg_level -1 is a warning (corrupt data); 0 and above are trace messages. */
    if (msg_level < 0) jump_with_message(cinfo);
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void on_progress(j_common_ptr cinfo) {
    if (!cinfo->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > GOG_JPEG_MAX_SCANS) {
        jpeg_state *st = (jpeg_state *)cinfo->client_data;
        snprintf(st->message, sizeof st->message,
                 "progressive JPEG has more than %d scans", GOG_JPEG_MAX_SCANS);
        st->status = GOG_ERR_DECODE;
        longjmp(st->jump, 1);
    }
}

/* ---- EXIF orientation ------------------------------------------------------------------ */

static uint32_t rd16(const uint8_t *p, int le) {
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : (uint32_t)p[0] << 8 | (uint32_t)p[1];
}

static uint32_t rd32(const uint8_t *p, int le) {
    return le ? rd16(p, 1) | rd16(p + 2, 1) << 16 : rd16(p, 0) << 16 | rd16(p + 2, 0);
}

/* Orientation (tag 0x0112, type SHORT, count 1) from IFD0 of an APP1 "Exif\0\0" payload;
 * 1 when absent or when anything about the block is malformed. Every read is bounds-checked
 * against the payload length. */
static int32_t exif_orientation(const uint8_t *p, size_t n) {
    if (n < 6 + 8 || memcmp(p, "Exif\0\0", 6) != 0) return 1;
    const uint8_t *t = p + 6; /* TIFF header: byte order, 42, offset of IFD0 */
    const size_t tn = n - 6;
    int le;
    if (t[0] == 'I' && t[1] == 'I') {
        le = 1;
    } else if (t[0] == 'M' && t[1] == 'M') {
        le = 0;
    } else {
        return 1;
    }
    if (rd16(t + 2, le) != 42) return 1;
    const size_t ifd = rd32(t + 4, le);
    if (ifd > tn || tn - ifd < 2) return 1;
    const size_t count = rd16(t + ifd, le);
    for (size_t i = 0; i < count; i++) {
        const size_t e = ifd + 2 + 12 * i; /* <= 2^32 + 2 + 12 * 65535: no overflow */
        if (e > tn || tn - e < 12) return 1;
        if (rd16(t + e, le) != 0x0112) continue;
        const uint32_t type = rd16(t + e + 2, le), n_values = rd32(t + e + 4, le);
        if (type != 3 || n_values != 1) return 1;
        const uint32_t v = rd16(t + e + 8, le); /* SHORT value, left-justified in the field */
        return v >= 1 && v <= 8 ? (int32_t)v : 1;
    }
    return 1;
}

static int32_t find_orientation(j_decompress_ptr cinfo) {
    for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && memcmp(m->data, "Exif\0\0", 6) == 0)
            return exif_orientation(m->data, m->data_length); /* the first Exif block, as Pillow */
    }
    return 1;
}

/* ---- CMYK ------------------------------------------------------------------------------- */

/* Pillow 9.4 (libImaging/Convert.c, cmyk2rgb) with MULDIV255(a, b) = (t = a*b + 128,
 * ((t >> 8) + t) >> 8), the rounded a*b/255:
 *     nk = 255 - k;  R = CLIP8(nk - MULDIV255(c, nk)), same for G (m) and B (y).
 * Files with an Adobe APP14 marker store inverted samples (Photoshop's convention, which
 * Pillow reads as "CMYK;I"): c = 255 - stored, and so on; then nk = stored k. */
static inline uint8_t muldiv255_sub(uint32_t nk, uint32_t c) {
    const uint32_t t = c * nk + 128;
    const uint32_t m = ((t >> 8) + t) >> 8; /* <= nk since c <= 255 */
    return (uint8_t)(nk - m);
}

static void cmyk_to_rgb(const uint8_t *in, uint8_t *out, size_t width, int inverted) {
    if (inverted) {
        for (size_t x = 0; x < width; x++, in += 4, out += 3) {
            const uint32_t nk = in[3];
            out[0] = muldiv255_sub(nk, 255u - in[0]);
            out[1] = muldiv255_sub(nk, 255u - in[1]);
            out[2] = muldiv255_sub(nk, 255u - in[2]);
        }
    } else {
        for (size_t x = 0; x < width; x++, in += 4, out += 3) {
            const uint32_t nk = 255u - in[3];
            out[0] = muldiv255_sub(nk, in[0]);
            out[1] = muldiv255_sub(nk, in[1]);
            out[2] = muldiv255_sub(nk, in[2]);
        }
    }
}

/* ---- decode ------------------------------------------------------------------------------ */

static int32_t pick_scale(uint32_t w, uint32_t h, int32_t tw, int32_t th) {
    if (tw <= 0 || th <= 0) return 1;
    const uint32_t qw = w / (uint32_t)tw, qh = h / (uint32_t)th;
    const uint32_t q = qw < qh ? qw : qh;
    return q >= 8 ? 8 : q >= 4 ? 4 : q >= 2 ? 2 : 1;
}

/* All the libjpeg work; longjmps land here (see the top of the file). */
static gog_status jpeg_run(jpeg_state *st, const gog_decode_request *req, gog_image_info *info) {
    j_decompress_ptr ci = &st->cinfo;
    ci->err = jpeg_std_error(&st->jerr);
    st->jerr.error_exit = on_error_exit;
    st->jerr.emit_message = on_emit_message;
    st->jerr.output_message = on_output_message;
    ci->client_data = st;
    if (setjmp(st->jump)) return gog_fail(st->status, "JPEG: %s", st->message);

    jpeg_create_decompress(ci); /* keeps err and client_data */
    st->progress.progress_monitor = on_progress;
    ci->progress = &st->progress;
    jpeg_mem_src(ci, req->data, (unsigned long)req->len);
    if (!req->ignore_orientation) jpeg_save_markers(ci, JPEG_APP0 + 1, 0xFFFF);
    if (jpeg_read_header(ci, TRUE) != JPEG_HEADER_OK)
        return gog_fail(GOG_ERR_DECODE, "JPEG: the datastream holds no image");

    const uint32_t W = ci->image_width, H = ci->image_height;
    if (W == 0 || H == 0) return gog_fail(GOG_ERR_DECODE, "JPEG: image has zero size");
    gog_status s = gog_decode_check_pixels("JPEG", W, H, req->max_pixels);
    if (s != GOG_OK) return s;

    int cmyk;
    switch (ci->jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        cmyk = 0;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cmyk = 1;
        break;
    default:
        return gog_fail(GOG_ERR_UNSUPPORTED,
                        "JPEG: colour space %d with %d components is not supported",
                        (int)ci->jpeg_color_space, ci->num_components);
    }

    const int32_t orientation = req->ignore_orientation ? 1 : find_orientation(ci);
    const int transposed = orientation >= 5;
    const int32_t scale = pick_scale(transposed ? H : W, transposed ? W : H, req->target_width,
                                     req->target_height);
    ci->scale_num = 1;
    ci->scale_denom = (unsigned int)scale;
    ci->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    ci->dct_method = JDCT_ISLOW;
    ci->do_fancy_upsampling = TRUE;
    jpeg_calc_output_dimensions(ci);
    const uint32_t ow = ci->output_width, oh = ci->output_height; /* ceil(W / s), ceil(H / s) */
    if (ow != (W + (uint32_t)scale - 1) / (uint32_t)scale ||
        oh != (H + (uint32_t)scale - 1) / (uint32_t)scale) {
        return gog_fail(GOG_ERR_INTERNAL, "JPEG: libjpeg scaled %ux%u by 1/%d to %ux%u", W, H,
                        scale, ow, oh);
    }

    info->format = GOG_FORMAT_JPEG;
    info->width = (int32_t)(transposed ? oh : ow);
    info->height = (int32_t)(transposed ? ow : oh);
    info->stored_width = (int32_t)W;
    info->stored_height = (int32_t)H;
    info->orientation = orientation;
    info->scale_denom = scale;
    info->channels = ci->num_components;
    info->bit_depth = 8;
    info->has_alpha = 0;
    info->progressive = ci->progressive_mode ? 1 : 0;
    if (!req->out) return GOG_OK;

    s = gog_decode_check_capacity(info->width, info->height, req->out_capacity);
    if (s != GOG_OK) return s;

    /* Where each decoded row goes. Orientation 1 decodes straight into the caller's buffer
     * and 4 (flip top-bottom) does too, bottom row first. The others decode a strip of
     * STRIP rows into a small buffer and scatter it into the output (gog_orient_rows). */
    const size_t row_bytes = (size_t)ow * 3;
    uint8_t *const out = req->out;
    const int use_strip = orientation != 1 && orientation != 4;
    enum { STRIP = 64 };
    JSAMPROW rows[STRIP];
    uint8_t *strip = NULL;

    jpeg_start_decompress(ci);
    if (ci->output_width != ow || ci->output_height != oh ||
        ci->output_components != (cmyk ? 4 : 3)) {
        return gog_fail(GOG_ERR_INTERNAL, "JPEG: unexpected output geometry");
    }
    /* Pool memory (JPOOL_IMAGE) is freed by jpeg_destroy_decompress on every path. */
    if (use_strip)
        strip = (uint8_t *)(*ci->mem->alloc_large)((j_common_ptr)ci, JPOOL_IMAGE, row_bytes * STRIP);
    JSAMPARRAY cmyk_rows = NULL;
    JDIMENSION cmyk_batch = 1;
    int inverted = 0;
    if (cmyk) {
        cmyk_batch = ci->rec_outbuf_height > 0 ? (JDIMENSION)ci->rec_outbuf_height : 1;
        cmyk_rows = (*ci->mem->alloc_sarray)((j_common_ptr)ci, JPOOL_IMAGE, ow * 4, cmyk_batch);
        inverted = ci->saw_Adobe_marker ? 1 : 0;
    }

    while (ci->output_scanline < oh) {
        const JDIMENSION y0 = ci->output_scanline;
        const JDIMENSION want = oh - y0 < STRIP ? oh - y0 : STRIP;
        for (JDIMENSION k = 0; k < want; k++) {
            const size_t y = (size_t)y0 + k;
            rows[k] = use_strip ? strip + k * row_bytes
                      : orientation == 4 ? out + ((size_t)oh - 1 - y) * row_bytes
                                         : out + y * row_bytes;
        }
        JDIMENSION got = 0;
        while (got < want) {
            JDIMENSION n;
            if (!cmyk) {
                n = jpeg_read_scanlines(ci, rows + got, want - got);
            } else {
                n = jpeg_read_scanlines(ci, cmyk_rows, want - got < cmyk_batch ? want - got
                                                                               : cmyk_batch);
                for (JDIMENSION k = 0; k < n; k++)
                    cmyk_to_rgb(cmyk_rows[k], rows[got + k], ow, inverted);
            }
            if (n == 0) return gog_fail(GOG_ERR_DECODE, "JPEG: decoder made no progress");
            got += n;
        }
        if (use_strip)
            gog_orient_rows(strip, (int32_t)ow, (int32_t)oh, (int32_t)y0, (int32_t)got,
                            orientation, out);
    }
    /* Reads up to EOI: a file that ends before it fails like any other truncation. */
    jpeg_finish_decompress(ci);
    return GOG_OK;
}

gog_status gog_decode_jpeg(const gog_decode_request *req, gog_image_info *info) {
    jpeg_state *st = (jpeg_state *)calloc(1, sizeof *st);
    if (!st) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "JPEG: no memory for the decoder state");
    const gog_status s = jpeg_run(st, req, info);
    jpeg_destroy_decompress(&st->cinfo); /* safe on a zeroed or partly created object */
    free(st);
    return s;
}
