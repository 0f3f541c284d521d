/*
 * SIMD variants of the crop-resize-normalize tile (compiled once per ISA variant through
 * gog_add_isa_variants: AVX2+FMA with 8-float vectors, AVX-512 and AVX-512+BF16 with
 * 16-float vectors). The result is within +-1 per 8-bit channel of the scalar reference
 * (resample_scalar.c) and almost always identical to it.
 *
 * Arithmetic. Both passes use Pillow's 22-bit fixed-point weights, converted exactly to
 * float (k / 2^22), and accumulate in float with FMA from 0.5; the 8-bit result is
 * floor(clamp(acc, 0, 255)), i.e. Pillow's clip8((2^21 + sum k*v) >> 22) up to float
 * rounding of the sum. The order is Pillow's: horizontal pass, 8-bit (rounded, clipped)
 * intermediate, vertical pass, so bicubic overshoot is clipped where Pillow clips it.
 *
 * The horizontal result is made exact: an intermediate value off by one would move the
 * vertical result by up to the sum of its weights' magnitudes (more than 1 when upscaling
 * with bicubic), i.e. +-2 in the output. Each FMA rounds by at most 2^-24 of the running
 * sum, so n taps with partial sums bounded by B = 0.5 + 255 * sum|w| are off by less than
 * delta = n * B * 2^-23 in total (twice the bound). A float sum farther than delta from an
 * integer has Pillow's floor; the few lanes within delta of an integer are recomputed in
 * integers (hexact). Only the vertical pass rounds in float, hence the +-1.
 *
 * Horizontal pass, with vector lanes = source rows. A block of VL source rows is
 * transposed into T[k] (k = byte column 3x + c of the source rows; one vector of VL rows,
 * as floats), one chunk of source columns at a time so that T stays in L1. Then output
 * pixel j, channel c is sum_t w[j][t] * T[3 (xmin_j + t) + c]: a broadcast weight times a
 * vector of VL rows, with no shuffles in the inner loop. Four output pixels are computed
 * together (12 independent accumulators) over the largest tap count of the four; T is
 * zero-padded past the source range so that the extra taps (weight 0) read defined
 * values. The results of VL output pixels are transposed back into rows of the
 * intermediate. (The AVX-512 transpose-in works on bytes and leaves the rows in a fixed
 * permuted lane order, undone for free when the results are stored back as rows.)
 *
 * Intermediate rows hold the 8-bit values as floats, "tiled planar": per block of VL
 * pixels, VL red, VL green, then VL blue values. They sit in a ring (the vertical windows
 * only move down): after each block of VL new rows, every output row whose window is
 * complete is computed, sum_t w[t] * row[first + t], up to 8 output rows at a time in
 * strips of 4 pixel blocks (so the rows of a strip stay in L1 across the output rows),
 * rounded to 8 bits and staged; then each staged row is written out in one sequential
 * pass (many interleaved output streams are markedly slower): RGB8; or F32 = the
 * normalisation table value (computed as one double FMA where
 * gog_pp_lut_build verified that this reproduces the whole table, else gathered); or BF16
 * (the BF16 variant converts the F32 with vcvtneps2bf16, the others round to nearest even
 * in integer SIMD; both equal the round-to-nearest-even of the F32).
 */
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "coeffs.h"
#include "preprocess_internal.h"

#ifndef GOG_ISA_VARIANT
#error "resample_simd.c is compiled through gog_add_isa_variants"
#endif

/* ---------------------------------------------------------------------------------------
 * Vector abstraction: VL floats per vector.
 * ------------------------------------------------------------------------------------- */
#if GOG_ISA_VARIANT >= 3
#define VL 16
typedef __m512 vf;
typedef __m512i vi;
#define VF_SET1(x) _mm512_set1_ps(x)
#define VF_LOAD(p) _mm512_load_ps(p)
#define VF_STORE(p, v) _mm512_store_ps((p), (v))
#define VF_FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define VF_ZERO() _mm512_setzero_ps()

/* floor(clamp(a, 0, 255)): the 8-bit value of an accumulator that started at 0.5. */
static inline vf vf_round8(vf a) {
    a = _mm512_min_ps(_mm512_max_ps(a, _mm512_setzero_ps()), _mm512_set1_ps(255.0f));
    return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}

/* vf_round8 (clamp(floor(a), 0, 255) is the same value); the fraction a - floor(a) widens
 * the running range [*dmin, *dmax]. */
static inline vf vf_round8_frac(vf a, vf *dmin, vf *dmax) {
    const vf f = _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const vf d = _mm512_sub_ps(a, f);
    *dmin = _mm512_min_ps(*dmin, d);
    *dmax = _mm512_max_ps(*dmax, d);
    return _mm512_min_ps(_mm512_max_ps(f, _mm512_setzero_ps()), _mm512_set1_ps(255.0f));
}
/* Lanes with dmin < lo or dmax > hi. */
static inline unsigned vf_outside(vf dmin, vf lo, vf dmax, vf hi) {
    return (unsigned)(_mm512_cmp_ps_mask(dmin, lo, _CMP_LT_OQ) | _mm512_cmp_ps_mask(dmax, hi, _CMP_GT_OQ));
}
#define VF_STOREU(p, v) _mm512_storeu_ps((p), (v))
#define VF_LOADU(p) _mm512_loadu_ps(p)

static inline vf vf_from_u8(const uint8_t *p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p)));
}
static inline void vf_to_u8(uint8_t *p, vf v) {
    _mm_storeu_si128((__m128i *)p, _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(v)));
}

