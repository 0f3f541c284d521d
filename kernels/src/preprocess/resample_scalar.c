/*
 * The scalar reference (GOG_ISA_SCALAR): Pillow 9.4's ImagingResampleInner for RGB8,
 * reproduced exactly, restricted to the output rows of one tile.
 *
 *   - Horizontal pass first, over only the source rows the vertical windows of the tile's
 *     rows need (Pillow: ybox_first..ybox_last for the whole image), into an 8-bit
 *     intermediate; then the vertical pass.
 *   - Each pass: acc = 2^21 + sum(fixed[t] * in[first + t]) in integers, out = clip8(acc >>
 *     22) (ImagingResampleHorizontal_8bpc / ImagingResampleVertical_8bpc).
 *   - A pass is skipped when Pillow skips it (same size and the box spans the whole axis).
 *
 * Intermediate rows live in a ring of as many rows as the widest vertical window: the
 * windows of successive output rows only move down, so a row evicted from the ring is never
 * needed again.
 */
#include <stdlib.h>
#include <string.h>

#include "coeffs.h"
#include "preprocess_internal.h"

/* Pillow's clip8 of an accumulator (a negative sum clips to 0, > 255 to 255). */
static inline uint8_t clip8(int64_t acc) {
    if (acc < 0) return 0;
    const int64_t v = acc >> GOG_RESAMPLE_PRECISION_BITS;
    return v > 255 ? 255 : (uint8_t)v;
}

static void horizontal_row(const uint8_t *src, const gog_coeffs *ch, uint8_t *dst) {
    const int64_t half = (int64_t)1 << (GOG_RESAMPLE_PRECISION_BITS - 1);
    for (int32_t xx = 0; xx < ch->out_size; xx++) {
        const int32_t xmin = ch->bounds[2 * xx], n = ch->bounds[2 * xx + 1];
        const int32_t *k = ch->weights_fixed + (size_t)xx * ch->ksize;
        const uint8_t *s = src + (size_t)xmin * 3;
        int64_t a0 = half, a1 = half, a2 = half;
        for (int32_t x = 0; x < n; x++) {
            a0 += (int64_t)s[3 * x + 0] * k[x];
            a1 += (int64_t)s[3 * x + 1] * k[x];
            a2 += (int64_t)s[3 * x + 2] * k[x];
        }
        dst[3 * xx + 0] = clip8(a0);
        dst[3 * xx + 1] = clip8(a1);
        dst[3 * xx + 2] = clip8(a2);
    }
}

void gog_pp_emit_scalar(const gog_pp_lut *lut, int32_t dtype, const uint8_t *const src[3],
                        int32_t n, void *const dst[3]) {
    if (dtype == GOG_DTYPE_U8) {
        uint8_t *d = (uint8_t *)dst[0];
        for (int32_t x = 0; x < n; x++) {
            d[3 * x + 0] = src[0][x];
            d[3 * x + 1] = src[1][x];
            d[3 * x + 2] = src[2][x];
        }
    } else if (dtype == GOG_DTYPE_F32) { /* the output may be at any byte address */
        for (int c = 0; c < 3; c++) {
            uint8_t *d = (uint8_t *)dst[c];
            for (int32_t x = 0; x < n; x++)
                memcpy(d + (size_t)x * sizeof(float), &lut->f32[c][src[c][x]], sizeof(float));
        }
    } else {
        for (int c = 0; c < 3; c++) {
            uint8_t *d = (uint8_t *)dst[c];
            for (int32_t x = 0; x < n; x++)
                memcpy(d + (size_t)x * sizeof(uint16_t), &lut->bf16[c][src[c][x]], sizeof(uint16_t));
        }
    }
}

