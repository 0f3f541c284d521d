/* Every row of testdata/decode/manifest.tsv decodes to its golden (made by Pillow / numpy,
 * see scripts/testdata/make_decode_data.py) within the row's tolerance, and probe and
 * decode report the header fields listed in testdata/decode/info.tsv. */
#include <string.h>

#include "decode_test_util.h"

#define GUARD 64
#define GUARD_BYTE 0xA5

static const char *INFO_FIELDS[] = {"format",        "width",       "height",   "stored_width",
                                    "stored_height", "orientation", "scale_denom", "channels",
                                    "bit_depth",     "has_alpha",   "progressive"};

static int32_t info_field(const gog_image_info *in, int i) {
    const int32_t v[] = {in->format,      in->width,       in->height,   in->stored_width,
                         in->stored_height, in->orientation, in->scale_denom, in->channels,
                         in->bit_depth,   in->has_alpha,   in->progressive};
    return v[i];
}

/* Decodes `data` with `opt` into an exactly sized buffer followed by guard bytes; checks
 * the guard and returns the pixels (caller frees) or NULL. */
static uint8_t *decode_checked(const char *name, const uint8_t *data, size_t len,
                               const gog_decode_options *opt, gog_image_info *info) {
    gog_image_info probed;
    gog_status s = gog_image_probe(data, len, opt, &probed);
    if (s != GOG_OK) {
        fprintf(stderr, "%s: probe failed: %s\n", name, gog_last_error());
        gog_test_failures++;
        return NULL;
    }
    const size_t need = (size_t)probed.width * (size_t)probed.height * 3;
    uint8_t *buf = (uint8_t *)malloc(need + GUARD);
    memset(buf, GUARD_BYTE, need + GUARD);
    s = gog_image_decode(data, len, opt, buf, need, info);
    if (s != GOG_OK) {
        fprintf(stderr, "%s: decode failed: %s\n", name, gog_last_error());
        gog_test_failures++;
        free(buf);
        return NULL;
    }
    if (memcmp(&probed, info, sizeof probed) != 0) {
        fprintf(stderr, "%s: probe and decode disagree on the image info\n", name);
        gog_test_failures++;
    }
    for (size_t i = 0; i < GUARD; i++) {
        if (buf[need + i] != GUARD_BYTE) {
            fprintf(stderr, "%s: decode wrote past the output size\n", name);
            gog_test_failures++;
            break;
        }
    }
    return buf;
}


/* Reference orientation, pixel by pixel from Pillow's transposes: source (column c, row r)
 * of the W x H image goes to (x, y) of the oriented image. */
static void ref_orient(const uint8_t *src, int32_t W, int32_t H, int32_t o, uint8_t *dst) {
    const int32_t dw = o >= 5 ? H : W;
    for (int32_t r = 0; r < H; r++) {
        for (int32_t c = 0; c < W; c++) {
            int32_t x = c, y = r;
            switch (o) {
            case 2: x = W - 1 - c; break;
            case 3: x = W - 1 - c; y = H - 1 - r; break;
            case 4: y = H - 1 - r; break;
            case 5: x = r; y = c; break;
            case 6: x = H - 1 - r; y = c; break;
            case 7: x = H - 1 - r; y = W - 1 - c; break;
            case 8: x = r; y = W - 1 - c; break;
            default: break;
            }
            memcpy(dst + ((size_t)y * dw + x) * 3, src + ((size_t)r * W + c) * 3, 3);
        }
    }
}

/* A copy of a JPEG with an APP1 EXIF block (little-endian TIFF, IFD0 holding only the
 * orientation) inserted after SOI. */
static uint8_t *with_exif(const uint8_t *jpg, size_t len, int o, size_t *out_len) {
    static const uint8_t tmpl[] = {0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
                                   'I', 'I', 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00,
                                   0x01, 0x00,                          /* 1 entry */
                                   0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00,              /* value */
                                   0x00, 0x00, 0x00, 0x00};             /* next IFD */
    *out_len = len + sizeof tmpl;
    uint8_t *b = (uint8_t *)malloc(*out_len);
    memcpy(b, jpg, 2);
    memcpy(b + 2, tmpl, sizeof tmpl);
    b[2 + 28] = (uint8_t)o;
    memcpy(b + 2 + sizeof tmpl, jpg + 2, len - 2);
    return b;
}

