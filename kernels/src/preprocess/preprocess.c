/*
 * Public entry points of the crop-resize-normalize kernels: tile bookkeeping, the
 * letterbox fill, the normalisation table, and dispatch to the ISA variant.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "preprocess_internal.h"
#include "preprocess_validate.h"

void gog_pp_lut_build(const float mean[3], const float std[3], gog_pp_lut *lut) {
    lut->has_subnormal = 0;
    lut->affine_exact = 1;
    double u[256]; /* v / 255.0 */
    for (int v = 0; v < 256; v++) u[v] = v / 255.0;
    for (int c = 0; c < 3; c++) {
        const double m = mean[c], s = std[c];
        lut->affine_a[c] = 1.0 / (255.0 * s);
        lut->affine_b[c] = -m / s;
        for (int v = 0; v < 256; v++) {
            const float f = (float)((u[v] - m) / s); /* (v / 255.0 - mean) / std */
            lut->f32[c][v] = f;
            lut->bf16[c][v] = gog_pp_bf16_rne(f);
            if (fpclassify(f) == FP_SUBNORMAL) lut->has_subnormal = 1;
            /* fma() is the correctly rounded fused multiply-add, as vfmadd*pd. */
            const float g = (float)fma((double)v, lut->affine_a[c], lut->affine_b[c]);
            if (memcmp(&f, &g, sizeof f) != 0) lut->affine_exact = 0;
        }
    }
}

static int32_t bands_of(const gog_preprocess_params *p) {
    if (p->band_rows <= 0 || p->band_rows >= p->out_height) return 1;
    return (p->out_height + p->band_rows - 1) / p->band_rows;
}

int64_t gog_preprocess_tile_count(const gog_preprocess_params *p, int32_t n_items) {
    if (gog_preprocess_validate_params(p, n_items, NULL) != GOG_OK) return 0;
    return (int64_t)n_items * bands_of(p);
}

size_t gog_preprocess_output_bytes(const gog_preprocess_params *p, int32_t n_items) {
    size_t bytes = 0;
    if (gog_preprocess_validate_params(p, n_items, &bytes) != GOG_OK) return 0;
    return bytes;
}

static gog_pp_tile_fn tile_fn_for(int32_t isa) {
    switch (isa) {
    case GOG_ISA_AVX2: return gog_pp_tile_avx2;
    case GOG_ISA_AVX512: return gog_pp_tile_avx512;
    case GOG_ISA_AVX512_BF16: return gog_pp_tile_avx512bf16;
    default: return gog_pp_tile_scalar;
    }
}

static gog_pp_emit_fn emit_fn_for(int32_t isa) {
    switch (isa) {
    case GOG_ISA_AVX2: return gog_pp_emit_avx2;
    case GOG_ISA_AVX512: return gog_pp_emit_avx512;
    case GOG_ISA_AVX512_BF16: return gog_pp_emit_avx512bf16;
    default: return gog_pp_emit_scalar;
    }
}

/* Fill colour for frame columns [x0, x1) of frame row fy of item `item`. */
static void fill_span(const gog_pp_ctx *ctx, int32_t item, int32_t fy, int32_t x0, int32_t x1) {
    if (x0 >= x1) return;
    void *dst[3];
    gog_pp_row_ptrs(ctx, item, fy, x0, dst);
    const uint8_t *f = ctx->p.fill;
    const int32_t n = x1 - x0;
    switch (ctx->p.dtype) {
    case GOG_DTYPE_U8: {
        uint8_t *d = (uint8_t *)dst[0];
        for (int32_t x = 0; x < n; x++) {
            d[3 * x] = f[0];
            d[3 * x + 1] = f[1];
            d[3 * x + 2] = f[2];
        }
        break;
    }
    case GOG_DTYPE_F32: /* the output may be at any byte address: memcpy stores */
        for (int c = 0; c < 3; c++) {
            const float v = ctx->lut.f32[c][f[c]];
            uint8_t *d = (uint8_t *)dst[c];
            for (int32_t x = 0; x < n; x++) memcpy(d + (size_t)x * sizeof v, &v, sizeof v);
        }
        break;
    default:
        for (int c = 0; c < 3; c++) {
            const uint16_t v = ctx->lut.bf16[c][f[c]];
            uint8_t *d = (uint8_t *)dst[c];
            for (int32_t x = 0; x < n; x++) memcpy(d + (size_t)x * sizeof v, &v, sizeof v);
        }
        break;
    }
}

