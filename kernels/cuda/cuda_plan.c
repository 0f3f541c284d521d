/* Host-side plan of a gog_cuda_preprocess call (see cuda_plan.h). */
#include "cuda_plan.h"

#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "preprocess/coeffs.h"
#include "preprocess/preprocess_validate.h"

/* Overflow-checked int64 helpers: return 0 on overflow. */
static int add_i64(int64_t a, int64_t b, int64_t *out) { return !__builtin_add_overflow(a, b, out); }
static int mul_i64(int64_t a, int64_t b, int64_t *out) { return !__builtin_mul_overflow(a, b, out); }

static size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

/* Checks that a coefficient table only names input indices in [0, in_size) and at most
 * ksize taps per output; reports the smallest first index and the largest end (first +
 * taps) over outputs that have taps. The kernels rely on this for every read they make. */
static gog_status check_coeffs(const gog_coeffs *c, int32_t out_size, int32_t in_size,
                               const char *axis, int32_t item, int32_t *lo, int32_t *hi) {
    if (c->out_size != out_size || c->ksize < 1 || !c->bounds || !c->weights_fixed)
        return gog_fail(GOG_ERR_INTERNAL, "item %d: %s coefficient table has an unexpected shape",
                        (int)item, axis);
    int32_t mn = INT32_MAX, mx = INT32_MIN;
    for (int32_t o = 0; o < out_size; o++) {
        const int32_t first = c->bounds[2 * o], taps = c->bounds[2 * o + 1];
        if (first < 0 || taps < 0 || taps > c->ksize || first > in_size - taps)
            return gog_fail(GOG_ERR_INTERNAL,
                            "item %d: %s coefficients of output %d name inputs [%d, %d+%d) "
                            "outside [0, %d) or more than %d taps",
                            (int)item, axis, (int)o, (int)first, (int)first, (int)taps,
                            (int)in_size, (int)c->ksize);
        if (taps == 0) continue;
        if (first < mn) mn = first;
        if (first + taps > mx) mx = first + taps;
    }
    *lo = mn;
    *hi = mx;
    return GOG_OK;
}

void gog_cu_plan_free(gog_cu_plan *plan) {
    if (!plan) return;
    if (plan->h) {
        for (int32_t i = 0; i < plan->n_items; i++) gog_coeffs_free(&plan->h[i]);
        free(plan->h);
    }
    if (plan->v) {
        for (int32_t i = 0; i < plan->n_items; i++) gog_coeffs_free(&plan->v[i]);
        free(plan->v);
    }
    free(plan->items);
    plan->h = plan->v = NULL;
    plan->items = NULL;
}

/* The normalisation of gog.h, value of channel c = (u8 / 255 - mean[c]) / std[c], evaluated
 * exactly as the CPU path builds its table (in double, rounded once to float:
 * src/preprocess/preprocess.c, gog_pp_lut_build), so that F32 and BF16 outputs agree bit for
 * bit whenever the 8-bit pixels do. */
static void build_lut(const gog_preprocess_params *p, float *lut) {
    for (int c = 0; c < 3; c++) {
        const double m = p->mean[c], s = p->std[c];
        for (int v = 0; v < 256; v++) lut[c * 256 + v] = (float)((v / 255.0 - m) / s);
    }
}

