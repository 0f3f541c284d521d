/*
 * Seeded cases shared by the CUDA tests: each one runs a "runner" (the CUDA device, or the
 * host emulation of the CUDA kernels) and gog_preprocess_run with GOG_ISA_SCALAR (the
 * reference) on the same random image, boxes and parameters, and compares:
 *
 *   U8    within +-1 per channel                          (gog_cuda.h)
 *   F32   within one LUT step, 1 / (255 * std[c])         (a +-1 difference of the 8-bit pixel)
 *   BF16  within one LUT step plus one bf16 ulp
 *
 * and counts the values that are not bit-identical. With `exact` set every value must be
 * bit-identical (the emulation runs the very same integer arithmetic as the reference).
 * Outputs are written into buffers pre-filled with a pattern and followed by guard bytes, so
 * a value left unwritten or a write past the end is caught.
 */
#ifndef GOG_TEST_CUDA_CASES_H
#define GOG_TEST_CUDA_CASES_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gog/gog.h"
#include "test_util.h"

typedef gog_status (*cuda_case_runner)(void *ctx, const gog_image_view *image,
                                       const gog_preprocess_params *p,
                                       const gog_resize_item *items, int32_t n_items, void *out,
                                       size_t out_capacity);

typedef struct cuda_case_totals {
    int64_t cases;
    int64_t values;
    int64_t not_exact;
    int64_t u8_off_by_one;
} cuda_case_totals;

#define CUDA_CASE_GUARD 64
#define CUDA_CASE_PATTERN 0xA5

static const float cuda_case_clip_mean[3] = {0.48145466f, 0.4578275f, 0.40821073f};
static const float cuda_case_clip_std[3] = {0.26862954f, 0.26130258f, 0.27577711f};

/* A random RGB8 image with `pad` spare bytes at the end of every row. */
static uint8_t *cuda_case_image(uint64_t *rng, int32_t w, int32_t h, int32_t pad,
                                gog_image_view *view) {
    const int64_t stride = (int64_t)w * 3 + pad;
    uint8_t *data = (uint8_t *)malloc((size_t)(stride * h));
    if (!data) return NULL;
    for (int64_t i = 0; i < stride * h; i++) data[i] = (uint8_t)gog_test_rand(rng);
    view->data = data;
    view->width = w;
    view->height = h;
    view->stride = stride;
    return data;
}

static float cuda_case_uniform(uint64_t *rng) {
    return (float)((gog_test_rand(rng) >> 40) * (1.0 / 16777216.0));
}

/* A random box inside w x h, at least min_size pixels a side (clamped to the image),
 * with fractional edges when `frac` is set. */
static gog_box cuda_case_box(uint64_t *rng, int32_t w, int32_t h, float min_size, int frac) {
    gog_box b;
    float mw = min_size < (float)w ? min_size : (float)w;
    float mh = min_size < (float)h ? min_size : (float)h;
    float bw = mw + cuda_case_uniform(rng) * ((float)w - mw);
    float bh = mh + cuda_case_uniform(rng) * ((float)h - mh);
    if (!frac) {
        bw = floorf(bw) < 1.0f ? 1.0f : floorf(bw);
        bh = floorf(bh) < 1.0f ? 1.0f : floorf(bh);
    }
    b.x1 = cuda_case_uniform(rng) * ((float)w - bw);
    b.y1 = cuda_case_uniform(rng) * ((float)h - bh);
    if (!frac) {
        b.x1 = floorf(b.x1);
        b.y1 = floorf(b.y1);
    }
    b.x2 = b.x1 + bw;
    b.y2 = b.y1 + bh;
    if (b.x2 > (float)w) b.x2 = (float)w;
    if (b.y2 > (float)h) b.y2 = (float)h;
    return b;
}

static gog_preprocess_params cuda_case_params(int32_t ow, int32_t oh, int32_t filter,
                                              int32_t dtype) {
    gog_preprocess_params p;
    memset(&p, 0, sizeof p);
    p.out_width = ow;
    p.out_height = oh;
    p.filter = filter;
    p.dtype = dtype;
    for (int c = 0; c < 3; c++) {
        p.mean[c] = cuda_case_clip_mean[c];
        p.std[c] = cuda_case_clip_std[c];
    }
    return p;
}

