/* Pillow-exact resampling coefficients; the definition is in coeffs.h. */
#include "coeffs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double bilinear_filter(double x) {
    if (x < 0.0) x = -x;
    if (x < 1.0) return 1.0 - x;
    return 0.0;
}

/* Keys' cubic convolution with a = -0.5, written exactly as Pillow evaluates it (the
 * evaluation order matters for bit-exact fixed-point weights). */
static double bicubic_filter(double x) {
    const double a = -0.5;
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

void gog_coeffs_free(gog_coeffs *c) {
    if (!c) return;
    free(c->bounds);
    free(c->weights);
    free(c->weights_fixed);
    memset(c, 0, sizeof *c);
}

gog_status gog_coeffs_build(int32_t in_size, double in0, double in1, int32_t out_size,
                            int32_t filter, gog_coeffs *c) {
    return gog_coeffs_build_range(in_size, in0, in1, out_size, filter, 0, out_size, c);
}

gog_status gog_coeffs_build_range(int32_t in_size, double in0, double in1, int32_t out_size,
                                  int32_t filter, int32_t o0, int32_t o1, gog_coeffs *c) {
    if (!c) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "coefficients: null output struct");
    memset(c, 0, sizeof *c);
    if (in_size < 1 || out_size < 1)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "coefficients: sizes must be >= 1 (in %d, out %d)",
                        (int)in_size, (int)out_size);
    if (o0 < 0 || o0 >= o1 || o1 > out_size)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "coefficients: output range [%d, %d) is not inside [0, %d)",
                        (int)o0, (int)o1, (int)out_size);
    if (filter != GOG_FILTER_BILINEAR && filter != GOG_FILTER_BICUBIC)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "coefficients: unknown filter %d", (int)filter);
    if (!isfinite(in0) || !isfinite(in1) || fabs(in0) > 3.0e38 || fabs(in1) > 3.0e38)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "coefficients: range [%g, %g) is not finite", in0, in1);

    /* Pillow takes the box as C floats: round first, subtract in float, then widen. */
    const float f0 = (float)in0, f1 = (float)in1;
    const float span = f1 - f0;
    if (!(span > 0.0f))
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "coefficients: empty range [%g, %g)", in0, in1);

    const double fsupport = filter == GOG_FILTER_BICUBIC ? 2.0 : 1.0;
    const double scale = (double)span / out_size;
    const double filterscale = scale < 1.0 ? 1.0 : scale;
    const double support = fsupport * filterscale;
    const double ks = ceil(support) * 2 + 1;
    /* Every output reads at most in_size taps; ksize only sets the table stride. */
    if (ks > (double)INT32_MAX || ks * (double)(o1 - o0) > (double)(SIZE_MAX / 16))
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "coefficients: %d outputs x %.0f taps is too large",
                        (int)(o1 - o0), ks);
    const int32_t ksize = (int32_t)ks;
    const int32_t nout = o1 - o0;
    const size_t n = (size_t)nout * (size_t)ksize;

    c->bounds = (int32_t *)malloc((size_t)nout * 2 * sizeof(int32_t));
    c->weights = (double *)calloc(n, sizeof(double));
    c->weights_fixed = (int32_t *)calloc(n, sizeof(int32_t));
    if (!c->bounds || !c->weights || !c->weights_fixed) {
        gog_coeffs_free(c);
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "coefficients: cannot allocate %zu weights", n);
    }
    c->out_size = nout;
    c->ksize = ksize;

    const double ss = 1.0 / filterscale;
    const double one_fixed = (double)(1 << GOG_RESAMPLE_PRECISION_BITS);
    for (int32_t xx = o0; xx < o1; xx++) {
        const double center = (double)f0 + (xx + 0.5) * scale;
        /* xmin = (int)(center - support + 0.5) clamped to >= 0, xmax = (int)(center + support
         * + 0.5) clamped to <= in_size; the clamps are applied before the conversion so that
         * no out-of-range double is converted (same result as Pillow's convert-then-clamp). */
        const double lo = center - support + 0.5;
        const double hi = center + support + 0.5;
        const int32_t xmin = lo < 0.0 ? 0 : (lo >= (double)in_size ? in_size : (int32_t)lo);
        const int32_t xmax = hi < 0.0 ? 0 : (hi >= (double)in_size ? in_size : (int32_t)hi);
        int32_t count = xmax > xmin ? xmax - xmin : 0;
        if (count > ksize) count = ksize; /* cannot happen: xmax - xmin <= ceil(2 * support) */
        double *k = c->weights + (size_t)(xx - o0) * ksize;
        int32_t *kf = c->weights_fixed + (size_t)(xx - o0) * ksize;
        double ww = 0.0;
        for (int32_t x = 0; x < count; x++) {
            const double arg = (x + xmin - center + 0.5) * ss;
            const double w = filter == GOG_FILTER_BICUBIC ? bicubic_filter(arg) : bilinear_filter(arg);
            k[x] = w;
            ww += w;
        }
        if (ww != 0.0) {
            for (int32_t x = 0; x < count; x++) k[x] /= ww;
        }
        for (int32_t x = 0; x < count; x++) {
            /* normalize_coeffs_8bpc: round half away from zero. */
            kf[x] = k[x] < 0 ? (int32_t)(-0.5 + k[x] * one_fixed) : (int32_t)(0.5 + k[x] * one_fixed);
        }
        c->bounds[2 * (xx - o0)] = xmin;
        c->bounds[2 * (xx - o0) + 1] = count;
    }
    return GOG_OK;
}
