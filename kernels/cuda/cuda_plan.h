/*
 * Host-side plan of one gog_cuda_preprocess call: validation, Pillow coefficient tables for
 * every item, the source region to upload, and the layout of the single packed table that
 * the kernels read. Plain C, no CUDA: the same plan drives the CUDA kernels and the host
 * emulation of those kernels in the tests (kernels/tests/cuda).
 *
 * Packed table (one device buffer, uploaded once per call):
 *
 *     offset 0            gog_cu_item[n_items]           per-item descriptors
 *     lut_offset          float[3][256]                  normalisation LUT (F32/BF16 only)
 *     data_offset         int32[data_len]                coefficient tables of all items
 *
 * Per item, the int32 data holds, at the offsets named in its descriptor:
 *     h_bounds  [dst_w][2]        first source column (relative to the region's x0), taps
 *     h_weights [dst_w][h_ksize]  Pillow's 22-bit fixed-point weights, zero past the taps
 *     v_bounds  [dst_h][2]        first intermediate row (relative to the item's first
 *                                 source row), taps
 *     v_weights [dst_h][v_ksize]
 *
 * Every bound is checked on the host against the sizes it indexes before anything is
 * uploaded, so the kernels never read outside the region, the intermediate or the table.
 */
#ifndef GOG_CUDA_PLAN_H
#define GOG_CUDA_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "gog/gog.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pillow's fixed-point precision for 8-bit images (Resample.c: PRECISION_BITS = 32 - 8 - 2). */
#define GOG_CU_PRECISION_BITS 22

/* Threads per block of both passes (the kernels declare __launch_bounds__ to match). */
#define GOG_CU_BLOCK_X 32
#define GOG_CU_BLOCK_Y 8

/* Largest grid extent used in any dimension; the kernels loop (grid-stride) past it. */
#define GOG_CU_MAX_GRID 65535u

/* One item as the kernels see it (72 bytes, 8-byte aligned). Table offsets count int32
 * elements from the start of the data area; `temp` counts 32-bit pixels. */
typedef struct gog_cu_item {
    int64_t h_bounds;
    int64_t h_weights;
    int64_t v_bounds;
    int64_t v_weights;
    int64_t temp;     /* first pixel of the item's intermediate image: rows x dst_w pixels,
                         each packed as r | g << 8 | b << 16                              */
    int32_t h_ksize;
    int32_t v_ksize;
    int32_t src_row0; /* first source row the item uses, relative to the region's y0      */
    int32_t rows;     /* rows of the intermediate image                                   */
    int32_t dst_x;
    int32_t dst_y;
    int32_t dst_w;
    int32_t dst_h;
} gog_cu_item;

/* Kernel arguments (both passes). Pointers are device pointers on the GPU and host
 * pointers in the emulation. */
typedef struct gog_cu_args {
    const gog_cu_item *items;
    const int32_t *data;  /* int32 data area of the packed table                           */
    const float *lut;     /* [3][256]                                                      */
    const uint8_t *src;   /* source region, RGB8 rows src_pitch bytes apart                */
    uint32_t *temp;       /* intermediate images of all items                              */
    void *out;            /* the caller's output layout (gog.h)                            */
    int64_t src_pitch;
    int32_t n_items;
    int32_t out_width;
    int32_t out_height;
    int32_t dtype;
    uint32_t fill;        /* packed like the intermediate: r | g << 8 | b << 16             */
} gog_cu_args;

/* blockIdx / threadIdx / gridDim / blockDim without CUDA types. */
typedef struct gog_cu_idx {
    uint32_t x, y, z;
} gog_cu_idx;

struct gog_coeffs;

typedef struct gog_cu_plan {
    int32_t n_items;
    int32_t out_width;
    int32_t out_height;
    int32_t dtype;
    uint32_t fill;
    float lut[3 * 256];        /* zeros for GOG_DTYPE_U8 (mean and std are ignored there)  */

    /* Source region [x0, x1) x [y0, y1): the union of the pixels any item reads. */
    int32_t x0, x1, y0, y1;
    int64_t src_pitch;         /* (x1 - x0) * 3                                            */
    size_t src_bytes;          /* src_pitch * (y1 - y0)                                    */

    size_t lut_offset;         /* byte offsets inside the packed table                     */
    size_t data_offset;
    size_t table_bytes;
    int64_t data_len;          /* int32 elements of the data area                          */

    int64_t temp_pixels;       /* all intermediate images                                  */
    size_t temp_bytes;
    size_t out_bytes;

    int32_t max_dst_w;         /* largest dst_w and intermediate row count over items      */
    int32_t max_rows;

    /* Bytes the two kernels move at the least (region read once, intermediate written and
     * read once, output written once, table read once); for throughput figures. */
    uint64_t kernel_bytes;

    struct gog_coeffs *h;      /* [n_items] horizontal and vertical coefficients           */
    struct gog_coeffs *v;
    gog_cu_item *items;        /* [n_items] descriptors, packed as they are                */
} gog_cu_plan;

/* Validates the call exactly as gog_preprocess_run does (p->isa and p->band_rows are
 * ignored), builds every item's coefficients and the layout above. On success the plan owns
 * host memory: release it with gog_cu_plan_free (also safe after a failed build). */
gog_status gog_cu_plan_build(const gog_image_view *image, const gog_preprocess_params *p,
                             const gog_resize_item *items, int32_t n_items, size_t out_capacity,
                             gog_cu_plan *plan);

void gog_cu_plan_free(gog_cu_plan *plan);

/* Writes the packed table (plan->table_bytes bytes) to dst, which must be 8-byte aligned. */
void gog_cu_plan_pack(const gog_cu_plan *plan, void *dst);

/* Copies region rows [r0, r1) (relative to y0) from the image to dst, src_pitch bytes per
 * row, the first copied row at dst. */
void gog_cu_plan_copy_rows(const gog_cu_plan *plan, const gog_image_view *image, int32_t r0,
                           int32_t r1, uint8_t *dst);

/* Kernel arguments for buffers laid out as the plan says: table = the packed table. */
void gog_cu_plan_args(const gog_cu_plan *plan, const void *table, const uint8_t *src,
                      uint32_t *temp, void *out, gog_cu_args *args);

/* Launch geometry of pass 0 (horizontal) or 1 (vertical + output); every grid extent is
 * clamped to [1, max_grid]. */
void gog_cu_plan_grid(const gog_cu_plan *plan, int pass, uint32_t max_grid, gog_cu_idx *grid,
                      gog_cu_idx *block);

#ifdef __cplusplus
}
#endif

#endif /* GOG_CUDA_PLAN_H */