static float cuda_case_bf16_to_f32(uint16_t v) {
    uint32_t u = (uint32_t)v << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static const char *cuda_case_dtype_name(int32_t d) {
    return d == GOG_DTYPE_F32 ? "f32" : d == GOG_DTYPE_BF16 ? "bf16" : "u8";
}

/* Runs one case; returns the number of failed checks (also counted in gog_test_failures). */
static int cuda_case_run(const char *name, cuda_case_runner run, void *ctx,
                         const gog_image_view *image, const gog_preprocess_params *p,
                         const gog_resize_item *items, int32_t n, int exact,
                         cuda_case_totals *totals) {
    const int failures_before = gog_test_failures;
    const size_t bytes = gog_preprocess_output_bytes(p, n);
    CHECK(bytes > 0);
    if (bytes == 0) return 1;
    uint8_t *ref = (uint8_t *)malloc(bytes);
    uint8_t *got = (uint8_t *)malloc(bytes + CUDA_CASE_GUARD);
    CHECK(ref && got);
    if (!ref || !got) {
        free(ref);
        free(got);
        return 1;
    }
    memset(got, CUDA_CASE_PATTERN, bytes + CUDA_CASE_GUARD);

    gog_preprocess_params q = *p;
    q.isa = GOG_ISA_SCALAR;
    CHECK_STATUS(gog_preprocess_run(image, &q, items, n, 0, gog_preprocess_tile_count(&q, n), ref,
                                    bytes),
                 GOG_OK);
    CHECK_STATUS(run(ctx, image, p, items, n, got, bytes), GOG_OK);
    for (int i = 0; i < CUDA_CASE_GUARD; i++)
        if (got[bytes + i] != CUDA_CASE_PATTERN) {
            fprintf(stderr, "%s: wrote past the end of the output\n", name);
            gog_test_failures++;
            break;
        }

    int64_t values = 0, not_exact = 0, off_by_one = 0, bad = 0;
    const int64_t plane = (int64_t)p->out_width * p->out_height;
    if (p->dtype == GOG_DTYPE_U8) {
        values = (int64_t)bytes;
        for (int64_t i = 0; i < values; i++) {
            const int d = abs((int)got[i] - (int)ref[i]);
            if (d != 0) not_exact++;
            if (d == 1) off_by_one++;
            if (d > (exact ? 0 : 1) && bad++ < 5)
                fprintf(stderr, "%s: u8 value %lld: got %d, reference %d\n", name, (long long)i,
                        got[i], ref[i]);
        }
    } else {
        const int is_f32 = p->dtype == GOG_DTYPE_F32;
        values = (int64_t)(bytes / (is_f32 ? 4 : 2));
        for (int64_t i = 0; i < values; i++) {
            const int c = (int)((i / plane) % 3);
            const double step = 1.0 / (255.0 * (double)p->std[c]);
            float a, b;
            int same;
            double tol;
            if (is_f32) {
                memcpy(&a, got + 4 * i, 4);
                memcpy(&b, ref + 4 * i, 4);
                same = memcmp(got + 4 * i, ref + 4 * i, 4) == 0;
                tol = step * (1.0 + 1e-5);
            } else {
                uint16_t ga, gb;
                memcpy(&ga, got + 2 * i, 2);
                memcpy(&gb, ref + 2 * i, 2);
                a = cuda_case_bf16_to_f32(ga);
                b = cuda_case_bf16_to_f32(gb);
                same = ga == gb;
                const double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
                int e2 = 0;
                (void)frexp(m, &e2);
                tol = step * (1.0 + 1e-5) + ldexp(1.0, e2 - 8); /* bf16: 8 significant bits */
            }
            if (!same) not_exact++;
            const int ok = exact ? same : (isfinite(a) && fabs((double)a - (double)b) <= tol);
            if (!ok && bad++ < 5)
                fprintf(stderr, "%s: %s value %lld: got %.9g, reference %.9g\n", name,
                        cuda_case_dtype_name(p->dtype), (long long)i, (double)a, (double)b);
        }
    }
    if (bad) {
        fprintf(stderr, "%s: %lld of %lld values out of tolerance\n", name, (long long)bad,
                (long long)values);
        gog_test_failures++;
    }
    printf("  %-52s %-4s %9lld values, %lld not bit-exact\n", name,
           cuda_case_dtype_name(p->dtype), (long long)values, (long long)not_exact);
    totals->cases++;
    totals->values += values;
    totals->not_exact += not_exact;
    totals->u8_off_by_one += off_by_one;
    free(ref);
    free(got);
    return gog_test_failures - failures_before;
}

/* Every case of the suite, from one seed. */
static void cuda_cases_all(cuda_case_runner run, void *ctx, int exact, cuda_case_totals *totals) {
    uint64_t rng = 0x5eed0c0dau;
    const int32_t dtypes[3] = {GOG_DTYPE_F32, GOG_DTYPE_BF16, GOG_DTYPE_U8};
    char name[128];

    /* 1920x1080, 8 boxes to 336x336 (the gaze batch), both filters, every dtype. */
    {
        gog_image_view img;
        uint8_t *data = cuda_case_image(&rng, 1920, 1080, 0, &img);
        CHECK(data != NULL);
        gog_resize_item items[8];
        for (int i = 0; i < 8; i++) {
            items[i].src = cuda_case_box(&rng, 1920, 1080, 16.0f, i % 2);
            items[i].dst_x = items[i].dst_y = 0;
            items[i].dst_w = items[i].dst_h = 336;
        }
        for (int f = 0; f < 2 && data; f++)
            for (int d = 0; d < 3; d++) {
                gog_preprocess_params p = cuda_case_params(336, 336, f, dtypes[d]);
                snprintf(name, sizeof name, "1920x1080, 8 boxes -> 336, %s",
                         f ? "bicubic" : "bilinear");
                cuda_case_run(name, run, ctx, &img, &p, items, 8, exact, totals);
            }
        /* The whole frame to 224x224 (the glance). */
        gog_resize_item whole = {{0.0f, 0.0f, 1920.0f, 1080.0f}, 0, 0, 224, 224};
        for (int d = 0; d < 3 && data; d++) {
            gog_preprocess_params p = cuda_case_params(224, 224, GOG_FILTER_BICUBIC, dtypes[d]);
            cuda_case_run("1920x1080 whole frame -> 224, bicubic", run, ctx, &img, &p, &whole, 1,
                          exact, totals);
        }
        /* Letterbox: the whole frame, aspect kept, centred in 336x336 with a grey fill. */
        gog_resize_item lb = {{0.0f, 0.0f, 1920.0f, 1080.0f}, 0, 84, 336, 189};
        for (int d = 0; d < 3 && data; d++) {
            gog_preprocess_params p = cuda_case_params(336, 336, GOG_FILTER_BICUBIC, dtypes[d]);
            p.fill[0] = 114;
            p.fill[1] = 115;
            p.fill[2] = 116;
            cuda_case_run("1920x1080 letterboxed into 336x336", run, ctx, &img, &p, &lb, 1, exact,
                          totals);
        }
        free(data);
    }

    /* Small images with random sizes, strides, boxes, placements and fills. */
    for (int t = 0; t < 24; t++) {
        const int32_t w = 1 + (int32_t)(gog_test_rand(&rng) % 97);
        const int32_t h = 1 + (int32_t)(gog_test_rand(&rng) % 61);
        const int32_t pad = (int32_t)(gog_test_rand(&rng) % 3) * 5;
        gog_image_view img;
        uint8_t *data = cuda_case_image(&rng, w, h, pad, &img);
        CHECK(data != NULL);
        if (!data) continue;
        const int32_t ow = 1 + (int32_t)(gog_test_rand(&rng) % 80);
        const int32_t oh = 1 + (int32_t)(gog_test_rand(&rng) % 80);
        const int32_t n = 1 + (int32_t)(gog_test_rand(&rng) % 5);
        gog_resize_item items[5];
        for (int i = 0; i < n; i++) {
            items[i].src = cuda_case_box(&rng, w, h, 1.0f, (int)(gog_test_rand(&rng) & 1));
            items[i].dst_w = 1 + (int32_t)(gog_test_rand(&rng) % (uint64_t)ow);
            items[i].dst_h = 1 + (int32_t)(gog_test_rand(&rng) % (uint64_t)oh);
            items[i].dst_x = (int32_t)(gog_test_rand(&rng) % (uint64_t)(ow - items[i].dst_w + 1));
            items[i].dst_y = (int32_t)(gog_test_rand(&rng) % (uint64_t)(oh - items[i].dst_h + 1));
        }
        const int32_t f = (int32_t)(t & 1);
        gog_preprocess_params p = cuda_case_params(ow, oh, f, dtypes[t % 3]);
        for (int c = 0; c < 3; c++) {
            p.fill[c] = (uint8_t)gog_test_rand(&rng);
            p.mean[c] = cuda_case_uniform(&rng);
            p.std[c] = 0.1f + cuda_case_uniform(&rng);
        }
        snprintf(name, sizeof name, "%dx%d+%d, %d items -> %dx%d placed, %s", (int)w, (int)h,
                 (int)pad, (int)n, (int)ow, (int)oh, f ? "bicubic" : "bilinear");
        cuda_case_run(name, run, ctx, &img, &p, items, n, exact, totals);
        free(data);
    }

    /* 1x1 outputs, a 1x1 source, strong upscaling, a sub-pixel box. */
    {
        gog_image_view img;
        uint8_t *data = cuda_case_image(&rng, 53, 41, 7, &img);
        CHECK(data != NULL);
        if (data) {
            gog_resize_item one[3] = {{{0.0f, 0.0f, 53.0f, 41.0f}, 0, 0, 1, 1},
                                      {{10.5f, 3.25f, 11.0f, 3.75f}, 0, 0, 1, 1},
                                      {{52.0f, 40.0f, 53.0f, 41.0f}, 0, 0, 1, 1}};
            for (int f = 0; f < 2; f++)
                for (int d = 0; d < 3; d++) {
                    gog_preprocess_params p = cuda_case_params(1, 1, f, dtypes[d]);
                    snprintf(name, sizeof name, "53x41 -> 1x1 (3 items), %s",
                             f ? "bicubic" : "bilinear");
                    cuda_case_run(name, run, ctx, &img, &p, one, 3, exact, totals);
                }
            gog_resize_item up = {{3.5f, 2.0f, 13.25f, 9.0f}, 5, 7, 300, 200};
            for (int f = 0; f < 2; f++) {
                gog_preprocess_params p = cuda_case_params(310, 215, f, GOG_DTYPE_U8);
                p.fill[0] = 1;
                p.fill[1] = 2;
                p.fill[2] = 3;
                snprintf(name, sizeof name, "53x41 box upscaled to 300x200, placed, %s",
                         f ? "bicubic" : "bilinear");
                cuda_case_run(name, run, ctx, &img, &p, &up, 1, exact, totals);
            }
            free(data);
        }
        uint8_t px[3] = {200, 17, 99};
        gog_image_view dot = {px, 1, 1, 3};
        gog_resize_item it = {{0.0f, 0.0f, 1.0f, 1.0f}, 0, 0, 7, 5};
        for (int d = 0; d < 3; d++) {
            gog_preprocess_params p = cuda_case_params(7, 5, GOG_FILTER_BICUBIC, dtypes[d]);
            cuda_case_run("1x1 -> 7x5", run, ctx, &dot, &p, &it, 1, exact, totals);
        }
    }

    /* Many items in one call (the z dimension), boxes far apart (a tall region). */
    {
        gog_image_view img;
        uint8_t *data = cuda_case_image(&rng, 640, 2000, 0, &img);
        CHECK(data != NULL);
        if (data) {
            enum { N = 150 };
            gog_resize_item *items = (gog_resize_item *)malloc(N * sizeof *items);
            CHECK(items != NULL);
            if (items) {
                for (int i = 0; i < N; i++) {
                    items[i].src = cuda_case_box(&rng, 640, 2000, 4.0f, 1);
                    items[i].dst_x = items[i].dst_y = 0;
                    items[i].dst_w = 24;
                    items[i].dst_h = 32;
                }
                gog_preprocess_params p = cuda_case_params(24, 32, GOG_FILTER_BICUBIC, GOG_DTYPE_F32);
                cuda_case_run("640x2000, 150 boxes -> 24x32", run, ctx, &img, &p, items, N, exact,
                              totals);
                free(items);
            }
            free(data);
        }
    }
}

/* Invalid calls: the runner must answer the same status as gog_preprocess_run (scalar). */
static void cuda_cases_invalid(cuda_case_runner run, void *ctx) {
    uint64_t rng = 0xbadc0deu;
    gog_image_view img;
    uint8_t *data = cuda_case_image(&rng, 32, 24, 0, &img);
    CHECK(data != NULL);
    if (!data) return;
    gog_resize_item good = {{1.0f, 2.0f, 30.0f, 20.0f}, 0, 0, 16, 16};
    gog_preprocess_params base = cuda_case_params(16, 16, GOG_FILTER_BICUBIC, GOG_DTYPE_F32);
    const size_t cap = gog_preprocess_output_bytes(&base, 1);
    uint8_t *out = (uint8_t *)malloc(cap);
    CHECK(out != NULL);
    if (!out) {
        free(data);
        return;
    }

    struct bad {
        const char *what;
        gog_image_view img;
        int img_null;
        gog_preprocess_params p;
        int p_null;
        gog_resize_item item;
        int items_null;
        int32_t n;
        size_t cap;
        int out_null;
    } cases[32];
    int nc = 0;
#define BAD_CASE(desc, edit)                                                                \
    do {                                                                                    \
        struct bad *b_ = &cases[nc++];                                                      \
        b_->what = desc;                                                                    \
        b_->img = img;                                                                      \
        b_->img_null = 0;                                                                   \
        b_->p = base;                                                                       \
        b_->p_null = 0;                                                                     \
        b_->item = good;                                                                    \
        b_->items_null = 0;                                                                 \
        b_->n = 1;                                                                          \
        b_->cap = cap;                                                                      \
        b_->out_null = 0;                                                                   \
        edit;                                                                               \
    } while (0)
    BAD_CASE("valid call", (void)0);
    BAD_CASE("image NULL", b_->img_null = 1);
    BAD_CASE("image data NULL", b_->img.data = NULL);
    BAD_CASE("image width 0", b_->img.width = 0);
    BAD_CASE("image height -1", b_->img.height = -1);
    BAD_CASE("stride < width * 3", b_->img.stride = 95);
    BAD_CASE("params NULL", b_->p_null = 1);
    BAD_CASE("items NULL", b_->items_null = 1);
    BAD_CASE("n_items 0", b_->n = 0);
    BAD_CASE("n_items -1", b_->n = -1);
    BAD_CASE("box x2 > width", b_->item.src.x2 = 32.5f);
    BAD_CASE("box x1 < 0", b_->item.src.x1 = -0.5f);
    BAD_CASE("empty box", b_->item.src.y2 = b_->item.src.y1);
    BAD_CASE("NaN box", b_->item.src.x1 = NAN);
    BAD_CASE("infinite box", b_->item.src.y2 = INFINITY);
    BAD_CASE("dst_w 0", b_->item.dst_w = 0);
    BAD_CASE("dst_h -3", b_->item.dst_h = -3);
    BAD_CASE("placement past the frame", b_->item.dst_x = 1);
    BAD_CASE("placement at -1", b_->item.dst_y = -1);
    BAD_CASE("out_width 0", b_->p.out_width = 0);
    BAD_CASE("out_height 16385", b_->p.out_height = 16385);
    BAD_CASE("filter 7", b_->p.filter = 7);
    BAD_CASE("dtype 9", b_->p.dtype = 9);
    BAD_CASE("std 0", b_->p.std[1] = 0.0f);
    BAD_CASE("std NaN", b_->p.std[2] = NAN);
    BAD_CASE("std negative", b_->p.std[0] = -1.0f);
    BAD_CASE("reserved != 0", b_->p.reserved = 1);
    BAD_CASE("capacity one byte short", b_->cap = cap - 1);
    BAD_CASE("out NULL", b_->out_null = 1);
#undef BAD_CASE

    for (int i = 0; i < nc; i++) {
        struct bad *b = &cases[i];
        const gog_image_view *ip = b->img_null ? NULL : &b->img;
        const gog_preprocess_params *pp = b->p_null ? NULL : &b->p;
        const gog_resize_item *it = b->items_null ? NULL : &b->item;
        void *o = b->out_null ? NULL : out;
        gog_preprocess_params q = b->p;
        q.isa = GOG_ISA_SCALAR;
        const int64_t tiles = gog_preprocess_tile_count(b->p_null ? &base : &q, b->n);
        const gog_status want =
            gog_preprocess_run(ip, b->p_null ? NULL : &q, it, b->n, 0, tiles, o, b->cap);
        const gog_status got = run(ctx, ip, pp, it, b->n, o, b->cap);
        if (got != want) {
            fprintf(stderr, "invalid call \"%s\": status %d, CPU path %d (%s)\n", b->what, (int)got,
                    (int)want, gog_last_error());
            gog_test_failures++;
        } else if (got != GOG_OK && gog_last_error()[0] == '\0') {
            fprintf(stderr, "invalid call \"%s\": status %d without a message\n", b->what, (int)got);
            gog_test_failures++;
        }
    }
    /* isa and band_rows do not apply on the device: any value is accepted. */
    gog_preprocess_params odd = base;
    odd.isa = 99;
    odd.band_rows = -5;
    CHECK_STATUS(run(ctx, &img, &odd, &good, 1, out, cap), GOG_OK);
    free(out);
    free(data);
}

#endif /* GOG_TEST_CUDA_CASES_H */