gog_status gog_pp_tile_scalar(const gog_pp_ctx *ctx, const gog_pp_tile *t) {
    const gog_resize_item *it = &ctx->items[t->item];
    const gog_image_view *im = &ctx->image;
    const int32_t dw = it->dst_w;
    const int need_h = gog_pp_need_pass(im->width, it->src.x1, it->src.x2, it->dst_w);
    const int need_v = gog_pp_need_pass(im->height, it->src.y1, it->src.y2, it->dst_h);

    gog_coeffs ch = {0}, cv = {0};
    uint8_t *ring = NULL, *out_row = NULL, *planes = NULL;
    const uint8_t **rows = NULL;
    gog_status st = GOG_OK;
    if (need_h) {
        st = gog_coeffs_build(im->width, it->src.x1, it->src.x2, dw, ctx->p.filter, &ch);
        if (st != GOG_OK) goto done;
    }
    if (need_v) {
        st = gog_coeffs_build_range(im->height, it->src.y1, it->src.y2, it->dst_h, ctx->p.filter,
                                    t->y0, t->y1, &cv);
        if (st != GOG_OK) goto done;
    }

    /* Ring of horizontally resampled rows: as many as the widest window of the tile. */
    int32_t cap = 1;
    for (int32_t i = 0; need_v && i < t->y1 - t->y0; i++)
        if (cv.bounds[2 * i + 1] > cap) cap = cv.bounds[2 * i + 1];
    const size_t row_bytes = (size_t)dw * 3;
    if (need_h) {
        ring = (uint8_t *)malloc((size_t)cap * row_bytes);
        if (!ring) {
            st = gog_fail(GOG_ERR_OUT_OF_MEMORY, "preprocess: cannot allocate %d rows of %zu bytes",
                          (int)cap, row_bytes);
            goto done;
        }
    }
    out_row = (uint8_t *)malloc(row_bytes);
    planes = (uint8_t *)malloc(row_bytes);
    if (!out_row || !planes) {
        st = gog_fail(GOG_ERR_OUT_OF_MEMORY, "preprocess: cannot allocate a row of %zu bytes",
                      row_bytes);
        goto done;
    }

    const int64_t half = (int64_t)1 << (GOG_RESAMPLE_PRECISION_BITS - 1);
    int32_t next = 0; /* first source row not yet resampled horizontally */
    rows = (const uint8_t **)malloc((size_t)cap * sizeof *rows);
    if (!rows) {
        st = gog_fail(GOG_ERR_OUT_OF_MEMORY, "preprocess: cannot allocate row pointers");
        goto done;
    }
    for (int32_t y = t->y0; y < t->y1; y++) {
        /* Vertical window of output row y (the identity when the pass is skipped); cv holds
         * rows y0..y1-1. */
        const int32_t yi = y - t->y0;
        const int32_t first = need_v ? cv.bounds[2 * yi] : y;
        const int32_t n = need_v ? cv.bounds[2 * yi + 1] : 1;
        for (int32_t i = 0; i < n; i++) {
            const int32_t r = first + i;
            const uint8_t *src = im->data + (size_t)r * (size_t)im->stride;
            if (need_h) {
                uint8_t *slot = ring + (size_t)(r % cap) * row_bytes;
                if (r >= next) horizontal_row(src, &ch, slot);
                rows[i] = slot;
            } else {
                rows[i] = src; /* the box spans the whole width: dw == width */
            }
        }
        if (first + n > next) next = first + n;

        const uint8_t *res;
        if (need_v) {
            const int32_t *k = cv.weights_fixed + (size_t)yi * cv.ksize;
            for (size_t x = 0; x < row_bytes; x++) {
                int64_t acc = half;
                for (int32_t i = 0; i < n; i++) acc += (int64_t)rows[i][x] * k[i];
                out_row[x] = clip8(acc);
            }
            res = out_row;
        } else {
            res = rows[0];
        }
        for (int32_t x = 0; x < dw; x++) {
            planes[x] = res[3 * x];
            planes[dw + x] = res[3 * x + 1];
            planes[2 * (size_t)dw + x] = res[3 * x + 2];
        }
        const uint8_t *const src3[3] = {planes, planes + dw, planes + 2 * (size_t)dw};
        void *dst[3];
        gog_pp_row_ptrs(ctx, t->item, it->dst_y + y, it->dst_x, dst);
        gog_pp_emit_scalar(&ctx->lut, ctx->p.dtype, src3, dw, dst);
    }

done:
    free(rows);
    free(ring);
    free(out_row);
    free(planes);
    gog_coeffs_free(&ch);
    gog_coeffs_free(&cv);
    return st;
}
