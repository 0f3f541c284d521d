/*
 * The CUDA kernels' host emulation against the scalar CPU reference. Needs no GPU.
 *
 * libgog_cuda's per-thread code (kernels/cuda/cuda_kernels.h) is plain C when not compiled
 * by nvcc. This test runs it as the GPU would: the same host plan and packed table
 * (cuda_plan.c), the same launch geometry, every block and thread of both passes visited in
 * turn, into buffers of exactly the device buffers' sizes (so that AddressSanitizer sees any
 * read or write outside them). It runs once with the production grid and once with every
 * grid extent clamped to 2, which makes each thread walk its grid-stride loops. Because the
 * arithmetic is the reference's integer arithmetic, every value must be bit-identical.
 *
 * What it cannot check is the CUDA API glue (allocation, copies, streams, the launch
 * itself); test_cuda_preprocess does that where a device exists.
 */
#include <stdlib.h>
#include <string.h>

#include "cuda_cases.h"
#include "cuda_kernels.h"
#include "cuda_plan.h"
#include "test_util.h"

typedef struct emulation {
    uint32_t max_grid;
} emulation;

static void run_pass(int pass, const gog_cu_plan *plan, const gog_cu_args *a, uint32_t max_grid) {
    gog_cu_idx g, b;
    gog_cu_plan_grid(plan, pass, max_grid, &g, &b);
    CHECK(g.x >= 1 && g.y >= 1 && g.z >= 1 && g.x <= max_grid && g.y <= max_grid && g.z <= max_grid);
    CHECK(b.x * b.y * b.z == GOG_CU_BLOCK_X * GOG_CU_BLOCK_Y);
    /* The vertical kernel first copies the LUT into shared memory; so does the emulation. */
    float lut[3 * 256];
    memcpy(lut, a->lut, sizeof lut);
    gog_cu_idx bid, tid;
    for (bid.z = 0; bid.z < g.z; bid.z++)
        for (bid.y = 0; bid.y < g.y; bid.y++)
            for (bid.x = 0; bid.x < g.x; bid.x++)
                for (tid.z = 0; tid.z < b.z; tid.z++)
                    for (tid.y = 0; tid.y < b.y; tid.y++)
                        for (tid.x = 0; tid.x < b.x; tid.x++) {
                            if (pass == 0)
                                gog_cu_hpass_thread(a, bid, tid, g, b);
                            else
                                gog_cu_vpass_thread(a, lut, bid, tid, g, b);
                        }
}

/* gog_cuda_preprocess with the device replaced by the emulation (same order of checks). */
static gog_status emulate(void *ctx, const gog_image_view *image, const gog_preprocess_params *p,
                          const gog_resize_item *items, int32_t n_items, void *out,
                          size_t out_capacity) {
    const emulation *em = (const emulation *)ctx;
    gog_cu_plan plan;
    gog_status st = gog_cu_plan_build(image, p, items, n_items, out_capacity, &plan);
    if (st == GOG_OK && !out) st = GOG_ERR_INVALID_ARGUMENT;
    if (st != GOG_OK || plan.n_items == 0) {
        gog_cu_plan_free(&plan);
        return st;
    }
    CHECK(plan.table_bytes > 0 && plan.src_bytes > 0 && plan.out_bytes > 0);
    CHECK(plan.x0 >= 0 && plan.x0 < plan.x1 && plan.x1 <= image->width);
    CHECK(plan.y0 >= 0 && plan.y0 < plan.y1 && plan.y1 <= image->height);

    /* "Device" buffers of exactly the planned sizes; the intermediate starts as garbage. */
    void *table = malloc(plan.table_bytes);
    uint8_t *src = (uint8_t *)malloc(plan.src_bytes);
    uint32_t *temp = (uint32_t *)malloc(plan.temp_bytes ? plan.temp_bytes : 1);
    void *dout = malloc(plan.out_bytes);
    if (!table || !src || !temp || !dout) {
        st = GOG_ERR_OUT_OF_MEMORY;
    } else {
        memset(temp, 0xCD, plan.temp_bytes);
        memset(dout, 0x5A, plan.out_bytes);
        gog_cu_plan_pack(&plan, table);
        gog_cu_plan_copy_rows(&plan, image, 0, plan.y1 - plan.y0, src);
        gog_cu_args a;
        gog_cu_plan_args(&plan, table, src, temp, dout, &a);
        run_pass(0, &plan, &a, em->max_grid);
        run_pass(1, &plan, &a, em->max_grid);
        memcpy(out, dout, plan.out_bytes);
    }
    free(table);
    free(src);
    free(temp);
    free(dout);
    gog_cu_plan_free(&plan);
    return st;
}

