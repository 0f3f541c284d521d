/*
 * The preprocess API contract: tile and size queries, argument validation (every invalid
 * argument returns its status and writes nothing: guard bytes around the output stay
 * intact, and a valid call writes exactly its output), the letterbox fill, the
 * normalisation formula (including bf16 of float subnormals), and the coefficient tables.
 */
#include "pp_test_util.h"
#include "preprocess/coeffs.h"
#include "preprocess/preprocess_validate.h"

#define GUARD 64
#define GUARD_BYTE 0xCD

static uint8_t *guarded_alloc(size_t n) {
    uint8_t *b = (uint8_t *)malloc(n + 2 * GUARD);
    memset(b, GUARD_BYTE, n + 2 * GUARD);
    return b;
}

static int untouched(const uint8_t *b, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
        if (b[i] != GUARD_BYTE) return 0;
    return 1;
}

/* Fixture: a 40x30 image, 3 items, 16x12 output frame. */
static uint8_t *img;
static gog_image_view view;
static gog_resize_item items[3];

static gog_preprocess_params base_params(int32_t dtype) {
    gog_preprocess_params p = pp_params(16, 12, GOG_FILTER_BICUBIC, dtype, GOG_ISA_AUTO);
    p.band_rows = 5;
    return p;
}

/* Expects `st` for a call with these arguments and no byte written anywhere. */
static void expect_fail(int line, gog_status want, const gog_image_view *v, const gog_preprocess_params *p,
                        const gog_resize_item *its, int32_t n, int64_t b, int64_t e, size_t cap_delta,
                        const char *msg_part) {
    gog_preprocess_params pp = p ? *p : base_params(GOG_DTYPE_F32);
    size_t bytes = gog_preprocess_output_bytes(&pp, n > 0 ? n : 1);
    if (!bytes) bytes = 4096;
    uint8_t *buf = guarded_alloc(bytes);
    const gog_status st = gog_preprocess_run(v, p, its, n, b, e, buf + GUARD, bytes + cap_delta);
    if (st != want) {
        fprintf(stderr, "line %d: status %d, want %d (%s)\n", line, (int)st, (int)want, gog_last_error());
        gog_test_failures++;
    }
    if (!untouched(buf, 0, bytes + 2 * GUARD)) {
        fprintf(stderr, "line %d: a failing call wrote to the output\n", line);
        gog_test_failures++;
    }
    if (msg_part && !strstr(gog_last_error(), msg_part)) {
        fprintf(stderr, "line %d: message \"%s\" lacks \"%s\"\n", line, gog_last_error(), msg_part);
        gog_test_failures++;
    }
    free(buf);
}
#define EXPECT_FAIL(want, v, p, its, n, b, e, capd, msg) expect_fail(__LINE__, want, v, p, its, n, b, e, capd, msg)