gog_status gog_cu_plan_build(const gog_image_view *image, const gog_preprocess_params *p,
                             const gog_resize_item *items, int32_t n_items, size_t out_capacity,
                             gog_cu_plan *plan) {
    if (!plan) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "plan is NULL");
    memset(plan, 0, sizeof *plan);

    /* Same validation as gog_preprocess_run; isa and band_rows do not apply on the device, so
     * they are neutralised (every other field is checked as the CPU path checks it). */
    gog_preprocess_params q;
    const gog_preprocess_params *pv = NULL;
    if (p) {
        q = *p;
        q.isa = GOG_ISA_SCALAR;
        q.band_rows = 0;
        pv = &q;
    }
    gog_status st = gog_preprocess_validate(image, pv, items, n_items, out_capacity);
    if (st != GOG_OK) return st;

    plan->out_width = p->out_width;
    plan->out_height = p->out_height;
    plan->dtype = p->dtype;
    plan->fill = (uint32_t)p->fill[0] | ((uint32_t)p->fill[1] << 8) | ((uint32_t)p->fill[2] << 16);
    if (p->dtype != GOG_DTYPE_U8) build_lut(p, plan->lut);

    /* Output size, checked again here because the download relies on it. */
    const size_t elem = p->dtype == GOG_DTYPE_F32 ? 4 : p->dtype == GOG_DTYPE_BF16 ? 2 : 1;
    size_t out_bytes;
    if (!gog_mul_size((size_t)n_items, 3, &out_bytes) ||
        !gog_mul_size(out_bytes, (size_t)p->out_width, &out_bytes) ||
        !gog_mul_size(out_bytes, (size_t)p->out_height, &out_bytes) ||
        !gog_mul_size(out_bytes, elem, &out_bytes))
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "output of %d items is too large", (int)n_items);
    if (out_bytes > out_capacity)
        return gog_fail(GOG_ERR_BUFFER_TOO_SMALL, "output needs %zu bytes, capacity is %zu",
                        out_bytes, out_capacity);
    plan->out_bytes = out_bytes;
    if (n_items == 0) return GOG_OK;

    plan->h = (gog_coeffs *)calloc((size_t)n_items, sizeof *plan->h);
    plan->v = (gog_coeffs *)calloc((size_t)n_items, sizeof *plan->v);
    plan->items = (gog_cu_item *)calloc((size_t)n_items, sizeof *plan->items);
    if (!plan->h || !plan->v || !plan->items) {
        gog_cu_plan_free(plan);
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "cannot allocate the plan of %d items", (int)n_items);
    }
    plan->n_items = n_items; /* from here gog_cu_plan_free releases every built table */

    int32_t x0 = INT32_MAX, x1 = INT32_MIN, y0 = INT32_MAX, y1 = INT32_MIN;
    int32_t *vlo = (int32_t *)malloc((size_t)n_items * sizeof(int32_t) * 2);
    if (!vlo) {
        gog_cu_plan_free(plan);
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "cannot allocate the plan of %d items", (int)n_items);
    }
    int32_t *vhi = vlo + n_items;

    for (int32_t i = 0; i < n_items; i++) {
        const gog_resize_item *it = &items[i];
        st = gog_coeffs_build(image->width, (double)it->src.x1, (double)it->src.x2, it->dst_w,
                              p->filter, &plan->h[i]);
        if (st == GOG_OK)
            st = gog_coeffs_build(image->height, (double)it->src.y1, (double)it->src.y2, it->dst_h,
                                  p->filter, &plan->v[i]);
        int32_t lo, hi;
        if (st == GOG_OK) st = check_coeffs(&plan->h[i], it->dst_w, image->width, "horizontal", i, &lo, &hi);
        if (st == GOG_OK && lo < hi) {
            if (lo < x0) x0 = lo;
            if (hi > x1) x1 = hi;
        }
        if (st == GOG_OK) st = check_coeffs(&plan->v[i], it->dst_h, image->height, "vertical", i, &lo, &hi);
        if (st != GOG_OK) {
            free(vlo);
            gog_cu_plan_free(plan);
            return st;
        }
        if (lo >= hi) lo = hi = 0; /* no taps at all: the item reads no source row */
        vlo[i] = lo;
        vhi[i] = hi;
        if (lo < hi) {
            if (lo < y0) y0 = lo;
            if (hi > y1) y1 = hi;
        }
    }
    /* The region is never empty (one pixel at least), so that every buffer has a size. */
    if (x0 >= x1) {
        x0 = 0;
        x1 = 1;
    }
    if (y0 >= y1) {
        y0 = 0;
        y1 = 1;
    }
    plan->x0 = x0;
    plan->x1 = x1;
    plan->y0 = y0;
    plan->y1 = y1;
    plan->src_pitch = (int64_t)(x1 - x0) * 3;
    if (!gog_mul_size((size_t)plan->src_pitch, (size_t)(y1 - y0), &plan->src_bytes)) {
        free(vlo);
        gog_cu_plan_free(plan);
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "source region is too large");
    }

    /* Descriptors: table offsets and intermediate images, in item order. */
    int64_t data = 0, temp = 0;
    int ok = 1;
    for (int32_t i = 0; i < n_items && ok; i++) {
        gog_cu_item *d = &plan->items[i];
        const gog_resize_item *it = &items[i];
        int64_t n;
        d->h_ksize = plan->h[i].ksize;
        d->v_ksize = plan->v[i].ksize;
        d->dst_x = it->dst_x;
        d->dst_y = it->dst_y;
        d->dst_w = it->dst_w;
        d->dst_h = it->dst_h;
        d->src_row0 = vlo[i] < vhi[i] ? vlo[i] - y0 : 0;
        d->rows = vhi[i] - vlo[i];
        d->h_bounds = data;
        ok = ok && add_i64(data, 2 * (int64_t)it->dst_w, &data);
        d->h_weights = data;
        ok = ok && mul_i64(it->dst_w, d->h_ksize, &n) && add_i64(data, n, &data);
        d->v_bounds = data;
        ok = ok && add_i64(data, 2 * (int64_t)it->dst_h, &data);
        d->v_weights = data;
        ok = ok && mul_i64(it->dst_h, d->v_ksize, &n) && add_i64(data, n, &data);
        d->temp = temp;
        ok = ok && mul_i64(d->rows, it->dst_w, &n) && add_i64(temp, n, &temp);
        if (it->dst_w > plan->max_dst_w) plan->max_dst_w = it->dst_w;
        if (d->rows > plan->max_rows) plan->max_rows = d->rows;
    }
    free(vlo);
    plan->data_len = data;
    plan->temp_pixels = temp;
    plan->lut_offset = align_up((size_t)n_items * sizeof(gog_cu_item), 16);
    plan->data_offset = plan->lut_offset + sizeof plan->lut;
    size_t data_bytes;
    ok = ok && gog_mul_size((size_t)data, sizeof(int32_t), &data_bytes) &&
         !__builtin_add_overflow(plan->data_offset, data_bytes, &plan->table_bytes) &&
         gog_mul_size((size_t)temp, sizeof(uint32_t), &plan->temp_bytes);
    if (!ok) {
        gog_cu_plan_free(plan);
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "coefficient tables or intermediate images of %d "
                        "items are too large", (int)n_items);
    }
    plan->kernel_bytes = (uint64_t)plan->src_bytes + 2 * (uint64_t)plan->temp_bytes +
                         (uint64_t)plan->out_bytes + (uint64_t)plan->table_bytes;
    return GOG_OK;
}

