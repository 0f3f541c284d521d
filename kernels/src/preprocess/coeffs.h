/*
 * Resampling coefficients of Pillow's separable resize (libImaging/Resample.c, Pillow 9.4).
 *
 * For one axis, output sample xx (0 <= xx < out_size) of the box [in0, in1) is
 *
 *     scale       = (in1 - in0) / out_size        (the difference taken in float, as Pillow
 *                                                  receives the box as C floats)
 *     filterscale = max(scale, 1)                 (antialiasing: the kernel widens when shrinking)
 *     support     = filter_support * filterscale  (1 for bilinear, 2 for bicubic)
 *     ksize       = ceil(support) * 2 + 1
 *     center      = in0 + (xx + 0.5) * scale
 *     xmin        = max(0, (int)(center - support + 0.5))
 *     xmax        = min(in_size, (int)(center + support + 0.5))
 *     w[x]        = filter((x + xmin - center + 0.5) * (1 / filterscale)),   0 <= x < xmax - xmin
 *
 * normalised by their sum (unless the sum is 0). Pillow's 8-bit path then turns each weight
 * into 22-bit fixed point (PRECISION_BITS = 32 - 8 - 2), rounding half away from zero:
 *
 *     fixed = (int)(w * 2^22 + 0.5)  for w >= 0,   (int)(w * 2^22 - 0.5)  for w < 0
 *
 * and an output value is clip8((2^21 + sum(fixed[x] * in[xmin + x])) >> 22).
 *
 * Filters (Pillow's exact formulas):
 *     bilinear (triangle, support 1):  1 - |x| for |x| < 1, else 0
 *     bicubic  (a = -0.5, support 2):  ((a + 2)|x| - (a + 3))|x|^2 + 1      for |x| < 1
 *                                      (((|x| - 5)|x| + 8)|x| - 4) * a       for 1 <= |x| < 2
 *                                      0                                     otherwise
 */
#ifndef GOG_PREPROCESS_COEFFS_H
#define GOG_PREPROCESS_COEFFS_H

#include <stdint.h>

#include "../common/internal.h"

/* Fixed-point precision of Pillow's 8-bit resampling. */
#define GOG_RESAMPLE_PRECISION_BITS 22

typedef struct gog_coeffs {
    int32_t out_size;        /* outputs                                                  */
    int32_t ksize;           /* taps per output (window width incl. zero padding)         */
    int32_t *bounds;         /* [out_size * 2]: first input index, number of taps used    */
    double *weights;         /* [out_size * ksize]: normalised weights (zeros past count)  */
    int32_t *weights_fixed;  /* [out_size * ksize]: Pillow's 22-bit fixed-point weights    */
} gog_coeffs;

/* Builds the coefficients for resampling [in0, in1) of an axis of in_size samples to
 * out_size samples with filter GOG_FILTER_BILINEAR or GOG_FILTER_BICUBIC. in0 and in1 are
 * taken as floats (they are rounded to float first, as Pillow receives them), with
 * in0 < in1. On success *c owns its arrays (release with gog_coeffs_free); on failure *c is
 * left empty. Errors: GOG_ERR_INVALID_ARGUMENT (null c, sizes < 1, non-finite or empty
 * range, unknown filter), GOG_ERR_OUT_OF_MEMORY. */
GOG_PRIVATE_API gog_status gog_coeffs_build(int32_t in_size, double in0, double in1,
                                            int32_t out_size, int32_t filter, gog_coeffs *c);

/* As gog_coeffs_build, for outputs [o0, o1) of the out_size outputs only (0 <= o0 < o1 <=
 * out_size): c->out_size = o1 - o0 and entry i of c is output o0 + i, with exactly the
 * values gog_coeffs_build gives that output. */
GOG_INTERNAL gog_status gog_coeffs_build_range(int32_t in_size, double in0, double in1,
                                               int32_t out_size, int32_t filter, int32_t o0,
                                               int32_t o1, gog_coeffs *c);

/* Frees the arrays of c (safe on an empty or already freed struct) and empties it. */
GOG_PRIVATE_API void gog_coeffs_free(gog_coeffs *c);

#endif /* GOG_PREPROCESS_COEFFS_H */