static void test_queries(void) {
    gog_preprocess_params p = base_params(GOG_DTYPE_F32);
    CHECK(gog_preprocess_tile_count(&p, 3) == 3 * 3); /* ceil(12 / 5) = 3 bands */
    CHECK(gog_preprocess_output_bytes(&p, 3) == (size_t)3 * 3 * 16 * 12 * 4);
    p.band_rows = 0;
    CHECK(gog_preprocess_tile_count(&p, 3) == 3);
    p.band_rows = -4;
    CHECK(gog_preprocess_tile_count(&p, 3) == 3);
    p.band_rows = 12;
    CHECK(gog_preprocess_tile_count(&p, 2) == 2);
    p.band_rows = 1;
    CHECK(gog_preprocess_tile_count(&p, 2) == 24);
    p.band_rows = 11;
    CHECK(gog_preprocess_tile_count(&p, 1) == 2);
    p.dtype = GOG_DTYPE_BF16;
    CHECK(gog_preprocess_output_bytes(&p, 5) == (size_t)5 * 3 * 16 * 12 * 2);
    p.dtype = GOG_DTYPE_U8;
    CHECK(gog_preprocess_output_bytes(&p, 5) == (size_t)5 * 3 * 16 * 12);
    p.out_width = p.out_height = 16384;
    p.dtype = GOG_DTYPE_F32;
    CHECK(gog_preprocess_output_bytes(&p, INT32_MAX) == (size_t)INT32_MAX * 3 * 16384 * 16384 * 4);

    /* invalid parameters: 0 */
    CHECK(gog_preprocess_tile_count(NULL, 1) == 0);
    CHECK(gog_preprocess_output_bytes(NULL, 1) == 0);
    p = base_params(GOG_DTYPE_F32);
    CHECK(gog_preprocess_tile_count(&p, 0) == 0);
    CHECK(gog_preprocess_output_bytes(&p, -1) == 0);
    gog_preprocess_params q;
#define BAD_PARAM(stmt)                                                                   \
    do {                                                                                  \
        q = base_params(GOG_DTYPE_F32);                                                   \
        stmt;                                                                             \
        CHECK(gog_preprocess_tile_count(&q, 1) == 0);                                     \
        CHECK(gog_preprocess_output_bytes(&q, 1) == 0);                                   \
        EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &view, &q, items, 1, 0, 1, 0, NULL);        \
    } while (0)
    BAD_PARAM(q.out_width = 0);
    BAD_PARAM(q.out_height = -3);
    BAD_PARAM(q.out_width = 16385);
    BAD_PARAM(q.out_height = 16385);
    BAD_PARAM(q.filter = 2);
    BAD_PARAM(q.filter = -1);
    BAD_PARAM(q.dtype = 3);
    BAD_PARAM(q.isa = 5);
    BAD_PARAM(q.isa = -1);
    BAD_PARAM(q.std[1] = 0.0f);
    BAD_PARAM(q.std[2] = -0.5f);
    BAD_PARAM(q.std[0] = NAN);
    BAD_PARAM(q.std[0] = INFINITY);
    BAD_PARAM(q.mean[2] = NAN);
    BAD_PARAM(q.mean[1] = -INFINITY);
    BAD_PARAM(q.reserved = 1);
#undef BAD_PARAM
}