/* In-place transpose of a 16x16 float matrix held in 16 vectors (64 shuffles). */
static inline void transpose_vl(vf r[16]) {
    vf t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);     /* a0 b0 a1 b1 per lane */
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]); /* a2 b2 a3 b3 per lane */
    }
    for (int i = 0; i < 4; i++) {
        const __m512d t0 = _mm512_castps_pd(t[4 * i]), t1 = _mm512_castps_pd(t[4 * i + 1]);
        const __m512d t2 = _mm512_castps_pd(t[4 * i + 2]), t3 = _mm512_castps_pd(t[4 * i + 3]);
        /* u[4i + m], lane l: column 4l + m of rows 4i..4i+3 */
        u[4 * i + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
        u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
        u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
        u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
    }
    for (int m = 0; m < 4; m++) {
        /* lanes [l0, l2] of a and of b, or [l1, l3]: columns m and 8+m, or 4+m and 12+m */
        const vf ab_lo = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x88);
        const vf ab_hi = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xDD);
        const vf cd_lo = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x88);
        const vf cd_hi = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xDD);
        r[m] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0x88);
        r[8 + m] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0xDD);
        r[4 + m] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0x88);
        r[12 + m] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0xDD);
    }
}

/* The source row held by lane p of a transposed column (see load_cols). */
#define ROW_OF_LANE(p) (4 * ((p) % 4) + (p) / 4)

/* Transposes 16 bytes at offset `off` of 16 rows into T[0..15] (T[k] = byte k of every row,
 * as floats; lane p holds row ROW_OF_LANE(p)). A 16x16 byte transpose: rows 4q..4q+3 in
 * the lanes of Z[q]; byte and word unpacks give, in lane l, dword m: column 4q+m of rows
 * l, 4+l, 8+l, 12+l; one dword permute per 4 columns gathers a column's 4 dwords. */
static inline void load_cols(const uint8_t *const rp[16], size_t off, size_t rowlen, float *T) {
    __m128i x[16];
    if (off + 16 <= rowlen) {
        for (int r = 0; r < 16; r++) x[r] = _mm_loadu_si128((const __m128i *)(rp[r] + off));
    } else { /* the rows end inside these 16 bytes: never read past them */
        for (int r = 0; r < 16; r++) {
            uint8_t tmp[16] = {0};
            memcpy(tmp, rp[r] + off, rowlen - off);
            x[r] = _mm_loadu_si128((const __m128i *)tmp);
        }
    }
    __m512i z[4];
    for (int q = 0; q < 4; q++) {
        __m512i v = _mm512_castsi128_si512(x[4 * q]);
        v = _mm512_inserti32x4(v, x[4 * q + 1], 1);
        v = _mm512_inserti32x4(v, x[4 * q + 2], 2);
        z[q] = _mm512_inserti32x4(v, x[4 * q + 3], 3);
    }
    /* lane l: z0 row l, z1 row 4+l, z2 row 8+l, z3 row 12+l */
    const __m512i p0 = _mm512_unpacklo_epi8(z[0], z[1]), p1 = _mm512_unpackhi_epi8(z[0], z[1]);
    const __m512i p2 = _mm512_unpacklo_epi8(z[2], z[3]), p3 = _mm512_unpackhi_epi8(z[2], z[3]);
    __m512i q[4];
    q[0] = _mm512_unpacklo_epi16(p0, p2); /* columns 0..3   */
    q[1] = _mm512_unpackhi_epi16(p0, p2); /* columns 4..7   */
    q[2] = _mm512_unpacklo_epi16(p1, p3); /* columns 8..11  */
    q[3] = _mm512_unpackhi_epi16(p1, p3); /* columns 12..15 */
    /* dword (lane l, m) -> (lane m, l) */
    const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    for (int k = 0; k < 4; k++) {
        const __m512i c = _mm512_permutexvar_epi32(idx, q[k]); /* lane m: column 4k+m */
        float *t = T + (size_t)k * 64;
        VF_STORE(t, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_castsi512_si128(c))));
        VF_STORE(t + 16, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(c, 1))));
        VF_STORE(t + 32, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(c, 2))));
        VF_STORE(t + 48, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(c, 3))));
    }
}

static inline vi vi_from_u8(const uint8_t *p) {
    return _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p));
}
static inline vf vf_gather(const float *tab, vi idx) { return _mm512_i32gather_ps(idx, tab, 4); }
/* (float)fma((double)v, a, b) per lane, v given as integers or as integral floats. */
static inline vf vf_affine_pd(__m512d lo, __m512d hi, double a, double b) {
    const __m512d A = _mm512_set1_pd(a), B = _mm512_set1_pd(b);
    const __m256 flo = _mm512_cvtpd_ps(_mm512_fmadd_pd(lo, A, B));
    const __m256 fhi = _mm512_cvtpd_ps(_mm512_fmadd_pd(hi, A, B));
    return _mm512_insertf32x8(_mm512_castps256_ps512(flo), fhi, 1);
}
static inline vf vf_affine_i(vi v, double a, double b) {
    return vf_affine_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(v)),
                        _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(v, 1)), a, b);
}
static inline vf vf_affine_f(vf v, double a, double b) {
    return vf_affine_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(v)),
                        _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)), a, b);
}
static inline vi vf_to_vi(vf v) { return _mm512_cvttps_epi32(v); }

/* Stores the first m (1..VL) floats of v. */
static inline void store_f32(float *p, vf v, int m) {
    if (m == VL) _mm512_storeu_ps(p, v);
    else _mm512_mask_storeu_ps(p, (__mmask16)((1u << m) - 1u), v);
}

/* bf16 of VL floats, stored (first m of them). */
static inline void store_bf16(uint16_t *p, vf v, int m, int hw) {
    __m256i h;
#if GOG_ISA_VARIANT == 4
    if (hw) {
        h = (__m256i)_mm512_cvtneps_pbh(v);
    } else
#endif
    {
        (void)hw;
        /* Round to nearest even: add 0x7FFF + the lowest kept bit, keep the high half. */
        __m512i u = _mm512_castps_si512(v);
        const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
        u = _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7FFF)));
        h = _mm512_cvtepi32_epi16(_mm512_srli_epi32(u, 16));
    }
    if (m == VL) _mm256_storeu_si256((__m256i *)p, h);
    else _mm256_mask_storeu_epi16(p, (__mmask16)((1u << m) - 1u), h);
}

