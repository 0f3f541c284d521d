/* Argument validation for gog_preprocess_run; the rules are listed in preprocess_validate.h. */
#include "preprocess_validate.h"

#include <math.h>

gog_status gog_preprocess_validate_params(const gog_preprocess_params *p, int32_t n_items,
                                          size_t *bytes) {
    if (!p) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "preprocess: params is NULL");
    if (n_items < 1)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "preprocess: n_items must be >= 1 (got %d)",
                        (int)n_items);
    if (p->out_width < 1 || p->out_width > GOG_PREPROCESS_MAX_SIDE || p->out_height < 1 ||
        p->out_height > GOG_PREPROCESS_MAX_SIDE)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT,
                        "preprocess: output size %dx%d is outside 1..%d", (int)p->out_width,
                        (int)p->out_height, GOG_PREPROCESS_MAX_SIDE);
    if (p->filter != GOG_FILTER_BILINEAR && p->filter != GOG_FILTER_BICUBIC)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "preprocess: unknown filter %d", (int)p->filter);
    if (p->dtype != GOG_DTYPE_F32 && p->dtype != GOG_DTYPE_BF16 && p->dtype != GOG_DTYPE_U8)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "preprocess: unknown dtype %d", (int)p->dtype);
    if (p->isa < GOG_ISA_AUTO || p->isa > GOG_ISA_AVX512_BF16)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "preprocess: unknown ISA variant %d", (int)p->isa);
    for (int c = 0; c < 3; c++) {
        if (!isfinite(p->mean[c]))
            return gog_fail(GOG_ERR_INVALID_ARGUMENT, "preprocess: mean[%d] = %g is not finite", c,
                            (double)p->mean[c]);
        if (!isfinite(p->std[c]) || !(p->std[c] > 0.0f))
            return gog_fail(GOG_ERR_INVALID_ARGUMENT,
                            "preprocess: std[%d] = %g must be finite and > 0", c,
                            (double)p->std[c]);
    }
    if (p->reserved != 0)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "preprocess: reserved must be 0 (got %d)",
                        (int)p->reserved);
    size_t n = 0;
    if (!gog_mul_size((size_t)n_items, 3, &n) || !gog_mul_size(n, (size_t)p->out_width, &n) ||
        !gog_mul_size(n, (size_t)p->out_height, &n) ||
        !gog_mul_size(n, gog_preprocess_elem_size(p->dtype), &n))
        return gog_fail(GOG_ERR_INVALID_ARGUMENT,
                        "preprocess: output of %d items of %dx%d overflows size_t", (int)n_items,
                        (int)p->out_width, (int)p->out_height);
    if (bytes) *bytes = n;
    return GOG_OK;
}

gog_status gog_preprocess_validate(const gog_image_view *image, const gog_preprocess_params *p,
                                   const gog_resize_item *items, int32_t n_items,
                                   size_t out_capacity) {
    if (!image) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "preprocess: image is NULL");
    if (!items) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "preprocess: items is NULL");
    if (!image->data) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "preprocess: image data is NULL");
    if (image->width < 1 || image->height < 1)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "preprocess: image size %dx%d must be >= 1x1",
                        (int)image->width, (int)image->height);
    if (image->stride < (int64_t)image->width * 3)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT,
                        "preprocess: image stride %lld is less than width * 3 = %lld",
                        (long long)image->stride, (long long)image->width * 3);
    size_t bytes = 0;
    gog_status st = gog_preprocess_validate_params(p, n_items, &bytes);
    if (st != GOG_OK) return st;

    const double W = image->width, H = image->height;
    for (int32_t i = 0; i < n_items; i++) {
        const gog_resize_item *it = &items[i];
        const double x1 = it->src.x1, y1 = it->src.y1, x2 = it->src.x2, y2 = it->src.y2;
        /* Written so that NaN fails every comparison and is rejected. */
        const int ok = isfinite(x1) && isfinite(y1) && isfinite(x2) && isfinite(y2) &&
                       x1 >= 0.0 && y1 >= 0.0 && x1 < x2 && y1 < y2 && x2 <= W && y2 <= H;
        if (!ok)
            return gog_fail(GOG_ERR_INVALID_ARGUMENT,
                            "preprocess: item %d: box (%g, %g, %g, %g) must be finite with "
                            "0 <= x1 < x2 <= %d and 0 <= y1 < y2 <= %d",
                            (int)i, x1, y1, x2, y2, (int)image->width, (int)image->height);
        if (it->dst_w < 1 || it->dst_h < 1 || it->dst_x < 0 || it->dst_y < 0 ||
            (int64_t)it->dst_x + it->dst_w > p->out_width ||
            (int64_t)it->dst_y + it->dst_h > p->out_height)
            return gog_fail(GOG_ERR_INVALID_ARGUMENT,
                            "preprocess: item %d: placement (x %d, y %d, %dx%d) must have size "
                            ">= 1x1 and lie inside the %dx%d frame",
                            (int)i, (int)it->dst_x, (int)it->dst_y, (int)it->dst_w,
                            (int)it->dst_h, (int)p->out_width, (int)p->out_height);
    }
    if (out_capacity < bytes)
        return gog_fail(GOG_ERR_BUFFER_TOO_SMALL,
                        "preprocess: output buffer holds %zu bytes, %zu needed", out_capacity,
                        bytes);
    return GOG_OK;
}