static void test_invalid_run(void) {
    const gog_preprocess_params p = base_params(GOG_DTYPE_F32);
    const int64_t tiles = gog_preprocess_tile_count(&p, 3);
    EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, NULL, &p, items, 3, 0, tiles, 0, "image");
    EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &view, NULL, items, 3, 0, tiles, 0, "params");
    EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &view, &p, NULL, 3, 0, tiles, 0, "items");
    EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &view, &p, items, 0, 0, 0, 0, "n_items");
    EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &view, &p, items, -2, 0, 0, 0, "n_items");
    {
        const size_t bytes = gog_preprocess_output_bytes(&p, 3);
        CHECK_STATUS(gog_preprocess_run(&view, &p, items, 3, 0, tiles, NULL, bytes), GOG_ERR_INVALID_ARGUMENT);
    }
    gog_image_view v = view;
    v.data = NULL;
    EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &v, &p, items, 3, 0, tiles, 0, NULL);
    v = view, v.width = 0;
    EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &v, &p, items, 3, 0, tiles, 0, NULL);
    v = view, v.height = -1;
    EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &v, &p, items, 3, 0, tiles, 0, NULL);
    v = view, v.stride = (int64_t)view.width * 3 - 1;
    EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &v, &p, items, 3, 0, tiles, 0, "stride");

    /* Boxes: the message names the item. Item 1 is broken; only tile 0 (item 0) is asked
     * for, and still nothing is written: every call validates every item. */
    const float nan = NAN, inf = INFINITY;
    const gog_box bad_boxes[] = {
        {5, 5, 5, 10},      /* zero width         */
        {5, 5, 10, 5},      /* zero height        */
        {6, 5, 5, 10},      /* x1 > x2            */
        {-0.5f, 0, 10, 10}, /* negative x1        */
        {0, -1, 10, 10},    /* negative y1        */
        {0, 0, 40.5f, 10},  /* x2 > width         */
        {0, 0, 10, 31},     /* y2 > height        */
        {nan, 0, 10, 10},   {0, nan, 10, 10}, {0, 0, nan, 10}, {0, 0, 10, nan},
        {0, 0, inf, 10},    {-inf, 0, 10, 10},
    };
    for (size_t i = 0; i < sizeof bad_boxes / sizeof bad_boxes[0]; i++) {
        gog_resize_item its[3];
        memcpy(its, items, sizeof its);
        its[1].src = bad_boxes[i];
        EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &view, &p, its, 3, 0, 1, 0, "item 1");
    }
    /* Placements outside the frame or empty. */
    const int32_t bad_dst[][4] = {{0, 0, 0, 12}, {0, 0, 16, 0}, {-1, 0, 16, 12}, {0, -1, 16, 12},
                                  {1, 0, 16, 12}, {0, 1, 16, 12}, {10, 0, 7, 5}, {0, 0, 17, 12}};
    for (size_t i = 0; i < sizeof bad_dst / sizeof bad_dst[0]; i++) {
        gog_resize_item its[3];
        memcpy(its, items, sizeof its);
        its[2].dst_x = bad_dst[i][0], its[2].dst_y = bad_dst[i][1];
        its[2].dst_w = bad_dst[i][2], its[2].dst_h = bad_dst[i][3];
        EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &view, &p, its, 3, 0, 1, 0, "item 2");
    }
    /* Capacity one byte short, for each dtype. */
    for (int32_t dt = 0; dt < 3; dt++) {
        const gog_preprocess_params q = base_params(dt);
        EXPECT_FAIL(GOG_ERR_BUFFER_TOO_SMALL, &view, &q, items, 3, 0, tiles, (size_t)-1, NULL);
    }
    /* Tile ranges. */
    EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &view, &p, items, 3, -1, 2, 0, "tile");
    EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &view, &p, items, 3, 3, 2, 0, "tile");
    EXPECT_FAIL(GOG_ERR_INVALID_ARGUMENT, &view, &p, items, 3, 0, tiles + 1, 0, "tile");
    /* An empty range is valid and writes nothing. */
    EXPECT_FAIL(GOG_OK, &view, &p, items, 3, 4, 4, 0, NULL);
    EXPECT_FAIL(GOG_OK, &view, &p, items, 3, tiles, tiles, 0, NULL);
    /* A variant this CPU cannot run. */
    if (!gog_cpu_supports(GOG_ISA_AVX512_BF16)) {
        gog_preprocess_params q = p;
        q.isa = GOG_ISA_AVX512_BF16;
        EXPECT_FAIL(GOG_ERR_UNSUPPORTED, &view, &q, items, 3, 0, tiles, 0, NULL);
    }
    /* The shared validator directly. */
    CHECK_STATUS(gog_preprocess_validate(&view, &p, items, 3, gog_preprocess_output_bytes(&p, 3)), GOG_OK);
    CHECK_STATUS(gog_preprocess_validate(&view, &p, items, 3, 10), GOG_ERR_BUFFER_TOO_SMALL);
}

