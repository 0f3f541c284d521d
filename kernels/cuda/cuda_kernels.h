/*
 * The per-thread work of the two CUDA passes, written once for the device (nvcc) and for the
 * host emulation in the tests (a C compiler): with nvcc the functions are __host__ __device__ (forced inline),
 * elsewhere plain static inline C. The __global__ wrappers live in preprocess_cuda.cu.
 *
 * The arithmetic is Pillow's 8-bit resampling (libImaging/Resample.c,
 * ImagingResampleHorizontal_8bpc / ImagingResampleVertical_8bpc), the same as the scalar CPU
 * reference:
 *
 *     acc = 1 << (PRECISION_BITS - 1)                    (rounding: half up)
 *     acc += pixel[first + k] * weight_fixed[k]          for k < taps, int32
 *     out = clamp(acc >> PRECISION_BITS, 0, 255)         (Pillow's clip8)
 *
 * Pass 0 (horizontal) runs over the source rows an item needs and writes the 8-bit
 * intermediate; pass 1 (vertical) reads it, places the result at (dst_x, dst_y) in the
 * out_width x out_height frame, fills the rest with the fill colour, and writes the output
 * layout of gog.h: U8 NHWC, or F32/BF16 NCHW through the per-channel normalisation LUT.
 */
#ifndef GOG_CUDA_KERNELS_H
#define GOG_CUDA_KERNELS_H

#include <stdint.h>
#include <string.h>

#include "cuda_plan.h"

#if defined(__CUDACC__)
#include <cuda_bf16.h>
#define GOG_CU_FN static __forceinline__ __host__ __device__
#else
#define GOG_CU_FN static inline
#endif

/* Pillow's clip8: the accumulator shifted down by PRECISION_BITS, clamped to 0..255. A
 * negative accumulator gives 0 (tested first so that no negative value is shifted). */
GOG_CU_FN uint32_t gog_cu_clip8(int32_t acc) {
    if (acc < 0) return 0;
    const int32_t v = acc >> GOG_CU_PRECISION_BITS;
    return v > 255 ? 255u : (uint32_t)v;
}

/* float -> bfloat16, round to nearest even (the F32 value's bf16 in gog.h). On the device
 * this is __float2bfloat16_rn; the host form is the same rounding on the bit pattern (the
 * normalised values are always finite; NaN is kept quiet for completeness). */
GOG_CU_FN uint16_t gog_cu_bf16(float f) {
#if defined(__CUDA_ARCH__)
    return __bfloat16_as_ushort(__float2bfloat16_rn(f));
#else
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
#endif
}

/* Pass 0, one intermediate pixel: row y (0 <= y < it->rows), column x (0 <= x < dst_w). */
GOG_CU_FN void gog_cu_hpass_pixel(const gog_cu_args *a, const gog_cu_item *it,
                                                int64_t y, int64_t x) {
    const int32_t *bounds = a->data + it->h_bounds + 2 * x;
    const int32_t first = bounds[0];
    const int32_t taps = bounds[1];
    const int32_t *w = a->data + it->h_weights + x * (int64_t)it->h_ksize;
    const uint8_t *s = a->src + ((int64_t)it->src_row0 + y) * a->src_pitch + (int64_t)first * 3;
    int32_t acc0 = 1 << (GOG_CU_PRECISION_BITS - 1);
    int32_t acc1 = acc0, acc2 = acc0;
    for (int32_t k = 0; k < taps; k++) {
        const int32_t wk = w[k];
        acc0 += (int32_t)s[3 * k + 0] * wk;
        acc1 += (int32_t)s[3 * k + 1] * wk;
        acc2 += (int32_t)s[3 * k + 2] * wk;
    }
    a->temp[it->temp + y * it->dst_w + x] =
        gog_cu_clip8(acc0) | (gog_cu_clip8(acc1) << 8) | (gog_cu_clip8(acc2) << 16);
}

