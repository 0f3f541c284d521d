/*
 * Shared pieces of the crop-resize-normalize kernels: the per-call context, the tile
 * geometry, the normalisation lookup table, and the entry points of each ISA variant.
 *
 * Work of one tile (item i, band b), whatever the variant:
 *   1. frame rows [r0, r1) of item i outside the placed rectangle take the fill colour
 *      (done once by the driver, preprocess.c);
 *   2. the rows y0..y1-1 of the resized item that fall in the band are computed Pillow's
 *      way: horizontal pass over the source rows their vertical windows need, rounded and
 *      clipped to 8 bits, then the vertical pass, rounded and clipped to 8 bits;
 *   3. each resized 8-bit row is written out: RGB8 (U8), or through the lookup table
 *      lut[c][v] = (float)((v / 255.0 - mean[c]) / std[c]) (F32), or the round-to-nearest-
 *      even bf16 of that float (BF16).
 */
#ifndef GOG_PREPROCESS_INTERNAL_H
#define GOG_PREPROCESS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../common/internal.h"

/* Normalisation table: F32 values and their bf16 (round to nearest even).
 *
 * The table is the definition. SIMD code may instead evaluate (float)fma((double)v,
 * affine_a[c], affine_b[c]) with affine_a = 1 / (255 std), affine_b = -mean / std (one
 * correctly rounded double FMA, then one rounding to float), which is much faster than a
 * gather; gog_pp_lut_build checks all 768 entries and sets affine_exact only when that
 * expression reproduces every table value bit for bit (in practice it always does: the
 * double results differ from the table's by far less than half a float ulp). */
typedef struct gog_pp_lut {
    float f32[3][256];
    uint16_t bf16[3][256];
    double affine_a[3], affine_b[3];
    int32_t affine_exact;
    /* Nonzero when some f32 entry is a float subnormal: the hardware conversion
     * (vcvtneps2bf16) flushes those to zero, so the BF16 variant must not use it. */
    int32_t has_subnormal;
} gog_pp_lut;

/* Everything a tile needs; read-only while tiles run (tiles may run concurrently). */
typedef struct gog_pp_ctx {
    gog_image_view image;
    gog_preprocess_params p;
    const gog_resize_item *items;
    int32_t n_items;
    int32_t bands;     /* bands per item                                */
    int32_t band_rows; /* frame rows per band (out_height if one band)  */
    void *out;
    gog_pp_lut lut;    /* filled for F32 / BF16                         */
} gog_pp_ctx;

/* One tile: item `item`, frame rows [r0, r1); resized rows [y0, y1) of the item (relative to
 * its dst_y) lie in the band (y0 >= y1: none). */
typedef struct gog_pp_tile {
    int32_t item;
    int32_t r0, r1;
    int32_t y0, y1;
} gog_pp_tile;

/* Pillow skips a pass whose resampling is the identity (same size, box = whole axis). */
static inline int gog_pp_need_pass(int32_t in_size, float b0, float b1, int32_t out_size) {
    return out_size != in_size || b0 != 0.0f || b1 != (float)out_size;
}

/* bf16 of a float, rounded to nearest even (the value is never NaN here: the lookup table
 * holds finite values or infinities only). */
static inline uint16_t gog_pp_bf16_rne(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    u += 0x7FFFu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

/* Output row pointers of item `item`, frame row fy, starting at frame column x:
 * U8: dst[0] = the interleaved RGB8 pixel; F32 / BF16: dst[c] = plane c's element. */
static inline void gog_pp_row_ptrs(const gog_pp_ctx *ctx, int32_t item, int32_t fy, int32_t x,
                                   void *dst[3]) {
    const size_t W = (size_t)ctx->p.out_width, H = (size_t)ctx->p.out_height;
    if (ctx->p.dtype == GOG_DTYPE_U8) {
        dst[0] = (uint8_t *)ctx->out + (((size_t)item * H + (size_t)fy) * W + (size_t)x) * 3;
        dst[1] = dst[2] = NULL;
        return;
    }
    const size_t es = ctx->p.dtype == GOG_DTYPE_F32 ? 4 : 2;
    for (int c = 0; c < 3; c++)
        dst[c] = (uint8_t *)ctx->out +
                 ((((size_t)item * 3 + (size_t)c) * H + (size_t)fy) * W + (size_t)x) * es;
}

/* Builds the table for mean/std (finite, std > 0): lut[c][v] = (float)((v/255.0 - mean[c])
 * / std[c]), computed in double. */
GOG_INTERNAL void gog_pp_lut_build(const float mean[3], const float std[3], gog_pp_lut *lut);

/* Writes n resized pixels, given as three planar 8-bit rows, to the output row dst (see
 * gog_pp_row_ptrs) in `dtype`. */
typedef void (*gog_pp_emit_fn)(const gog_pp_lut *lut, int32_t dtype, const uint8_t *const src[3],
                               int32_t n, void *const dst[3]);

/* Computes the resized rows [t->y0, t->y1) of the tile and writes them out. */
typedef gog_status (*gog_pp_tile_fn)(const gog_pp_ctx *ctx, const gog_pp_tile *t);

GOG_INTERNAL void gog_pp_emit_scalar(const gog_pp_lut *lut, int32_t dtype,
                                     const uint8_t *const src[3], int32_t n, void *const dst[3]);
GOG_INTERNAL gog_status gog_pp_tile_scalar(const gog_pp_ctx *ctx, const gog_pp_tile *t);

#define GOG_PP_DECLARE_VARIANT(sfx)                                                           \
    GOG_INTERNAL void gog_pp_emit_##sfx(const gog_pp_lut *lut, int32_t dtype,                 \
                                        const uint8_t *const src[3], int32_t n,               \
                                        void *const dst[3]);                                  \
    GOG_INTERNAL gog_status gog_pp_tile_##sfx(const gog_pp_ctx *ctx, const gog_pp_tile *t);
GOG_PP_DECLARE_VARIANT(avx2)
GOG_PP_DECLARE_VARIANT(avx512)
GOG_PP_DECLARE_VARIANT(avx512bf16)
#undef GOG_PP_DECLARE_VARIANT

#endif /* GOG_PREPROCESS_INTERNAL_H */