/* A valid call writes its output and nothing around it; the fill is exact. */
static void test_writes_and_fill(void) {
    for (int32_t isa = GOG_ISA_SCALAR; isa <= GOG_ISA_AVX512_BF16; isa++) {
        if (!gog_cpu_supports(isa)) continue;
        for (int32_t dt = 0; dt < 3; dt++) {
            gog_preprocess_params p = base_params(dt);
            p.isa = isa;
            p.fill[0] = 10, p.fill[1] = 200, p.fill[2] = 77;
            const size_t bytes = gog_preprocess_output_bytes(&p, 3);
            uint8_t *buf = guarded_alloc(bytes);
            CHECK_STATUS(gog_preprocess_run(&view, &p, items, 3, 0, gog_preprocess_tile_count(&p, 3), buf + GUARD,
                                            bytes), GOG_OK);
            CHECK(untouched(buf, 0, GUARD));
            CHECK(untouched(buf, GUARD + bytes, bytes + 2 * GUARD));
            /* item 2 is letterboxed: check every fill value */
            const gog_resize_item *it = &items[2];
            size_t bad = 0;
            for (int32_t y = 0; y < p.out_height; y++)
                for (int32_t x = 0; x < p.out_width; x++) {
                    const int inside = x >= it->dst_x && x < it->dst_x + it->dst_w && y >= it->dst_y &&
                                       y < it->dst_y + it->dst_h;
                    if (inside) continue;
                    for (int c = 0; c < 3; c++) {
                        const size_t plane = (size_t)p.out_width * p.out_height;
                        const uint8_t fv = p.fill[c];
                        const float want = (float)((fv / 255.0 - (double)p.mean[c]) / (double)p.std[c]);
                        if (dt == GOG_DTYPE_U8) {
                            bad += buf[GUARD + ((2 * plane) + (size_t)y * p.out_width + x) * 3 + c] != fv;
                        } else if (dt == GOG_DTYPE_F32) {
                            float got;
                            memcpy(&got, buf + GUARD + (((2 * 3 + c) * plane) + (size_t)y * p.out_width + x) * 4, 4);
                            bad += got != want;
                        } else {
                            uint16_t got;
                            memcpy(&got, buf + GUARD + (((2 * 3 + c) * plane) + (size_t)y * p.out_width + x) * 2, 2);
                            bad += got != pp_bf16(want);
                        }
                    }
                }
            if (bad) {
                fprintf(stderr, "%s dtype %d: %zu fill values wrong\n", gog_isa_name(isa), (int)dt, bad);
                gog_test_failures++;
            }
            /* no 0xCD left inside the output (everything written) for U8 is not a valid
             * check (0xCD is a legal pixel); for F32 check no value is the guard pattern */
            if (dt == GOG_DTYPE_F32) {
                size_t unwritten = 0;
                for (size_t i = 0; i + 4 <= bytes; i += 4) unwritten += untouched(buf + GUARD, i, i + 4);
                CHECK(unwritten == 0);
            }
            free(buf);
        }
    }
}

/* The output may start at any byte address (gog.h asks no alignment; a Java segment can be
 * a slice at an odd offset): results at offsets 1..3 equal the aligned ones byte for byte,
 * and nothing past the exact capacity is written (under UBSan a misaligned float/uint16
 * store fails the test). */
static void test_unaligned_output(void) {
    const float mean[3] = {0.5f, 0.25f, 0.0f}, std[3] = {0.5f, 0.125f, 2.0f};
    for (int32_t isa = GOG_ISA_SCALAR; isa <= GOG_ISA_AVX512_BF16; isa++) {
        if (!gog_cpu_supports(isa)) continue;
        for (int32_t dt = 0; dt < 3; dt++) {
            gog_preprocess_params p = base_params(dt);
            p.isa = isa;
            const size_t bytes = gog_preprocess_output_bytes(&p, 3);
            const int64_t tiles = gog_preprocess_tile_count(&p, 3);
            uint8_t *ref = (uint8_t *)malloc(bytes);
            CHECK_STATUS(gog_preprocess_run(&view, &p, items, 3, 0, tiles, ref, bytes), GOG_OK);
            /* gog_normalize_rgb8 of the fixture's first 90 bytes taken as packed [2, 3, 5] RGB8 */
            uint8_t *nref = (uint8_t *)malloc(2 * 3 * 5 * 3 * 4);
            const int norm = dt != GOG_DTYPE_U8;
            if (norm)
                CHECK_STATUS(gog_normalize_rgb8(img, 2, 3, 5, mean, std, dt, isa, nref, 2 * 3 * 5 * 3 * 4),
                             GOG_OK);
            const size_t nbytes = (size_t)2 * 3 * 5 * 3 * (dt == GOG_DTYPE_F32 ? 4 : 2);
            for (size_t off = 1; off < 4; off++) {
                uint8_t *buf = guarded_alloc(bytes + off);
                CHECK_STATUS(gog_preprocess_run(&view, &p, items, 3, 0, tiles, buf + GUARD + off, bytes), GOG_OK);
                CHECK(memcmp(buf + GUARD + off, ref, bytes) == 0);
                CHECK(untouched(buf, 0, GUARD + off));
                CHECK(untouched(buf, GUARD + off + bytes, bytes + off + 2 * GUARD));
                free(buf);
                if (!norm) continue;
                uint8_t *nb = guarded_alloc(nbytes + off);
                CHECK_STATUS(gog_normalize_rgb8(img, 2, 3, 5, mean, std, dt, isa, nb + GUARD + off, nbytes),
                             GOG_OK);
                CHECK(memcmp(nb + GUARD + off, nref, nbytes) == 0);
                CHECK(untouched(nb, GUARD + off + nbytes, nbytes + off + 2 * GUARD));
                free(nb);
            }
            free(nref);
            free(ref);
        }
    }
}