/* Interleaves m (1..VL) pixels given as R, G, B vectors of 8-bit values into RGB8 at p. */
static inline void put_rgb8(uint8_t *p, vf r, vf g, vf b, int m) {
    __m512i px = _mm512_or_si512(_mm512_cvttps_epi32(r), _mm512_slli_epi32(_mm512_cvttps_epi32(g), 8));
    px = _mm512_or_si512(px, _mm512_slli_epi32(_mm512_cvttps_epi32(b), 16)); /* R G B 0 */
    /* per lane: bytes 0,1,2, 4,5,6, 8,9,10, 12,13,14 (12 bytes), then dwords 0-2 of each lane */
    px = _mm512_shuffle_epi8(px, _mm512_set4_epi32((int)0x80808080, 0x0E0D0C0A, 0x09080605, 0x04020100));
    px = _mm512_permutexvar_epi32(_mm512_setr_epi32(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0, 0, 0, 0), px);
    const int nb = 3 * m;
    _mm512_mask_storeu_epi8(p, nb == 64 ? ~(__mmask64)0 : (((__mmask64)1 << nb) - 1), px);
}

#else /* AVX2 + FMA */
#define VL 8
typedef __m256 vf;
typedef __m256i vi;
#define VF_SET1(x) _mm256_set1_ps(x)
#define VF_LOAD(p) _mm256_load_ps(p)
#define VF_STORE(p, v) _mm256_store_ps((p), (v))
#define VF_FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VF_ZERO() _mm256_setzero_ps()

static inline vf vf_round8(vf a) {
    a = _mm256_min_ps(_mm256_max_ps(a, _mm256_setzero_ps()), _mm256_set1_ps(255.0f));
    return _mm256_floor_ps(a);
}

static inline vf vf_round8_frac(vf a, vf *dmin, vf *dmax) {
    const vf f = _mm256_floor_ps(a);
    const vf d = _mm256_sub_ps(a, f);
    *dmin = _mm256_min_ps(*dmin, d);
    *dmax = _mm256_max_ps(*dmax, d);
    return _mm256_min_ps(_mm256_max_ps(f, _mm256_setzero_ps()), _mm256_set1_ps(255.0f));
}
static inline unsigned vf_outside(vf dmin, vf lo, vf dmax, vf hi) {
    return (unsigned)_mm256_movemask_ps(
        _mm256_or_ps(_mm256_cmp_ps(dmin, lo, _CMP_LT_OQ), _mm256_cmp_ps(dmax, hi, _CMP_GT_OQ)));
}
#define VF_STOREU(p, v) _mm256_storeu_ps((p), (v))
#define VF_LOADU(p) _mm256_loadu_ps(p)

static inline vf vf_from_u8(const uint8_t *p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)));
}
static inline void vf_to_u8(uint8_t *p, vf v) {
    const __m256i i = _mm256_cvttps_epi32(v);
    const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256(i, 1));
    _mm_storel_epi64((__m128i *)p, _mm_packus_epi16(w, w));
}

/* In-place transpose of an 8x8 float matrix held in 8 vectors (24 shuffles). */
static inline void transpose_vl(vf r[8]) {
    vf t[8], s[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);     /* a0 b0 a1 b1 | a4 b4 a5 b5 */
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]); /* a2 b2 a3 b3 | a6 b6 a7 b7 */
    }
    for (int i = 0; i < 2; i++) {
        s[4 * i + 0] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);     /* col 0 | 4 */
        s[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);     /* col 1 | 5 */
        s[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44); /* col 2 | 6 */
        s[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE); /* col 3 | 7 */
    }
    for (int m = 0; m < 4; m++) {
        r[m] = _mm256_permute2f128_ps(s[m], s[4 + m], 0x20);
        r[4 + m] = _mm256_permute2f128_ps(s[m], s[4 + m], 0x31);
    }
}

#define ROW_OF_LANE(p) (p)

/* Transposes 8 bytes at offset `off` of 8 rows into T[0..7] (T[k] = byte k of every row). */
static inline void load_cols(const uint8_t *const rp[8], size_t off, size_t rowlen, float *T) {
    vf v[8];
    for (int r = 0; r < 8; r++) {
        __m128i x;
        if (off + 8 <= rowlen) {
            x = _mm_loadl_epi64((const __m128i *)(rp[r] + off));
        } else { /* the row ends inside these 8 bytes: never read past it */
            uint8_t tmp[8] = {0};
            memcpy(tmp, rp[r] + off, rowlen - off);
            x = _mm_loadl_epi64((const __m128i *)tmp);
        }
        v[r] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(x));
    }
    transpose_vl(v);
    for (int k = 0; k < 8; k++) VF_STORE(T + (size_t)k * 8, v[k]);
}

static inline vi vi_from_u8(const uint8_t *p) {
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));
}
static inline vf vf_gather(const float *tab, vi idx) { return _mm256_i32gather_ps(tab, idx, 4); }
static inline vf vf_affine_pd(__m256d lo, __m256d hi, double a, double b) {
    const __m256d A = _mm256_set1_pd(a), B = _mm256_set1_pd(b);
    const __m128 flo = _mm256_cvtpd_ps(_mm256_fmadd_pd(lo, A, B));
    const __m128 fhi = _mm256_cvtpd_ps(_mm256_fmadd_pd(hi, A, B));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(flo), fhi, 1);
}
static inline vf vf_affine_i(vi v, double a, double b) {
    return vf_affine_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(v)),
                        _mm256_cvtepi32_pd(_mm256_extracti128_si256(v, 1)), a, b);
}
static inline vf vf_affine_f(vf v, double a, double b) {
    return vf_affine_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)),
                        _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), a, b);
}
static inline vi vf_to_vi(vf v) { return _mm256_cvttps_epi32(v); }