void gog_cu_plan_pack(const gog_cu_plan *plan, void *dst) {
    uint8_t *base = (uint8_t *)dst;
    memset(base, 0, plan->data_offset);
    memcpy(base, plan->items, (size_t)plan->n_items * sizeof(gog_cu_item));
    memcpy(base + plan->lut_offset, plan->lut, sizeof plan->lut);
    int32_t *data = (int32_t *)(base + plan->data_offset);
    for (int32_t i = 0; i < plan->n_items; i++) {
        const gog_cu_item *d = &plan->items[i];
        const gog_coeffs *h = &plan->h[i], *v = &plan->v[i];
        /* Horizontal: first column relative to the region's x0. */
        for (int32_t o = 0; o < d->dst_w; o++) {
            const int32_t taps = h->bounds[2 * o + 1];
            data[d->h_bounds + 2 * o] = taps > 0 ? h->bounds[2 * o] - plan->x0 : 0;
            data[d->h_bounds + 2 * o + 1] = taps;
        }
        memcpy(data + d->h_weights, h->weights_fixed,
               (size_t)d->dst_w * (size_t)d->h_ksize * sizeof(int32_t));
        /* Vertical: first row relative to the item's first source row, which is row 0 of
         * its intermediate image. */
        const int32_t row0 = d->src_row0 + plan->y0;
        for (int32_t o = 0; o < d->dst_h; o++) {
            const int32_t taps = v->bounds[2 * o + 1];
            data[d->v_bounds + 2 * o] = taps > 0 ? v->bounds[2 * o] - row0 : 0;
            data[d->v_bounds + 2 * o + 1] = taps;
        }
        memcpy(data + d->v_weights, v->weights_fixed,
               (size_t)d->dst_h * (size_t)d->v_ksize * sizeof(int32_t));
    }
}

void gog_cu_plan_copy_rows(const gog_cu_plan *plan, const gog_image_view *image, int32_t r0,
                           int32_t r1, uint8_t *dst) {
    const size_t pitch = (size_t)plan->src_pitch;
    for (int32_t r = r0; r < r1; r++) {
        const uint8_t *s = image->data + ((int64_t)plan->y0 + r) * image->stride + (int64_t)plan->x0 * 3;
        memcpy(dst + (size_t)(r - r0) * pitch, s, pitch);
    }
}

void gog_cu_plan_args(const gog_cu_plan *plan, const void *table, const uint8_t *src,
                      uint32_t *temp, void *out, gog_cu_args *args) {
    const uint8_t *base = (const uint8_t *)table;
    args->items = (const gog_cu_item *)base;
    args->lut = (const float *)(base + plan->lut_offset);
    args->data = (const int32_t *)(base + plan->data_offset);
    args->src = src;
    args->temp = temp;
    args->out = out;
    args->src_pitch = plan->src_pitch;
    args->n_items = plan->n_items;
    args->out_width = plan->out_width;
    args->out_height = plan->out_height;
    args->dtype = plan->dtype;
    args->fill = plan->fill;
}

static uint32_t grid_extent(int64_t work, uint32_t per_block, uint32_t max_grid) {
    int64_t g = (work + per_block - 1) / per_block;
    if (g < 1) g = 1;
    if (max_grid < 1) max_grid = 1;
    return g > (int64_t)max_grid ? max_grid : (uint32_t)g;
}

void gog_cu_plan_grid(const gog_cu_plan *plan, int pass, uint32_t max_grid, gog_cu_idx *grid,
                      gog_cu_idx *block) {
    block->x = GOG_CU_BLOCK_X;
    block->y = GOG_CU_BLOCK_Y;
    block->z = 1;
    const int64_t w = pass == 0 ? plan->max_dst_w : plan->out_width;
    const int64_t h = pass == 0 ? plan->max_rows : plan->out_height;
    grid->x = grid_extent(w, GOG_CU_BLOCK_X, max_grid);
    grid->y = grid_extent(h, GOG_CU_BLOCK_Y, max_grid);
    grid->z = grid_extent(plan->n_items, 1, max_grid);
}