static void test_normalize(void) {
    const float mean[3] = {0.5f, 0.25f, 0.0f}, std[3] = {0.5f, 0.125f, 2.0f};
    uint8_t src[2 * 3 * 5 * 3];
    for (size_t i = 0; i < sizeof src; i++) src[i] = (uint8_t)(i * 37 + 11);
    float out[2 * 3 * 3 * 5];
    uint16_t outb[2 * 3 * 3 * 5];
    for (int32_t isa = GOG_ISA_SCALAR; isa <= GOG_ISA_AVX512_BF16; isa++) {
        if (!gog_cpu_supports(isa)) continue;
        CHECK_STATUS(gog_normalize_rgb8(src, 2, 3, 5, mean, std, GOG_DTYPE_F32, isa, out, sizeof out), GOG_OK);
        CHECK_STATUS(gog_normalize_rgb8(src, 2, 3, 5, mean, std, GOG_DTYPE_BF16, isa, outb, sizeof outb), GOG_OK);
        size_t bad = 0;
        for (int n = 0; n < 2; n++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 5; x++)
                    for (int c = 0; c < 3; c++) {
                        const uint8_t v = src[((n * 3 + y) * 5 + x) * 3 + c];
                        const float want = (float)((v / 255.0 - (double)mean[c]) / (double)std[c]);
                        const size_t o = (((size_t)n * 3 + c) * 3 + y) * 5 + x;
                        bad += out[o] != want;
                        bad += outb[o] != pp_bf16(want);
                    }
        if (bad) {
            fprintf(stderr, "normalize_rgb8 %s: %zu values wrong\n", gog_isa_name(isa), bad);
            gog_test_failures++;
        }
    }
    /* bf16 of float subnormals: std so large that every value is subnormal (the hardware
     * conversion would flush them to zero; the result must still be RNE). */
    const float big_std[3] = {3.0e38f, 2.5e38f, 1.0e38f};
    const float zero_mean[3] = {0, 0, 0};
    for (int32_t isa = GOG_ISA_SCALAR; isa <= GOG_ISA_AVX512_BF16; isa++) {
        if (!gog_cpu_supports(isa)) continue;
        CHECK_STATUS(gog_normalize_rgb8(src, 2, 3, 5, zero_mean, big_std, GOG_DTYPE_BF16, isa, outb, sizeof outb),
                     GOG_OK);
        size_t bad = 0, nonzero = 0;
        for (int n = 0; n < 2; n++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 5; x++)
                    for (int c = 0; c < 3; c++) {
                        const uint8_t v = src[((n * 3 + y) * 5 + x) * 3 + c];
                        const float want = (float)((v / 255.0) / (double)big_std[c]);
                        const size_t o = (((size_t)n * 3 + c) * 3 + y) * 5 + x;
                        bad += outb[o] != pp_bf16(want);
                        nonzero += outb[o] != 0;
                    }
        CHECK(nonzero > 0);
        if (bad) {
            fprintf(stderr, "normalize_rgb8 %s: %zu subnormal bf16 values wrong\n", gog_isa_name(isa), bad);
            gog_test_failures++;
        }
        /* the fused path too */
        gog_preprocess_params p = base_params(GOG_DTYPE_BF16);
        p.isa = isa;
        memcpy(p.std, big_std, sizeof p.std);
        memcpy(p.mean, zero_mean, sizeof p.mean);
        const size_t nb = gog_preprocess_output_bytes(&p, 3);
        uint16_t *fb = (uint16_t *)malloc(nb);
        uint8_t *u8 = (uint8_t *)malloc((size_t)3 * 3 * 16 * 12);
        CHECK_STATUS(gog_preprocess_run(&view, &p, items, 3, 0, gog_preprocess_tile_count(&p, 3), fb, nb), GOG_OK);
        p.dtype = GOG_DTYPE_U8;
        CHECK_STATUS(gog_preprocess_run(&view, &p, items, 3, 0, gog_preprocess_tile_count(&p, 3), u8,
                                        (size_t)3 * 3 * 16 * 12), GOG_OK);
        size_t badf = 0;
        for (int n = 0; n < 3; n++)
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < 16 * 12; i++) {
                    const float want = (float)((u8[((size_t)n * 192 + i) * 3 + c] / 255.0) / (double)big_std[c]);
                    badf += fb[((size_t)n * 3 + c) * 192 + i] != pp_bf16(want);
                }
        if (badf) {
            fprintf(stderr, "preprocess %s: %zu subnormal bf16 values wrong\n", gog_isa_name(isa), badf);
            gog_test_failures++;
        }
        free(fb);
        free(u8);
    }
    /* A mean equal to the float nearest k/255: (v/255 - mean) cancels for v = k, and the
     * fast evaluation of the table (one double FMA) rounds that tiny value differently;
     * the library must notice and use the table itself. Fused and normalize_rgb8 outputs
     * are checked against the formula, for every variant. */
    {
        const float cmean[3] = {(float)(253 / 255.0), (float)(61 / 255.0), (float)(239 / 255.0)};
        const float cstd[3] = {0.236206055f, 0.201416016f, 0.756332397f};
        uint8_t all[256 * 3];
        for (int i = 0; i < 256 * 3; i++) all[i] = (uint8_t)(i / 3);
        float fo[3 * 256];
        for (int32_t isa = GOG_ISA_SCALAR; isa <= GOG_ISA_AVX512_BF16; isa++) {
            if (!gog_cpu_supports(isa)) continue;
            CHECK_STATUS(gog_normalize_rgb8(all, 1, 1, 256, cmean, cstd, GOG_DTYPE_F32, isa, fo, sizeof fo), GOG_OK);
            size_t bad = 0;
            for (int c = 0; c < 3; c++)
                for (int v = 0; v < 256; v++)
                    bad += fo[c * 256 + v] != (float)((v / 255.0 - (double)cmean[c]) / (double)cstd[c]);
            if (bad) {
                fprintf(stderr, "normalize_rgb8 %s, cancelling mean: %zu values wrong\n", gog_isa_name(isa), bad);
                gog_test_failures++;
            }
            gog_preprocess_params p = base_params(GOG_DTYPE_F32);
            p.isa = isa;
            memcpy(p.mean, cmean, sizeof p.mean);
            memcpy(p.std, cstd, sizeof p.std);
            const size_t nb = gog_preprocess_output_bytes(&p, 3);
            float *ff = (float *)malloc(nb);
            uint8_t *u8 = (uint8_t *)malloc((size_t)3 * 3 * 16 * 12);
            CHECK_STATUS(gog_preprocess_run(&view, &p, items, 3, 0, gog_preprocess_tile_count(&p, 3), ff, nb), GOG_OK);
            p.dtype = GOG_DTYPE_U8;
            CHECK_STATUS(gog_preprocess_run(&view, &p, items, 3, 0, gog_preprocess_tile_count(&p, 3), u8,
                                            (size_t)3 * 3 * 16 * 12), GOG_OK);
            size_t badf = 0;
            for (int n = 0; n < 3; n++)
                for (int c = 0; c < 3; c++)
                    for (int i = 0; i < 16 * 12; i++) {
                        const uint8_t v = u8[((size_t)n * 192 + i) * 3 + c];
                        badf += ff[((size_t)n * 3 + c) * 192 + i] != (float)((v / 255.0 - (double)cmean[c]) / (double)cstd[c]);
                    }
            if (badf) {
                fprintf(stderr, "preprocess %s, cancelling mean: %zu values wrong\n", gog_isa_name(isa), badf);
                gog_test_failures++;
            }
            free(ff);
            free(u8);
        }
    }
    /* invalid arguments: status, and nothing written */
    uint8_t *buf = guarded_alloc(sizeof out);
    float *o = (float *)(buf + GUARD);
