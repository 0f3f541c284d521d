/* Utilities shared by the preprocess tests: .npy reading, seeded images, single-call runs. */
#ifndef GOG_PP_TEST_UTIL_H
#define GOG_PP_TEST_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gog/gog.h"
#include "test_util.h"

/* Reads a uint8 .npy array of shape (h, w, 3) (C order). Returns a malloc'd buffer or NULL. */
static inline uint8_t *pp_npy_read_rgb(const char *path, int32_t *w, int32_t *h) {
    size_t len = 0;
    uint8_t *buf = gog_test_read_file(path, &len);
    if (!buf) return NULL;
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0) {
        free(buf);
        return NULL;
    }
    size_t hlen, hoff;
    if (buf[6] == 1) {
        hlen = (size_t)buf[8] | ((size_t)buf[9] << 8);
        hoff = 10;
    } else {
        if (len < 12) { free(buf); return NULL; }
        hlen = (size_t)buf[8] | ((size_t)buf[9] << 8) | ((size_t)buf[10] << 16) | ((size_t)buf[11] << 24);
        hoff = 12;
    }
    if (hoff + hlen > len) { free(buf); return NULL; }
    char *hdr = (char *)malloc(hlen + 1);
    memcpy(hdr, buf + hoff, hlen);
    hdr[hlen] = 0;
    int ok = strstr(hdr, "'descr': '|u1'") != NULL && strstr(hdr, "'fortran_order': False") != NULL;
    const char *sh = strstr(hdr, "'shape': (");
    long hh = 0, ww = 0, cc = 0;
    if (!ok || !sh || sscanf(sh, "'shape': (%ld, %ld, %ld)", &hh, &ww, &cc) != 3 || cc != 3) ok = 0;
    free(hdr);
    const size_t need = (size_t)hh * (size_t)ww * 3;
    if (!ok || hoff + hlen + need != len) { free(buf); return NULL; }
    uint8_t *px = (uint8_t *)malloc(need ? need : 1);
    memcpy(px, buf + hoff + hlen, need);
    free(buf);
    *w = (int32_t)ww;
    *h = (int32_t)hh;
    return px;
}

/* Seeded test image: kind 0 uniform noise, 1 smooth gradient with mild noise, 2 blocks of
 * flat colour with hard edges (overshoot at every edge). Row stride = w*3 + pad. */
static inline uint8_t *pp_make_image(uint64_t seed, int32_t w, int32_t h, int32_t pad, int kind) {
    const size_t stride = (size_t)w * 3 + (size_t)pad;
    uint8_t *im = (uint8_t *)malloc(stride * (size_t)h);
    uint64_t s = seed;
    const double fx = 1.0 + (gog_test_rand(&s) % 5), fy = 1.0 + (gog_test_rand(&s) % 5);
    for (int32_t y = 0; y < h; y++) {
        uint8_t *row = im + (size_t)y * stride;
        for (int32_t x = 0; x < w; x++) {
            for (int c = 0; c < 3; c++) {
                uint8_t v;
                if (kind == 0) {
                    v = (uint8_t)(gog_test_rand(&s) >> 56);
                } else if (kind == 1) {
                    double t = 127.5 + 110.0 * sin(6.2831853 * (fx * x / (w + 1.0) + fy * y / (h + 1.0)) + c);
                    t += (double)((int)(gog_test_rand(&s) % 7) - 3);
                    v = (uint8_t)(t < 0 ? 0 : t > 255 ? 255 : t);
                } else {
                    v = (((x / 5) + (y / 3) + c) & 1) ? 250 : 5;
                }
                row[3 * x + c] = v;
            }
        }
        for (int32_t p = 0; p < pad; p++) row[(size_t)w * 3 + p] = 0xA5;
    }
    return im;
}

/* Uniform double in [0, 1). */
static inline double pp_rand01(uint64_t *s) { return (double)(gog_test_rand(s) >> 11) * (1.0 / 9007199254740992.0); }

/* Maximum absolute difference between two byte arrays, and the count of differing bytes. */
static inline int pp_max_diff_u8(const uint8_t *a, const uint8_t *b, size_t n, size_t *ndiff) {
    int m = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const int d = abs((int)a[i] - (int)b[i]);
        if (d) k++;
        if (d > m) m = d;
    }
    if (ndiff) *ndiff = k;
    return m;
}

/* Default-ish parameters: CLIP mean/std, given size, filter, dtype and ISA. */
static inline gog_preprocess_params pp_params(int32_t ow, int32_t oh, int32_t filter, int32_t dtype,
                                              int32_t isa) {
    gog_preprocess_params p;
    memset(&p, 0, sizeof p);
    p.out_width = ow;
    p.out_height = oh;
    p.filter = filter;
    p.dtype = dtype;
    p.isa = isa;
    p.mean[0] = 0.48145466f, p.mean[1] = 0.4578275f, p.mean[2] = 0.40821073f;
    p.std[0] = 0.26862954f, p.std[1] = 0.26130258f, p.std[2] = 0.27577711f;
    p.fill[0] = 124, p.fill[1] = 116, p.fill[2] = 104;
    return p;
}

/* bf16 (round to nearest even) of a float, written independently of the library. */
static inline uint16_t pp_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    const uint32_t lsb = (u >> 16) & 1u;
    return (uint16_t)((u + 0x7FFFu + lsb) >> 16);
}

#endif