gog_status gog_preprocess_run(const gog_image_view *image, const gog_preprocess_params *p,
                              const gog_resize_item *items, int32_t n_items, int64_t tile_begin,
                              int64_t tile_end, void *out, size_t out_capacity) {
    gog_status st = gog_preprocess_validate(image, p, items, n_items, out_capacity);
    if (st != GOG_OK) return st;
    if (!out) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "preprocess: out is NULL");
    const int32_t bands = bands_of(p);
    const int64_t tiles = (int64_t)n_items * bands;
    if (tile_begin < 0 || tile_begin > tile_end || tile_end > tiles)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT,
                        "preprocess: tile range [%lld, %lld) is outside [0, %lld]",
                        (long long)tile_begin, (long long)tile_end, (long long)tiles);
    int32_t isa = 0;
    st = gog_resolve_isa(p->isa, &isa);
    if (st != GOG_OK) return st;

    gog_pp_ctx *ctx = (gog_pp_ctx *)malloc(sizeof *ctx);
    if (!ctx) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "preprocess: cannot allocate the context");
    ctx->image = *image;
    ctx->p = *p;
    ctx->items = items;
    ctx->n_items = n_items;
    ctx->bands = bands;
    ctx->band_rows = bands == 1 ? p->out_height : p->band_rows;
    ctx->out = out;
    if (p->dtype != GOG_DTYPE_U8) gog_pp_lut_build(p->mean, p->std, &ctx->lut);

    const gog_pp_tile_fn run_tile = tile_fn_for(isa);
    /* Consecutive tiles of one item are contiguous frame rows: they are computed as one
     * piece (same result, row by row; the coefficients are built once and no source row
     * is resampled twice at the band boundaries). */
    for (int64_t tile = tile_begin; tile < tile_end && st == GOG_OK;) {
        gog_pp_tile t;
        t.item = (int32_t)(tile / bands);
        const int32_t b0 = (int32_t)(tile % bands);
        const int64_t item_end = (int64_t)(t.item + 1) * bands;
        const int64_t next = tile_end < item_end ? tile_end : item_end;
        const int32_t b1 = (int32_t)(next - (int64_t)t.item * bands); /* bands [b0, b1) */
        tile = next;
        t.r0 = b0 * ctx->band_rows;
        t.r1 = (int64_t)b1 * ctx->band_rows < p->out_height ? b1 * ctx->band_rows : p->out_height;
        const gog_resize_item *it = &items[t.item];
        const int32_t top = it->dst_y, bottom = it->dst_y + it->dst_h;
        /* Letterbox: frame rows of the band outside the placed rectangle, and the columns
         * left and right of it. */
        for (int32_t fy = t.r0; fy < t.r1; fy++) {
            if (fy < top || fy >= bottom) {
                fill_span(ctx, t.item, fy, 0, p->out_width);
            } else {
                fill_span(ctx, t.item, fy, 0, it->dst_x);
                fill_span(ctx, t.item, fy, it->dst_x + it->dst_w, p->out_width);
            }
        }
        t.y0 = (t.r0 > top ? t.r0 : top) - top;
        t.y1 = (t.r1 < bottom ? t.r1 : bottom) - top;
        if (t.y0 < t.y1) st = run_tile(ctx, &t);
    }
    free(ctx);
    return st;
}

gog_status gog_normalize_rgb8(const uint8_t *src, int64_t n, int32_t height, int32_t width,
                              const float mean[3], const float std[3], int32_t dtype, int32_t isa,
                              void *out, size_t out_capacity) {
    if (!src || !out || !mean || !std)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "normalize: null pointer argument");
    if (n < 1 || height < 1 || width < 1)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT,
                        "normalize: shape [%lld, %d, %d, 3] must have every dimension >= 1",
                        (long long)n, (int)height, (int)width);
    if (dtype != GOG_DTYPE_F32 && dtype != GOG_DTYPE_BF16)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT,
                        "normalize: dtype %d must be GOG_DTYPE_F32 or GOG_DTYPE_BF16", (int)dtype);
    for (int c = 0; c < 3; c++) {
        if (!isfinite(mean[c]))
            return gog_fail(GOG_ERR_INVALID_ARGUMENT, "normalize: mean[%d] = %g is not finite", c,
                            (double)mean[c]);
        if (!isfinite(std[c]) || !(std[c] > 0.0f))
            return gog_fail(GOG_ERR_INVALID_ARGUMENT,
                            "normalize: std[%d] = %g must be finite and > 0", c, (double)std[c]);
    }
    size_t plane = 0, bytes = 0;
    if (!gog_mul_size((size_t)height, (size_t)width, &plane) ||
        !gog_mul_size(plane, 3, &bytes) || !gog_mul_size(bytes, (size_t)n, &bytes) ||
        !gog_mul_size(bytes, dtype == GOG_DTYPE_F32 ? 4 : 2, &bytes) ||
        (uint64_t)n > SIZE_MAX)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "normalize: output size overflows size_t");
    if (out_capacity < bytes)
        return gog_fail(GOG_ERR_BUFFER_TOO_SMALL,
                        "normalize: output buffer holds %zu bytes, %zu needed", out_capacity, bytes);
    int32_t resolved = 0;
    gog_status st = gog_resolve_isa(isa, &resolved);
    if (st != GOG_OK) return st;

    gog_pp_lut *lut = (gog_pp_lut *)malloc(sizeof *lut);
    uint8_t *planes = (uint8_t *)malloc((size_t)width * 3);
    if (!lut || !planes) {
        free(lut);
        free(planes);
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "normalize: cannot allocate scratch");
    }
    gog_pp_lut_build(mean, std, lut);
    const gog_pp_emit_fn emit = emit_fn_for(resolved);
    const size_t es = dtype == GOG_DTYPE_F32 ? 4 : 2;
    const uint8_t *const src3[3] = {planes, planes + width, planes + 2 * (size_t)width};
    for (int64_t i = 0; i < n; i++) {
        for (int32_t y = 0; y < height; y++) {
            const uint8_t *s = src + (((size_t)i * (size_t)height + (size_t)y) * (size_t)width) * 3;
            for (int32_t x = 0; x < width; x++) {
                planes[x] = s[3 * x];
                planes[width + x] = s[3 * x + 1];
                planes[2 * (size_t)width + x] = s[3 * x + 2];
            }
            void *dst[3];
            for (int c = 0; c < 3; c++)
                dst[c] = (uint8_t *)out +
                         ((((size_t)i * 3 + (size_t)c) * (size_t)height + (size_t)y) * (size_t)width) * es;
            emit(lut, dtype, src3, width, dst);
        }
    }
    free(lut);
    free(planes);
    return GOG_OK;
}