static inline void store_f32(float *p, vf v, int m) {
    if (m == VL) {
        _mm256_storeu_ps(p, v);
    } else {
        const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        _mm256_maskstore_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(m), lanes), v);
    }
}

static inline void store_bf16(uint16_t *p, vf v, int m, int hw) {
    (void)hw;
    __m256i u = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    u = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7FFF))), 16);
    const __m128i h = _mm_packus_epi32(_mm256_castsi256_si128(u), _mm256_extracti128_si256(u, 1));
    if (m == VL) {
        _mm_storeu_si128((__m128i *)p, h);
    } else {
        uint16_t tmp[VL];
        _mm_storeu_si128((__m128i *)tmp, h);
        memcpy(p, tmp, (size_t)m * sizeof *p);
    }
}

static inline void put_rgb8(uint8_t *p, vf r, vf g, vf b, int m) {
    int32_t t[3][VL];
    _mm256_storeu_si256((__m256i *)t[0], _mm256_cvttps_epi32(r));
    _mm256_storeu_si256((__m256i *)t[1], _mm256_cvttps_epi32(g));
    _mm256_storeu_si256((__m256i *)t[2], _mm256_cvttps_epi32(b));
    for (int x = 0; x < m; x++) {
        p[3 * x] = (uint8_t)t[0][x];
        p[3 * x + 1] = (uint8_t)t[1][x];
        p[3 * x + 2] = (uint8_t)t[2][x];
    }
}
#endif

/* ---------------------------------------------------------------------------------------
 * Output.
 * ------------------------------------------------------------------------------------- */

/* Three planar 8-bit rows -> RGB8 / F32 / BF16 (gog_normalize_rgb8 and tests). */
void GOG_ISA_FN(gog_pp_emit)(const gog_pp_lut *lut, int32_t dtype, const uint8_t *const src[3],
                             int32_t n, void *const dst[3]) {
    if (dtype == GOG_DTYPE_U8) {
        gog_pp_emit_scalar(lut, dtype, src, n, dst);
        return;
    }
    const int hw_bf16 = GOG_ISA_VARIANT == 4 && !lut->has_subnormal;
    for (int c = 0; c < 3; c++) {
        const float *tab = lut->f32[c];
        const int affine = lut->affine_exact;
        const double a = lut->affine_a[c], b = lut->affine_b[c];
        const uint8_t *s = src[c];
        for (int32_t j = 0; j < n; j += VL) {
            const int m = n - j < VL ? (int)(n - j) : VL;
            vi idx;
            if (m == VL) {
                idx = vi_from_u8(s + j);
            } else {
                uint8_t tmp[VL] = {0};
                memcpy(tmp, s + j, (size_t)m);
                idx = vi_from_u8(tmp);
            }
            const vf f = affine ? vf_affine_i(idx, a, b) : vf_gather(tab, idx);
            if (dtype == GOG_DTYPE_F32) store_f32((float *)dst[c] + j, f, m);
            else store_bf16((uint16_t *)dst[c] + j, f, m, hw_bf16);
        }
    }
}

/* VL pixels of one output row, as R, G, B vectors of 8-bit values in floats -> the output
 * row dst (gog_pp_row_ptrs) at column j; m (1..VL) of them are inside the row. */
static inline void put_block(const gog_pp_lut *lut, int32_t dtype, int hw_bf16, const vf v[3],
                             void *const dst[3], int32_t j, int m) {
    if (dtype == GOG_DTYPE_U8) {
        put_rgb8((uint8_t *)dst[0] + (size_t)3 * j, v[0], v[1], v[2], m);
        return;
    }
    for (int c = 0; c < 3; c++) {
        const vf f = lut->affine_exact ? vf_affine_f(v[c], lut->affine_a[c], lut->affine_b[c])
                                       : vf_gather(lut->f32[c], vf_to_vi(v[c]));
        if (dtype == GOG_DTYPE_F32) store_f32((float *)dst[c] + j, f, m);
        else store_bf16((uint16_t *)dst[c] + j, f, m, hw_bf16);
    }
}

/* ---------------------------------------------------------------------------------------
 * Horizontal pass.
 * ------------------------------------------------------------------------------------- */

/* A run of output groups (VL output pixels each) sharing one transposed source chunk. */
typedef struct hchunk {
    int32_t g0, g1;  /* groups [g0, g1)                                                   */
    int32_t sx0;     /* first source pixel of T                                           */
    int32_t sx_end;  /* end of the source pixels any nonzero weight reads                  */
    int32_t t_end;   /* end of the source pixels the padded tap loops read (>= sx_end)      */
} hchunk;

typedef struct hplan {
    int32_t dwp;     /* output width padded to a multiple of VL                  */
    int32_t kst;     /* weights per output (largest tap count)                   */
    int32_t *xmin;   /* [dwp] first source pixel per output                      */
    int32_t *n4;     /* [dwp / 4] taps looped for each run of 4 outputs          */
    float *delta;    /* [dwp / 4] bound on the float error of those runs (top)    */
    float *w;        /* [dwp * kst] weights (k / 2^22), 0 past each output's taps */
    hchunk *chunks;
    int32_t nchunks;
    size_t t_floats; /* floats T needs                                            */
} hplan;

/* Transposed-chunk budget: T of at most this many bytes per chunk (unless a single group
 * needs more), so that it stays in L1 while the chunk's outputs read it. */
#define T_BUDGET_BYTES 32768

static void *alloc64(size_t bytes) {
    bytes = (bytes + 63) / 64 * 64;
    return aligned_alloc(64, bytes ? bytes : 64);
}

/* Half an ulp of a float of magnitude up to x (> 0): 2^(k - 24) for 2^k <= x < 2^(k+1). */
static double half_ulp(double x) {
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    b &= 0x7FF0000000000000ull; /* 2^k */
    double p;
    memcpy(&p, &b, sizeof p);
    return p * 0x1p-24;
}