/* Larger images (several 64-row strips, a partial last strip, with and without DCT
 * scaling) in every orientation against ref_orient of the unoriented decode. */
static void orientation_strips(const char *rel, int32_t tw, int32_t th) {
    size_t len;
    uint8_t *jpg = td_read(rel, &len);
    if (!jpg) {
        gog_test_failures++;
        return;
    }
    for (int o = 1; o <= 8; o++) {
        gog_decode_options base_opt = {0}, opt = {0};
        /* The target is given in the oriented frame: the stored-frame decode uses it swapped. */
        base_opt.target_width = o >= 5 ? th : tw;
        base_opt.target_height = o >= 5 ? tw : th;
        opt.target_width = tw;
        opt.target_height = th;
        gog_image_info bi, info;
        uint8_t *base = decode_checked(rel, jpg, len, &base_opt, &bi);
        size_t elen;
        uint8_t *ejpg = with_exif(jpg, len, o, &elen);
        uint8_t *px = decode_checked(rel, ejpg, elen, &opt, &info);
        if (base && px) {
            CHECK(info.orientation == o && info.scale_denom == bi.scale_denom);
            CHECK(info.width == (o >= 5 ? bi.height : bi.width));
            const size_t n = (size_t)bi.width * bi.height * 3;
            uint8_t *want = (uint8_t *)malloc(n);
            ref_orient(base, bi.width, bi.height, o, want);
            if (memcmp(want, px, n) != 0) {
                fprintf(stderr, "%s orientation %d target %dx%d: differs from the reference\n",
                        rel, o, tw, th);
                gog_test_failures++;
            }
            free(want);
        }
        free(base);
        free(px);
        free(ejpg);
    }
    free(jpg);
}

