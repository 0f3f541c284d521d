/*
 * The scalar reference against Pillow 9.4: every case of testdata/resize/manifest.tsv
 * (made by scripts/testdata/make_resize_goldens.py) must match Pillow's output EXACTLY.
 * Each case runs twice, on a packed image and on a copy with padded rows, and the F32
 * output must be the normalisation of the golden. Every SIMD variant this CPU runs is
 * checked against the same goldens within +-1 per channel (its exact-match rate is
 * printed).
 *
 *     test_resize_golden <testdata/resize folder>
 */
#include "pp_test_util.h"

#define MAX_CASES 1024

static int run_u8(const uint8_t *img, int32_t w, int32_t h, int64_t stride, gog_box box, int32_t ow,
                  int32_t oh, int32_t filter, int32_t isa, uint8_t *out) {
    gog_image_view v = {img, w, h, stride};
    gog_preprocess_params p = pp_params(ow, oh, filter, GOG_DTYPE_U8, isa);
    gog_resize_item it = {box, 0, 0, ow, oh};
    const size_t bytes = gog_preprocess_output_bytes(&p, 1);
    return gog_preprocess_run(&v, &p, &it, 1, 0, gog_preprocess_tile_count(&p, 1), out, bytes);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <testdata/resize>\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.tsv", argv[1]);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    int32_t variants[8], nvar = 0;
    for (int32_t isa = GOG_ISA_AVX2; isa <= GOG_ISA_AVX512_BF16; isa++)
        if (gog_cpu_supports(isa)) variants[nvar++] = isa;
    size_t var_total[8] = {0}, var_exact[8] = {0};

    char line[1024];
    int ncases = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        char name[128], input[128], filt[32], golden[128];
        double x1, y1, x2, y2;
        int ow, oh;
        if (sscanf(line, "%127s %127s %31s %lf %lf %lf %lf %d %d %127s", name, input, filt, &x1, &y1,
                   &x2, &y2, &ow, &oh, golden) != 10) {
            fprintf(stderr, "bad manifest line: %s", line);
            gog_test_failures++;
            continue;
        }
        const int32_t filter = strcmp(filt, "bicubic") == 0 ? GOG_FILTER_BICUBIC : GOG_FILTER_BILINEAR;
        int32_t w = 0, h = 0, gw = 0, gh = 0;
        snprintf(path, sizeof path, "%s/%s", argv[1], input);
        uint8_t *img = pp_npy_read_rgb(path, &w, &h);
        snprintf(path, sizeof path, "%s/%s", argv[1], golden);
        uint8_t *gold = pp_npy_read_rgb(path, &gw, &gh);
        if (!img || !gold || gw != ow || gh != oh) {
            fprintf(stderr, "%s: cannot read %s or %s\n", name, input, golden);
            gog_test_failures++;
            free(img);
            free(gold);
            continue;
        }
        ncases++;
        const gog_box box = {(float)x1, (float)y1, (float)x2, (float)y2};
        const size_t n = (size_t)ow * oh * 3;
        uint8_t *out = (uint8_t *)malloc(n);

        /* Scalar: exact, packed rows. */
        CHECK_STATUS(run_u8(img, w, h, (int64_t)w * 3, box, ow, oh, filter, GOG_ISA_SCALAR, out), GOG_OK);
        size_t nd = 0;
        int md = pp_max_diff_u8(out, gold, n, &nd);
        if (md != 0) {
            fprintf(stderr, "%s: scalar differs from Pillow in %zu of %zu values (max %d)\n", name, nd, n, md);
            gog_test_failures++;
        }
        /* Scalar: exact, padded rows (stride > width * 3). */
        const int64_t pstride = (int64_t)w * 3 + 7;
        uint8_t *padded = (uint8_t *)malloc((size_t)pstride * h);
        memset(padded, 0xEE, (size_t)pstride * h);
        for (int32_t y = 0; y < h; y++) memcpy(padded + (size_t)y * pstride, img + (size_t)y * w * 3, (size_t)w * 3);
        memset(out, 0, n);
        CHECK_STATUS(run_u8(padded, w, h, pstride, box, ow, oh, filter, GOG_ISA_SCALAR, out), GOG_OK);
        md = pp_max_diff_u8(out, gold, n, &nd);
        if (md != 0) {
            fprintf(stderr, "%s: scalar (padded stride) differs from Pillow in %zu values\n", name, nd);
            gog_test_failures++;
        }
        /* Scalar F32: the normalisation of Pillow's pixels, (v/255 - mean)/std in double. */
        {
            gog_image_view v = {img, w, h, (int64_t)w * 3};
            gog_preprocess_params p = pp_params(ow, oh, filter, GOG_DTYPE_F32, GOG_ISA_SCALAR);
            gog_resize_item it = {box, 0, 0, ow, oh};
            float *fo = (float *)malloc(n * sizeof(float));
            CHECK_STATUS(gog_preprocess_run(&v, &p, &it, 1, 0, 1, fo, n * sizeof(float)), GOG_OK);
            size_t bad = 0;
            for (int c = 0; c < 3; c++)
                for (size_t i = 0; i < (size_t)ow * oh; i++) {
                    const float want = (float)((gold[i * 3 + c] / 255.0 - (double)p.mean[c]) / (double)p.std[c]);
                    if (fo[(size_t)c * ow * oh + i] != want) bad++;
                }
            if (bad) {
                fprintf(stderr, "%s: scalar F32 differs from normalised Pillow in %zu values\n", name, bad);
                gog_test_failures++;
            }
            free(fo);
        }
        /* SIMD variants: within +-1 of Pillow. */
        for (int k = 0; k < nvar; k++) {
            memset(out, 0, n);
            CHECK_STATUS(run_u8(padded, w, h, pstride, box, ow, oh, filter, variants[k], out), GOG_OK);
            md = pp_max_diff_u8(out, gold, n, &nd);
            var_total[k] += n;
            var_exact[k] += n - nd;
            if (md > 1) {
                fprintf(stderr, "%s: %s differs from Pillow by %d\n", name, gog_isa_name(variants[k]), md);
                gog_test_failures++;
            }
        }
        free(padded);
        free(out);
        free(img);
        free(gold);
    }
    fclose(f);
    CHECK(ncases >= 100);
    printf("%d Pillow cases checked\n", ncases);
    for (int k = 0; k < nvar; k++)
        printf("  %-10s exact on %zu of %zu values (%.4f%%), the rest within +-1\n", gog_isa_name(variants[k]),
               var_exact[k], var_total[k], 100.0 * (double)var_exact[k] / (double)(var_total[k] ? var_total[k] : 1));
    TEST_EXIT();
}