/* Plan details the kernels rely on, checked directly. */
static void check_plan(void) {
    uint64_t rng = 77;
    gog_image_view img;
    uint8_t *data = cuda_case_image(&rng, 100, 80, 3, &img);
    CHECK(data != NULL);
    if (!data) return;
    /* Two boxes in different corners: the region is the union of what they read. */
    gog_resize_item items[2] = {{{10.0f, 5.0f, 30.0f, 20.0f}, 0, 0, 10, 10},
                                {{60.0f, 50.0f, 90.0f, 70.0f}, 2, 1, 8, 9}};
    gog_preprocess_params p = cuda_case_params(10, 10, GOG_FILTER_BILINEAR, GOG_DTYPE_U8);
    gog_cu_plan plan;
    CHECK_STATUS(gog_cu_plan_build(&img, &p, items, 2, 10 * 10 * 3 * 2, &plan), GOG_OK);
    /* Bilinear, 2x shrink: support 2 around each centre, so reads reach 1.5 px past the box
     * (rounded to whole pixels: columns 9..30 and 59..90, rows 4..20 and 49..70). */
    CHECK(plan.x0 <= 10 && plan.x0 >= 8 && plan.x1 >= 30 && plan.x1 <= 92);
    CHECK(plan.y0 <= 5 && plan.y0 >= 3 && plan.y1 >= 70 && plan.y1 <= 72);
    CHECK(plan.src_pitch == (int64_t)(plan.x1 - plan.x0) * 3);
    CHECK(plan.items[0].rows >= 15 && plan.items[1].rows >= 20);
    CHECK(plan.items[1].temp == (int64_t)plan.items[0].rows * 10);
    CHECK(plan.items[0].temp == 0);
    CHECK(plan.temp_pixels == (int64_t)plan.items[0].rows * 10 + (int64_t)plan.items[1].rows * 8);
    CHECK(plan.temp_bytes == (size_t)plan.temp_pixels * 4);
    CHECK(plan.out_bytes == 600);
    CHECK(plan.lut_offset % 16 == 0 && plan.data_offset % 4 == 0);
    CHECK(plan.lut[5] == 0.0f); /* U8: no LUT */
    gog_cu_plan_free(&plan);
    gog_cu_plan_free(&plan); /* idempotent */

    /* Grid geometry: extents cover the work and are clamped. */
    p = cuda_case_params(1000, 70, GOG_FILTER_BICUBIC, GOG_DTYPE_F32);
    gog_resize_item whole = {{0.0f, 0.0f, 100.0f, 80.0f}, 0, 0, 1000, 70};
    CHECK_STATUS(gog_cu_plan_build(&img, &p, &whole, 1, gog_preprocess_output_bytes(&p, 1), &plan),
                 GOG_OK);
    gog_cu_idx g, b;
    gog_cu_plan_grid(&plan, 1, GOG_CU_MAX_GRID, &g, &b);
    CHECK(g.x == (1000 + GOG_CU_BLOCK_X - 1) / GOG_CU_BLOCK_X);
    CHECK(g.y == (70 + GOG_CU_BLOCK_Y - 1) / GOG_CU_BLOCK_Y && g.z == 1);
    gog_cu_plan_grid(&plan, 0, 3, &g, &b);
    CHECK(g.x == 3 && g.y == 3 && g.z == 1);
    /* F32 LUT: (v / 255 - mean) / std. */
    CHECK(fabsf(plan.lut[256 + 255] - (1.0f - p.mean[1]) / p.std[1]) < 1e-6f);
    CHECK(fabsf(plan.lut[0] + p.mean[0] / p.std[0]) < 1e-6f);
    gog_cu_plan_free(&plan);
    free(data);
}

int main(void) {
    check_plan();

    cuda_case_totals totals;
    memset(&totals, 0, sizeof totals);
    emulation full = {GOG_CU_MAX_GRID};
    printf("emulated kernels, production grid:\n");
    cuda_cases_all(emulate, &full, 1, &totals);
    cuda_cases_invalid(emulate, &full);

    emulation small = {2};
    printf("emulated kernels, grid clamped to 2 (grid-stride loops):\n");
    cuda_cases_all(emulate, &small, 1, &totals);

    printf("%lld cases, %lld values, %lld not bit-exact\n", (long long)totals.cases,
           (long long)totals.values, (long long)totals.not_exact);
    TEST_EXIT();
}