#define BAD_NORM(want, ...)                                                      \
    do {                                                                         \
        CHECK_STATUS(gog_normalize_rgb8(__VA_ARGS__), want);                     \
        CHECK(untouched(buf, 0, sizeof out + 2 * GUARD));                        \
    } while (0)
    BAD_NORM(GOG_ERR_INVALID_ARGUMENT, NULL, 2, 3, 5, mean, std, GOG_DTYPE_F32, 0, o, sizeof out);
    BAD_NORM(GOG_ERR_INVALID_ARGUMENT, src, 2, 3, 5, NULL, std, GOG_DTYPE_F32, 0, o, sizeof out);
    BAD_NORM(GOG_ERR_INVALID_ARGUMENT, src, 2, 3, 5, mean, NULL, GOG_DTYPE_F32, 0, o, sizeof out);
    BAD_NORM(GOG_ERR_INVALID_ARGUMENT, src, 2, 3, 5, mean, std, GOG_DTYPE_F32, 0, NULL, sizeof out);
    BAD_NORM(GOG_ERR_INVALID_ARGUMENT, src, 0, 3, 5, mean, std, GOG_DTYPE_F32, 0, o, sizeof out);
    BAD_NORM(GOG_ERR_INVALID_ARGUMENT, src, 2, 0, 5, mean, std, GOG_DTYPE_F32, 0, o, sizeof out);
    BAD_NORM(GOG_ERR_INVALID_ARGUMENT, src, 2, 3, -5, mean, std, GOG_DTYPE_F32, 0, o, sizeof out);
    BAD_NORM(GOG_ERR_INVALID_ARGUMENT, src, 2, 3, 5, mean, std, GOG_DTYPE_U8, 0, o, sizeof out);
    BAD_NORM(GOG_ERR_INVALID_ARGUMENT, src, 2, 3, 5, mean, std, 9, 0, o, sizeof out);
    BAD_NORM(GOG_ERR_INVALID_ARGUMENT, src, 2, 3, 5, mean, std, GOG_DTYPE_F32, 17, o, sizeof out);
    const float bad_std[3] = {1, 0, 1}, bad_mean[3] = {0, NAN, 0};
    BAD_NORM(GOG_ERR_INVALID_ARGUMENT, src, 2, 3, 5, mean, bad_std, GOG_DTYPE_F32, 0, o, sizeof out);
    BAD_NORM(GOG_ERR_INVALID_ARGUMENT, src, 2, 3, 5, bad_mean, std, GOG_DTYPE_F32, 0, o, sizeof out);
    BAD_NORM(GOG_ERR_BUFFER_TOO_SMALL, src, 2, 3, 5, mean, std, GOG_DTYPE_F32, 0, o, sizeof out - 1);
    BAD_NORM(GOG_ERR_BUFFER_TOO_SMALL, src, 2, 3, 5, mean, std, GOG_DTYPE_BF16, 0, o, sizeof outb - 1);