int main(void) {
    tsv man, inf;
    if (!tsv_load("decode/manifest.tsv", &man) || !tsv_load("decode/info.tsv", &inf)) {
        fprintf(stderr, "test data missing under %s\n", GOG_TESTDATA_DIR);
        return 1;
    }
    const int c_file = tsv_col(&man, "file"), c_golden = tsv_col(&man, "golden"),
              c_tol = tsv_col(&man, "tolerance"), c_tw = tsv_col(&man, "target_w"),
              c_th = tsv_col(&man, "target_h");
    CHECK(c_file >= 0 && c_golden >= 0 && c_tol >= 0 && c_tw >= 0 && c_th >= 0);
    CHECK(man.n_rows == inf.n_rows && man.n_rows > 40);
    if (gog_test_failures) return 1;
    int info_cols[11];
    for (int i = 0; i < 11; i++) {
        info_cols[i] = tsv_col(&inf, INFO_FIELDS[i]);
        CHECK(info_cols[i] >= 0);
    }
    if (gog_test_failures) return 1;

    int rows_checked = 0;
    for (int r = 1; r < man.n_rows; r++) {
        const tsv_row *row = &man.rows[r], *irow = &inf.rows[r];
        const char *file = row->field[c_file];
        /* info.tsv lists the same rows in the same order. */
        CHECK(strcmp(irow->field[0], file) == 0 && strcmp(irow->field[1], row->field[c_tw]) == 0 &&
              strcmp(irow->field[2], row->field[c_th]) == 0);
        char rel[512], name[600];
        snprintf(rel, sizeof rel, "decode/%s", file);
        snprintf(name, sizeof name, "%s (target %sx%s)", file, row->field[c_tw], row->field[c_th]);
        size_t len;
        uint8_t *data = td_read(rel, &len);
        snprintf(rel, sizeof rel, "decode/%s", row->field[c_golden]);
        npy_rgb golden;
        if (!data || !npy_load_rgb(rel, &golden)) {
            gog_test_failures++;
            free(data);
            continue;
        }
        gog_decode_options opt = {0};
        opt.target_width = atoi(row->field[c_tw]);
        opt.target_height = atoi(row->field[c_th]);
        const int tol = atoi(row->field[c_tol]);

        gog_image_info info;
        uint8_t *px = decode_checked(name, data, len, &opt, &info);
        if (px) {
            for (int i = 0; i < 11; i++) {
                const int32_t want = atoi(irow->field[info_cols[i]]);
                if (info_field(&info, i) != want) {
                    fprintf(stderr, "%s: info.%s = %d, want %d\n", name, INFO_FIELDS[i],
                            info_field(&info, i), want);
                    gog_test_failures++;
                }
            }
            if (info.width != golden.width || info.height != golden.height) {
                fprintf(stderr, "%s: decoded %dx%d, golden %dx%d\n", name, info.width,
                        info.height, golden.width, golden.height);
                gog_test_failures++;
            } else {
                const int d = max_abs_diff(px, golden.data, (size_t)golden.width * golden.height * 3);
                if (d > tol) {
                    fprintf(stderr, "%s: max abs diff %d > tolerance %d\n", name, d, tol);
                    gog_test_failures++;
                }
            }
            free(px);
            rows_checked++;
        }

        /* NULL options are the defaults. */
        if (opt.target_width == 0) {
            gog_image_info a, b;
            CHECK_STATUS(gog_image_probe(data, len, NULL, &a), GOG_OK);
            CHECK_STATUS(gog_image_probe(data, len, &opt, &b), GOG_OK);
            CHECK(memcmp(&a, &b, sizeof a) == 0);
        }
        free(data);
        free(golden.data);
    }
    printf("%d manifest rows decoded\n", rows_checked);

    /* ignore_orientation: jpeg_exif_{1..8} hold the same pixels, so each decodes to the
     * golden of orientation 1, in the stored frame, reporting orientation 1. */
    npy_rgb g1;
    if (npy_load_rgb("decode/golden/jpeg_exif_1.npy", &g1)) {
        for (int o = 1; o <= 8; o++) {
            char rel[128];
            snprintf(rel, sizeof rel, "decode/jpeg_exif_%d.jpg", o);
            size_t len;
            uint8_t *data = td_read(rel, &len);
            if (!data) {
                gog_test_failures++;
                continue;
            }
            gog_decode_options opt = {0};
            opt.ignore_orientation = 1;
            gog_image_info info;
            uint8_t *px = decode_checked(rel, data, len, &opt, &info);
            if (px) {
                CHECK(info.orientation == 1);
                CHECK(info.width == g1.width && info.height == g1.height);
                CHECK(info.width == info.stored_width && info.height == info.stored_height);
                if (info.width == g1.width && info.height == g1.height)
                    CHECK(max_abs_diff(px, g1.data, (size_t)g1.width * g1.height * 3) == 0);
                free(px);
            }
            /* A target in the oriented frame: for 5..8 the stored frame is transposed. */
            memset(&opt, 0, sizeof opt);
            opt.target_width = 20;
            opt.target_height = 29; /* oriented 59x41 -> min(2, 1) = 1; 41x59 -> min(2, 2) = 2 */
            CHECK_STATUS(gog_image_probe(data, len, &opt, &info), GOG_OK);
            CHECK(info.scale_denom == (o >= 5 ? 2 : 1));
            free(data);
        }
        free(g1.data);
    } else {
        gog_test_failures++;
    }

    /* The reference transform agrees with Pillow's goldens... */
    npy_rgb g[9];
    int loaded = 1;
    for (int o = 1; o <= 8; o++) {
        char rel[128];
        snprintf(rel, sizeof rel, "decode/golden/jpeg_exif_%d.npy", o);
        loaded &= npy_load_rgb(rel, &g[o]);
    }
    if (loaded) {
        for (int o = 1; o <= 8; o++) {
            const size_t n = (size_t)g[1].width * g[1].height * 3;
            uint8_t *t = (uint8_t *)malloc(n);
            ref_orient(g[1].data, g[1].width, g[1].height, o, t);
            CHECK(g[o].width == (o >= 5 ? g[1].height : g[1].width));
            CHECK(memcmp(t, g[o].data, n) == 0);
            free(t);
        }
    } else {
        gog_test_failures++;
    }
    for (int o = 1; o <= 8; o++) free(g[o].data);
    /* ... and the strip-wise orientation in the decoder agrees with it on larger images. */
    orientation_strips("photos/sample-2.jpg", 0, 0);      /* 800x531: 9 strips, last partial */
    orientation_strips("photos/sample-2.jpg", 100, 100);  /* DCT-scaled 1/4 */
    orientation_strips("decode/jpeg_cmyk.jpg", 0, 0);     /* CMYK path */
    orientation_strips("bench/photo-1080p.jpg", 0, 0);

    tsv_free(&man);
    tsv_free(&inf);
    TEST_EXIT();
}