/* Pass 1, one output pixel (oy, ox) of item i's frame; lut is the [3][256] table. */
GOG_CU_FN void gog_cu_vpass_pixel(const gog_cu_args *a, const float *lut,
                                                int64_t i, const gog_cu_item *it, int64_t oy,
                                                int64_t ox) {
    uint32_t rgb = a->fill;
    const int64_t ry = oy - it->dst_y;
    const int64_t rx = ox - it->dst_x;
    if (ry >= 0 && ry < it->dst_h && rx >= 0 && rx < it->dst_w) {
        const int32_t *bounds = a->data + it->v_bounds + 2 * ry;
        const int32_t first = bounds[0];
        const int32_t taps = bounds[1];
        const int32_t *w = a->data + it->v_weights + ry * (int64_t)it->v_ksize;
        const uint32_t *t = a->temp + it->temp + (int64_t)first * it->dst_w + rx;
        int32_t acc0 = 1 << (GOG_CU_PRECISION_BITS - 1);
        int32_t acc1 = acc0, acc2 = acc0;
        for (int32_t k = 0; k < taps; k++) {
            const uint32_t px = t[(int64_t)k * it->dst_w];
            const int32_t wk = w[k];
            acc0 += (int32_t)(px & 0xffu) * wk;
            acc1 += (int32_t)((px >> 8) & 0xffu) * wk;
            acc2 += (int32_t)((px >> 16) & 0xffu) * wk;
        }
        rgb = gog_cu_clip8(acc0) | (gog_cu_clip8(acc1) << 8) | (gog_cu_clip8(acc2) << 16);
    }
    const uint32_t r = rgb & 0xffu, g = (rgb >> 8) & 0xffu, b = (rgb >> 16) & 0xffu;
    const int64_t plane = (int64_t)a->out_height * a->out_width;
    const int64_t pix = oy * a->out_width + ox;
    if (a->dtype == GOG_DTYPE_U8) {
        uint8_t *o = (uint8_t *)a->out + (i * plane + pix) * 3;
        o[0] = (uint8_t)r;
        o[1] = (uint8_t)g;
        o[2] = (uint8_t)b;
    } else if (a->dtype == GOG_DTYPE_F32) {
        float *o = (float *)a->out + i * 3 * plane + pix;
        o[0] = lut[r];
        o[plane] = lut[256 + g];
        o[2 * plane] = lut[512 + b];
    } else {
        uint16_t *o = (uint16_t *)a->out + i * 3 * plane + pix;
        o[0] = gog_cu_bf16(lut[r]);
        o[plane] = gog_cu_bf16(lut[256 + g]);
        o[2 * plane] = gog_cu_bf16(lut[512 + b]);
    }
}

/* One thread of pass 0 over the grid: items on z, intermediate rows on y, columns on x,
 * grid-stride in every dimension (so any grid clamp covers all the work). */
GOG_CU_FN void gog_cu_hpass_thread(const gog_cu_args *a, gog_cu_idx bid,
                                                 gog_cu_idx tid, gog_cu_idx gdim,
                                                 gog_cu_idx bdim) {
    const int64_t step_y = (int64_t)gdim.y * bdim.y;
    const int64_t step_x = (int64_t)gdim.x * bdim.x;
    for (int64_t i = bid.z; i < a->n_items; i += gdim.z) {
        const gog_cu_item *it = &a->items[i];
        for (int64_t y = (int64_t)bid.y * bdim.y + tid.y; y < it->rows; y += step_y)
            for (int64_t x = (int64_t)bid.x * bdim.x + tid.x; x < it->dst_w; x += step_x)
                gog_cu_hpass_pixel(a, it, y, x);
    }
}

/* One thread of pass 1: items on z, output rows on y, output columns on x. */
GOG_CU_FN void gog_cu_vpass_thread(const gog_cu_args *a, const float *lut,
                                                 gog_cu_idx bid, gog_cu_idx tid,
                                                 gog_cu_idx gdim, gog_cu_idx bdim) {
    const int64_t step_y = (int64_t)gdim.y * bdim.y;
    const int64_t step_x = (int64_t)gdim.x * bdim.x;
    for (int64_t i = bid.z; i < a->n_items; i += gdim.z) {
        const gog_cu_item *it = &a->items[i];
        for (int64_t y = (int64_t)bid.y * bdim.y + tid.y; y < a->out_height; y += step_y)
            for (int64_t x = (int64_t)bid.x * bdim.x + tid.x; x < a->out_width; x += step_x)
                gog_cu_vpass_pixel(a, lut, i, it, y, x);
    }
}

#endif /* GOG_CUDA_KERNELS_H */