#undef BAD_NORM
    free(buf);
}

static void test_coeffs(void) {
    gog_coeffs c;
    /* 4 -> 2 bilinear: output 0 has centre 1.0, support 2, taps 0..2 with raw weights
     * 0.75, 0.75, 0.25 (triangle of half-width 2), normalised by 1.75. */
    CHECK_STATUS(gog_coeffs_build(4, 0, 4, 2, GOG_FILTER_BILINEAR, &c), GOG_OK);
    CHECK(c.out_size == 2 && c.ksize == 5);
    CHECK(c.bounds[0] == 0 && c.bounds[1] == 3);
    CHECK(fabs(c.weights[0] - 3.0 / 7) < 1e-15 && fabs(c.weights[1] - 3.0 / 7) < 1e-15);
    CHECK(fabs(c.weights[2] - 1.0 / 7) < 1e-15 && c.weights[3] == 0 && c.weights[4] == 0);
    CHECK(c.weights_fixed[0] == (int32_t)(3.0 / 7 * 4194304 + 0.5));
    CHECK(c.weights_fixed[2] == (int32_t)(1.0 / 7 * 4194304 + 0.5));
    CHECK(c.bounds[2] == 1 && c.bounds[3] == 3); /* centre 3.0: taps 1..3 */
    gog_coeffs_free(&c);
    CHECK(c.bounds == NULL && c.weights == NULL && c.weights_fixed == NULL);
    gog_coeffs_free(&c); /* twice is safe */

    /* identity: one tap of weight 1 at the pixel itself */
    CHECK_STATUS(gog_coeffs_build(10, 0, 10, 10, GOG_FILTER_BICUBIC, &c), GOG_OK);
    for (int32_t x = 0; x < 10; x++) {
        const int32_t first = c.bounds[2 * x], n = c.bounds[2 * x + 1];
        int32_t sum = 0;
        for (int32_t t = 0; t < n; t++) {
            sum += c.weights_fixed[x * c.ksize + t];
            if (first + t == x) CHECK(c.weights_fixed[x * c.ksize + t] == 1 << 22);
            else CHECK(c.weights_fixed[x * c.ksize + t] == 0);
        }
        CHECK(sum == 1 << 22);
    }
    gog_coeffs_free(&c);

    /* random ranges: bounds inside the axis, weights sum to 1, zeros past the count */
    uint64_t s = 77;
    for (int i = 0; i < 200; i++) {
        const int32_t in = 1 + (int32_t)(gog_test_rand(&s) % 500), out = 1 + (int32_t)(gog_test_rand(&s) % 300);
        double a = pp_rand01(&s) * in, b = pp_rand01(&s) * in;
        if (a > b) { double t = a; a = b; b = t; }
        if (b - a < 0.01) b = a + 0.01;
        const int32_t f = (int32_t)(gog_test_rand(&s) % 2);
        CHECK_STATUS(gog_coeffs_build(in, a, b, out, f, &c), GOG_OK);
        for (int32_t x = 0; x < out; x++) {
            const int32_t first = c.bounds[2 * x], n = c.bounds[2 * x + 1];
            CHECK(first >= 0 && n >= 1 && first + n <= in && n <= c.ksize);
            double sum = 0;
            for (int32_t t = 0; t < c.ksize; t++) {
                sum += c.weights[x * c.ksize + t];
                if (t >= n) CHECK(c.weights[x * c.ksize + t] == 0 && c.weights_fixed[x * c.ksize + t] == 0);
            }
            CHECK(fabs(sum - 1.0) < 1e-9);
            if (x) CHECK(first >= c.bounds[2 * x - 2] && first + n >= c.bounds[2 * x - 2] + c.bounds[2 * x - 1]);
        }
        gog_coeffs_free(&c);
    }
    CHECK_STATUS(gog_coeffs_build(0, 0, 1, 1, GOG_FILTER_BILINEAR, &c), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_coeffs_build(4, 0, 4, 0, GOG_FILTER_BILINEAR, &c), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_coeffs_build(4, 0, 4, 2, 7, &c), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_coeffs_build(4, 2, 2, 2, GOG_FILTER_BICUBIC, &c), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_coeffs_build(4, 3, 2, 2, GOG_FILTER_BICUBIC, &c), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_coeffs_build(4, NAN, 2, 2, GOG_FILTER_BICUBIC, &c), GOG_ERR_INVALID_ARGUMENT);
    CHECK(c.bounds == NULL);
    CHECK_STATUS(gog_coeffs_build(4, 0, 4, 2, GOG_FILTER_BICUBIC, NULL), GOG_ERR_INVALID_ARGUMENT);
}

int main(void) {
    img = pp_make_image(12345, 40, 30, 4, 0);
    view = (gog_image_view){img, 40, 30, 40 * 3 + 4};
    items[0] = (gog_resize_item){{0, 0, 40, 30}, 0, 0, 16, 12};
    items[1] = (gog_resize_item){{3.5f, 2.25f, 31.0f, 29.5f}, 0, 0, 16, 12};
    items[2] = (gog_resize_item){{10, 10, 20, 15}, 3, 4, 9, 5};
    test_queries();
    test_invalid_run();
    test_writes_and_fill();
    test_unaligned_output();
    test_normalize();
    test_coeffs();
    free(img);
    TEST_EXIT();
}