static gog_status hplan_build(hplan *hp, const gog_coeffs *ch, int need_h, int32_t dw) {
    const int32_t dwp = (dw + VL - 1) / VL * VL;
    hp->dwp = dwp;
    int32_t kst = 1;
    for (int32_t j = 0; need_h && j < dw; j++)
        if (ch->bounds[2 * j + 1] > kst) kst = ch->bounds[2 * j + 1];
    hp->kst = kst;
    hp->xmin = (int32_t *)malloc((size_t)dwp * sizeof(int32_t));
    hp->n4 = (int32_t *)malloc((size_t)(dwp / 4) * sizeof(int32_t));
    hp->delta = (float *)malloc((size_t)(dwp / 4) * sizeof(float));
    hp->w = (float *)calloc((size_t)dwp * (size_t)kst, sizeof(float));
    const int32_t ngroups = dwp / VL;
    hp->chunks = (hchunk *)malloc((size_t)ngroups * sizeof(hchunk));
    int32_t *count = (int32_t *)malloc((size_t)dwp * sizeof(int32_t));
    if (!hp->xmin || !hp->n4 || !hp->delta || !hp->w || !hp->chunks || !count) {
        free(count);
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "preprocess: cannot allocate the horizontal plan "
                                               "(%d outputs x %d taps)", (int)dw, (int)kst);
    }
    const float to_float = 1.0f / (float)(1 << GOG_RESAMPLE_PRECISION_BITS);
    for (int32_t j = 0; j < dwp; j++) {
        float *w = hp->w + (size_t)j * kst;
        if (j >= dw) { /* padding: no taps, reads stay where the last output reads */
            hp->xmin[j] = hp->xmin[dw - 1];
            count[j] = 0;
        } else if (!need_h) { /* the identity, as Pillow skips the pass */
            hp->xmin[j] = j;
            count[j] = 1;
            w[0] = 1.0f;
        } else {
            hp->xmin[j] = ch->bounds[2 * j];
            count[j] = ch->bounds[2 * j + 1];
            const int32_t *k = ch->weights_fixed + (size_t)j * ch->ksize;
            for (int32_t t = 0; t < count[j]; t++) w[t] = (float)k[t] * to_float;
        }
    }
    for (int32_t q = 0; q < dwp / 4; q++) {
        int32_t n = 0;
        double err = 0.0; /* largest error bound of the 4 outputs (see the top of the file) */
        for (int o = 0; o < 4; o++) {
            if (count[4 * q + o] > n) n = count[4 * q + o];
            const float *w = hp->w + (size_t)(4 * q + o) * kst;
            double sum = 0.5, e = 0.0; /* bound on |partial sum|, on its accumulated error */
            for (int32_t t = 0; t < count[4 * q + o]; t++) {
                sum += 255.0 * (w[t] < 0 ? -(double)w[t] : (double)w[t]);
                e += half_ulp((sum + e) * (1.0 + 0x1p-20));
            }
            if (e > err) err = e;
        }
        hp->n4[q] = n;
        hp->delta[q] = (float)(err * (1.0 + 0x1p-10) + 0x1p-22);
    }
    /* Chunks: consecutive groups while the padded source span fits the budget. */
    const int32_t budget_px = T_BUDGET_BYTES / (3 * VL * (int32_t)sizeof(float));
    hp->nchunks = 0;
    hp->t_floats = 0;
    for (int32_t g = 0; g < ngroups;) {
        hchunk ck = {g, g, hp->xmin[g * VL], hp->xmin[g * VL], hp->xmin[g * VL]};
        while (g < ngroups) {
            int32_t real_end = ck.sx_end, t_end = ck.t_end;
            for (int32_t j = g * VL; j < (g + 1) * VL; j++) {
                if (hp->xmin[j] + count[j] > real_end) real_end = hp->xmin[j] + count[j];
                if (hp->xmin[j] + hp->n4[j / 4] > t_end) t_end = hp->xmin[j] + hp->n4[j / 4];
            }
            if (g > ck.g0 && t_end - ck.sx0 > budget_px) break;
            ck.sx_end = real_end;
            ck.t_end = t_end;
            ck.g1 = ++g;
        }
        hp->chunks[hp->nchunks++] = ck;
        size_t kreal = (size_t)(ck.sx_end - ck.sx0) * 3;
        kreal = (kreal + VL - 1) / VL * VL;
        size_t kneed = (size_t)(ck.t_end - ck.sx0) * 3;
        if (kreal > kneed) kneed = kreal;
        if (kneed * VL > hp->t_floats) hp->t_floats = kneed * VL;
    }
    free(count);
    return GOG_OK;
}

static void hplan_free(hplan *hp) {
    free(hp->xmin);
    free(hp->n4);
    free(hp->delta);
    free(hp->w);
    free(hp->chunks);
}

/* Pillow's exact 8-bit value, clip8(2^21 + sum k[t] * v[t]) in integers, of the `lanes`
 * of output j, channel c, whose float sum came too close to an integer (see the top of
 * the file); the other lanes of v are kept. Reads T as the tap loop of hblock does. */
static __attribute__((noinline)) vf hexact(const hplan *hp, const float *T, int32_t sx0,
                                           int32_t j, int c, unsigned lanes, vf v) {
    float r[VL];
    VF_STOREU(r, v);
    const int32_t n = hp->n4[j / 4];
    const float *w = hp->w + (size_t)j * hp->kst;
    const float *t = T + (size_t)(hp->xmin[j] - sx0) * 3 * VL + (size_t)c * VL;
    const float one = (float)(1 << GOG_RESAMPLE_PRECISION_BITS);
    for (int p = 0; p < VL; p++) {
        if (!(lanes >> p & 1u)) continue;
        int64_t acc = (int64_t)1 << (GOG_RESAMPLE_PRECISION_BITS - 1);
        for (int32_t k = 0; k < n; k++) /* w[k] * 2^22 is the integer weight, exactly */
            acc += (int64_t)(w[k] * one) * (int64_t)t[(size_t)k * 3 * VL + (size_t)p];
        const int64_t q = acc < 0 ? 0 : acc >> GOG_RESAMPLE_PRECISION_BITS;
        r[p] = q > 255 ? 255.0f : (float)q;
    }
    return VF_LOADU(r);
}

/* Cold path of hblock: some accumulator a[3 * oo + c] (output j + oo, channel c) of a run of
 * 4 outputs came within delta of an integer in some lanes; those lanes of hb (which holds
 * the rounded accumulators) get the exact value. */
static __attribute__((noinline)) void hexact4(const hplan *hp, const float *T, int32_t sx0,
                                              int32_t j, const vf a[12], vf lo, vf hi,
                                              vf hb[3][VL], int o) {
    for (int v = 0; v < 12; v++) {
        vf dmin = VF_SET1(1.0f), dmax = VF_ZERO();
        const vf r = vf_round8_frac(a[v], &dmin, &dmax);
        const unsigned lanes = vf_outside(dmin, lo, dmax, hi);
        if (lanes) hb[v % 3][o + v / 3] = hexact(hp, T, sx0, j + v / 3, v % 3, lanes, r);
    }
}

/* Horizontal pass of source rows [h0, h0 + VL) into their ring slots (rows at or past hend
 * repeat row hend - 1 and are not stored). */
static void hblock(const hplan *hp, const gog_image_view *im, int32_t h0, int32_t hend, float *T,
                   float *ring, int32_t cap, size_t rstride) {
    const size_t rowlen = (size_t)im->width * 3;
    const uint8_t *rp[VL];
    float *slot[VL];
    for (int r = 0; r < VL; r++) {
        const int32_t rr = h0 + r < hend ? h0 + r : hend - 1;
        rp[r] = im->data + (size_t)rr * (size_t)im->stride;
        slot[r] = h0 + r < hend ? ring + (size_t)((h0 + r) % cap) * rstride : NULL;
    }
    const int32_t kst = hp->kst;
    const vf half = VF_SET1(0.5f);
    for (int32_t ci = 0; ci < hp->nchunks; ci++) {
        const hchunk *ck = &hp->chunks[ci];
        /* Transpose the chunk's source bytes into T, then zero its padding. */
        const size_t b0 = (size_t)ck->sx0 * 3;
        const size_t nb = (size_t)(ck->sx_end - ck->sx0) * 3;
        size_t kb = 0;
        for (; kb < nb; kb += VL) load_cols(rp, b0 + kb, rowlen, T + kb * VL);
        const size_t kneed = (size_t)(ck->t_end - ck->sx0) * 3;
        for (; kb < kneed; kb++) VF_STORE(T + kb * VL, VF_ZERO());

        for (int32_t g = ck->g0; g < ck->g1; g++) {
            vf hb[3][VL];
            for (int q = 0; q < VL / 4; q++) {
                const int32_t j = g * VL + 4 * q;
                const float *t0 = T + (size_t)(hp->xmin[j] - ck->sx0) * 3 * VL;
                const float *t1 = T + (size_t)(hp->xmin[j + 1] - ck->sx0) * 3 * VL;
                const float *t2 = T + (size_t)(hp->xmin[j + 2] - ck->sx0) * 3 * VL;
                const float *t3 = T + (size_t)(hp->xmin[j + 3] - ck->sx0) * 3 * VL;
                const float *w0 = hp->w + (size_t)j * kst;
                const float *w1 = w0 + kst, *w2 = w1 + kst, *w3 = w2 + kst;
                const int32_t n = hp->n4[j / 4];
                vf a00 = half, a01 = half, a02 = half, a10 = half, a11 = half, a12 = half;
                vf a20 = half, a21 = half, a22 = half, a30 = half, a31 = half, a32 = half;
                for (int32_t k = 0; k < n; k++) {
                    vf w = VF_SET1(w0[k]);
                    a00 = VF_FMA(w, VF_LOAD(t0), a00);
                    a01 = VF_FMA(w, VF_LOAD(t0 + VL), a01);
                    a02 = VF_FMA(w, VF_LOAD(t0 + 2 * VL), a02);
                    w = VF_SET1(w1[k]);
                    a10 = VF_FMA(w, VF_LOAD(t1), a10);
                    a11 = VF_FMA(w, VF_LOAD(t1 + VL), a11);
                    a12 = VF_FMA(w, VF_LOAD(t1 + 2 * VL), a12);
                    w = VF_SET1(w2[k]);
                    a20 = VF_FMA(w, VF_LOAD(t2), a20);
                    a21 = VF_FMA(w, VF_LOAD(t2 + VL), a21);
                    a22 = VF_FMA(w, VF_LOAD(t2 + 2 * VL), a22);
                    w = VF_SET1(w3[k]);
                    a30 = VF_FMA(w, VF_LOAD(t3), a30);
                    a31 = VF_FMA(w, VF_LOAD(t3 + VL), a31);
                    a32 = VF_FMA(w, VF_LOAD(t3 + 2 * VL), a32);
                    t0 += 3 * VL;
                    t1 += 3 * VL;
                    t2 += 3 * VL;
                    t3 += 3 * VL;
                }
                const int o = 4 * q;
                /* 8-bit values, exact: see hexact and the top of the file. */
                vf dmin = VF_SET1(1.0f), dmax = VF_ZERO();
                hb[0][o] = vf_round8_frac(a00, &dmin, &dmax);
                hb[1][o] = vf_round8_frac(a01, &dmin, &dmax);
                hb[2][o] = vf_round8_frac(a02, &dmin, &dmax);
                hb[0][o + 1] = vf_round8_frac(a10, &dmin, &dmax);
                hb[1][o + 1] = vf_round8_frac(a11, &dmin, &dmax);
                hb[2][o + 1] = vf_round8_frac(a12, &dmin, &dmax);
                hb[0][o + 2] = vf_round8_frac(a20, &dmin, &dmax);
                hb[1][o + 2] = vf_round8_frac(a21, &dmin, &dmax);
                hb[2][o + 2] = vf_round8_frac(a22, &dmin, &dmax);
                hb[0][o + 3] = vf_round8_frac(a30, &dmin, &dmax);
                hb[1][o + 3] = vf_round8_frac(a31, &dmin, &dmax);
                hb[2][o + 3] = vf_round8_frac(a32, &dmin, &dmax);
                const vf lo = VF_SET1(hp->delta[j / 4]), hi = VF_SET1(1.0f - hp->delta[j / 4]);
                if (__builtin_expect(vf_outside(dmin, lo, dmax, hi) != 0, 0)) {
                    const vf a[12] = {a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32};
                    hexact4(hp, T, ck->sx0, j, a, lo, hi, hb, o);
                }
            }
            /* Back to rows: after the transpose hb[c][p] = channel c of outputs g*VL.. for the
             * row in lane p; stored into block g of that row (tiled planar). */
            for (int c = 0; c < 3; c++) {
                transpose_vl(hb[c]);
                const size_t off = (size_t)g * 3 * VL + (size_t)c * VL;
                for (int p = 0; p < VL; p++) {
                    float *s = slot[ROW_OF_LANE(p)];
                    if (s) VF_STORE(s + off, hb[c][p]);
                }
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * Vertical pass.
 * ------------------------------------------------------------------------------------- */

/* Output rows computed together before they are written out. */
#define STAGE 8

/* One output row, 4 pixel blocks (12 vectors) from float offset `off` of the rows. */
static inline void vstrip4(const float *const *rows, const float *w, int32_t n, size_t off, vf out[12]) {
    const vf half = VF_SET1(0.5f);
    vf a0 = half, a1 = half, a2 = half, a3 = half, a4 = half, a5 = half;
    vf a6 = half, a7 = half, a8 = half, a9 = half, a10 = half, a11 = half;
    for (int32_t t = 0; t < n; t++) {
        const vf wt = VF_SET1(w[t]);
        const float *p = rows[t] + off;
        a0 = VF_FMA(wt, VF_LOAD(p), a0);
        a1 = VF_FMA(wt, VF_LOAD(p + VL), a1);
        a2 = VF_FMA(wt, VF_LOAD(p + 2 * VL), a2);
        a3 = VF_FMA(wt, VF_LOAD(p + 3 * VL), a3);
        a4 = VF_FMA(wt, VF_LOAD(p + 4 * VL), a4);
        a5 = VF_FMA(wt, VF_LOAD(p + 5 * VL), a5);
        a6 = VF_FMA(wt, VF_LOAD(p + 6 * VL), a6);
        a7 = VF_FMA(wt, VF_LOAD(p + 7 * VL), a7);
        a8 = VF_FMA(wt, VF_LOAD(p + 8 * VL), a8);
        a9 = VF_FMA(wt, VF_LOAD(p + 9 * VL), a9);
        a10 = VF_FMA(wt, VF_LOAD(p + 10 * VL), a10);
        a11 = VF_FMA(wt, VF_LOAD(p + 11 * VL), a11);
    }
    out[0] = vf_round8(a0), out[1] = vf_round8(a1), out[2] = vf_round8(a2);
    out[3] = vf_round8(a3), out[4] = vf_round8(a4), out[5] = vf_round8(a5);
    out[6] = vf_round8(a6), out[7] = vf_round8(a7), out[8] = vf_round8(a8);
    out[9] = vf_round8(a9), out[10] = vf_round8(a10), out[11] = vf_round8(a11);
}

/* One output row, one pixel block (3 vectors). */
static inline void vstrip1(const float *const *rows, const float *w, int32_t n, size_t off, vf out[3]) {
    const vf half = VF_SET1(0.5f);
    vf a0 = half, a1 = half, a2 = half;
    for (int32_t t = 0; t < n; t++) {
        const vf wt = VF_SET1(w[t]);
        const float *p = rows[t] + off;
        a0 = VF_FMA(wt, VF_LOAD(p), a0);
        a1 = VF_FMA(wt, VF_LOAD(p + VL), a1);
        a2 = VF_FMA(wt, VF_LOAD(p + 2 * VL), a2);
    }
    out[0] = vf_round8(a0), out[1] = vf_round8(a1), out[2] = vf_round8(a2);
}

/* ---------------------------------------------------------------------------------------
 * Tile.
 * ------------------------------------------------------------------------------------- */
gog_status GOG_ISA_FN(gog_pp_tile)(const gog_pp_ctx *ctx, const gog_pp_tile *t) {
    const gog_resize_item *it = &ctx->items[t->item];
    const gog_image_view *im = &ctx->image;
    const int32_t dw = it->dst_w, ny = t->y1 - t->y0;
    const int need_h = gog_pp_need_pass(im->width, it->src.x1, it->src.x2, it->dst_w);
    const int need_v = gog_pp_need_pass(im->height, it->src.y1, it->src.y2, it->dst_h);
    const int32_t dtype = ctx->p.dtype;
    const int hw_bf16 = GOG_ISA_VARIANT == 4 && !ctx->lut.has_subnormal;

    gog_status st = GOG_OK;
    gog_coeffs ch = {0}, cv = {0};
    hplan hp;
    memset(&hp, 0, sizeof hp);
    int32_t *vfirst = NULL, *vcount = NULL;
    float *vw = NULL, *T = NULL, *ring = NULL;
    const float **rows = NULL;
    uint8_t *stage = NULL;

    if (need_h) {
        st = gog_coeffs_build(im->width, it->src.x1, it->src.x2, dw, ctx->p.filter, &ch);
        if (st != GOG_OK) goto done;
    }
    if (need_v) {
        st = gog_coeffs_build_range(im->height, it->src.y1, it->src.y2, it->dst_h, ctx->p.filter,
                                    t->y0, t->y1, &cv);
        if (st != GOG_OK) goto done;
    }
    st = hplan_build(&hp, &ch, need_h, dw);
    if (st != GOG_OK) goto done;

    /* Vertical windows of the tile's rows (the identity when Pillow skips the pass). */
    int32_t kst_v = 1;
    for (int32_t i = 0; need_v && i < ny; i++)
        if (cv.bounds[2 * i + 1] > kst_v) kst_v = cv.bounds[2 * i + 1];
    vfirst = (int32_t *)malloc((size_t)ny * sizeof(int32_t));
    vcount = (int32_t *)malloc((size_t)ny * sizeof(int32_t));
    vw = (float *)calloc((size_t)ny * (size_t)kst_v, sizeof(float));
    rows = (const float **)malloc((size_t)kst_v * sizeof *rows);
    if (!vfirst || !vcount || !vw || !rows) {
        st = gog_fail(GOG_ERR_OUT_OF_MEMORY, "preprocess: cannot allocate the vertical plan");
        goto done;
    }
    const float to_float = 1.0f / (float)(1 << GOG_RESAMPLE_PRECISION_BITS);
    int32_t hy0 = 0, hy1 = 0;
    for (int32_t i = 0; i < ny; i++) {
        float *w = vw + (size_t)i * kst_v;
        if (need_v) { /* cv holds rows y0..y1-1 */
            vfirst[i] = cv.bounds[2 * i];
            vcount[i] = cv.bounds[2 * i + 1];
            const int32_t *k = cv.weights_fixed + (size_t)i * cv.ksize;
            for (int32_t j = 0; j < vcount[i]; j++) w[j] = (float)k[j] * to_float;
        } else {
            vfirst[i] = t->y0 + i;
            vcount[i] = 1;
            w[0] = 1.0f;
        }
        if (i == 0 || vfirst[i] < hy0) hy0 = vfirst[i];
        if (vfirst[i] + vcount[i] > hy1) hy1 = vfirst[i] + vcount[i];
    }

    /* Ring: every pending window plus one block of new rows (see the loop below). */
    const int32_t cap = kst_v + VL;
    const size_t rstride = (size_t)3 * hp.dwp;
    T = (float *)alloc64(hp.t_floats * sizeof(float));
    ring = (float *)alloc64((size_t)cap * rstride * sizeof(float));
    stage = (uint8_t *)malloc((size_t)STAGE * rstride);
    if (!T || !ring || !stage) {
        st = gog_fail(GOG_ERR_OUT_OF_MEMORY,
                      "preprocess: cannot allocate resampling scratch (%zu + %zu floats)",
                      hp.t_floats, (size_t)cap * rstride);
        goto done;
    }

    /* Before a block of rows [h, h + VL) is resampled, every output row whose window ends at
     * or before h has been written. A pending row's window starts after h - kst_v, and the
     * block evicts rows before h + VL - cap = h - kst_v: nothing still needed. */
    const int32_t nblk = hp.dwp / VL;
    int32_t h = hy0;
    for (int32_t i0 = 0; i0 < ny;) {
        int32_t i1 = i0;
        while (i1 < ny && vfirst[i1] + vcount[i1] <= h) i1++;
        if (i1 == i0) {
            hblock(&hp, im, h, hy1, T, ring, cap, rstride);
            h += VL;
            continue;
        }
        /* Output rows [i0, i1) are complete: up to STAGE rows at a time, in strips of 4
         * pixel blocks (the ring rows of a strip stay in L1 across the rows), staged as
         * bytes, then written out row by row (contiguous output writes). */
        for (int32_t ia = i0; ia < i1; ia += STAGE) {
            const int32_t ib = i1 - ia < STAGE ? i1 : ia + STAGE;
            for (int32_t jb = 0; jb < nblk; jb += 4) {
                const int32_t nb = nblk - jb < 4 ? nblk - jb : 4;
                for (int32_t i = ia; i < ib; i++) {
                    int32_t s = vfirst[i] % cap;
                    for (int32_t j = 0; j < vcount[i]; j++) {
                        rows[j] = ring + (size_t)s * rstride;
                        if (++s == cap) s = 0;
                    }
                    const float *w = vw + (size_t)i * kst_v;
                    const size_t off = (size_t)jb * 3 * VL;
                    vf acc[12];
                    if (nb == 4) {
                        vstrip4(rows, w, vcount[i], off, acc);
                    } else {
                        for (int32_t b = 0; b < nb; b++)
                            vstrip1(rows, w, vcount[i], off + (size_t)b * 3 * VL, acc + 3 * b);
                    }
                    uint8_t *st8 = stage + (size_t)(i - ia) * rstride + off;
                    for (int32_t v = 0; v < 3 * nb; v++) vf_to_u8(st8 + (size_t)v * VL, acc[v]);
                }
            }
            for (int32_t i = ia; i < ib; i++) {
                void *dst[3];
                gog_pp_row_ptrs(ctx, t->item, it->dst_y + t->y0 + i, it->dst_x, dst);
                const uint8_t *st8 = stage + (size_t)(i - ia) * rstride;
                for (int32_t b = 0; b < nblk; b++) {
                    const int32_t j = b * VL;
                    if (j >= dw) break;
                    vf v[3];
                    for (int c = 0; c < 3; c++) v[c] = vf_from_u8(st8 + ((size_t)b * 3 + c) * VL);
                    put_block(&ctx->lut, dtype, hw_bf16, v, dst, j, dw - j < VL ? dw - j : VL);
                }
            }
        }
        i0 = i1;
    }

done:
    free(vfirst);
    free(vcount);
    free(vw);
    free(rows);
    free(T);
    free(ring);
    free(stage);
    hplan_free(&hp);
    gog_coeffs_free(&ch);
    gog_coeffs_free(&cv);
    return st;
}
