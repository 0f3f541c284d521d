/* Failure paths of gog_image_probe / gog_image_decode: the malformed files of
 * testdata/bad/manifest.tsv, argument checks, limits, buffer sizes, and every truncation of
 * a few valid files. Run under ASan+UBSan as well (no crash, no leak, no stray read). */
#include <string.h>

#include "decode_test_util.h"

static int message_set(void) { return gog_last_error()[0] != '\0'; }

/* Expects both probe (when the failure is visible in the header) and decode to fail with
 * `want`, each leaving a message. Returns the decode status. */
static void check_bad_file(const char *file, const uint8_t *data, size_t len, gog_status want) {
    gog_image_info info;
    gog_status ps = gog_image_probe(data, len, NULL, &info);
    /* Header-level failures show in probe; data-level ones (truncation, bad Huffman code,
     * CRC) only when decoding. */
    if (ps != GOG_OK && ps != want) {
        fprintf(stderr, "%s: probe returned %d, want %d or 0: %s\n", file, ps, want,
                gog_last_error());
        gog_test_failures++;
    }
    if (ps != GOG_OK) CHECK(message_set());
    if (ps != GOG_OK) {
        gog_image_info zero;
        memset(&zero, 0, sizeof zero);
        CHECK(memcmp(&info, &zero, sizeof info) == 0);
    }
    size_t cap = ps == GOG_OK ? (size_t)info.width * info.height * 3 : 16;
    uint8_t *buf = (uint8_t *)malloc(cap);
    gog_status ds = gog_image_decode(data, len, NULL, buf, cap, NULL);
    if (ds != want) {
        fprintf(stderr, "%s: decode returned %d, want %d: %s\n", file, ds, want, gog_last_error());
        gog_test_failures++;
    } else {
        CHECK(message_set());
        printf("  %-28s -> %d: %s\n", file, ds, gog_last_error());
    }
    free(buf);
}

static void bad_files(void) {
    tsv man;
    if (!tsv_load("bad/manifest.tsv", &man)) {
        gog_test_failures++;
        return;
    }
    const int c_file = tsv_col(&man, "file"), c_exp = tsv_col(&man, "expected");
    CHECK(c_file >= 0 && c_exp >= 0 && man.n_rows > 10);
    for (int r = 1; r < man.n_rows && c_file >= 0 && c_exp >= 0; r++) {
        const char *file = man.rows[r].field[c_file];
        const gog_status want = status_from_name(man.rows[r].field[c_exp]);
        CHECK(want > 0);
        char rel[512];
        snprintf(rel, sizeof rel, "bad/%s", file);
        size_t len;
        uint8_t *data = td_read(rel, &len);
        if (!data) {
            gog_test_failures++;
            continue;
        }
        check_bad_file(file, data, len, want);
        free(data);
    }
    tsv_free(&man);
}

static void arguments(void) {
    size_t len;
    uint8_t *jpg = td_read("decode/jpeg_baseline_420_q90.jpg", &len);
    if (!jpg) {
        gog_test_failures++;
        return;
    }
    gog_image_info info;
    uint8_t buf[16];
    gog_decode_options opt = {0};

    CHECK_STATUS(gog_image_probe(NULL, len, NULL, &info), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_image_probe(jpg, 0, NULL, &info), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_image_probe(jpg, len, NULL, NULL), GOG_ERR_INVALID_ARGUMENT);
    CHECK(message_set());
    CHECK_STATUS(gog_image_decode(NULL, len, NULL, buf, sizeof buf, NULL),
                 GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_image_decode(jpg, 0, NULL, buf, sizeof buf, NULL), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_image_decode(jpg, len, NULL, NULL, 1 << 20, NULL), GOG_ERR_INVALID_ARGUMENT);
    opt.reserved = 1;
    CHECK_STATUS(gog_image_probe(jpg, len, &opt, &info), GOG_ERR_INVALID_ARGUMENT);
    CHECK(strstr(gog_last_error(), "reserved") != NULL);
    opt.reserved = 0;

    /* A short prefix of a signature is an unknown format; one byte is enough to say so. */
    CHECK_STATUS(gog_image_probe(jpg, 2, NULL, &info), GOG_ERR_UNSUPPORTED);
    CHECK_STATUS(gog_image_probe(jpg, 1, NULL, &info), GOG_ERR_UNSUPPORTED);

    /* Negative or half-given targets mean "no scaling". */
    opt.target_width = -5;
    opt.target_height = 1;
    CHECK_STATUS(gog_image_probe(jpg, len, &opt, &info), GOG_OK);
    CHECK(info.scale_denom == 1);
    opt.target_width = 1;
    opt.target_height = 0;
    CHECK_STATUS(gog_image_probe(jpg, len, &opt, &info), GOG_OK);
    CHECK(info.scale_denom == 1);
    opt.target_width = opt.target_height = 1; /* 61x45 / 1 -> largest allowed: 8 */
    CHECK_STATUS(gog_image_probe(jpg, len, &opt, &info), GOG_OK);
    CHECK(info.scale_denom == 8 && info.width == 8 && info.height == 6);
    free(jpg);
}

/* max_encoded_bytes, max_pixels and out_capacity on one JPEG and one PNG. */
static void limits(const char *rel) {
    size_t len;
    uint8_t *data = td_read(rel, &len);
    if (!data) {
        gog_test_failures++;
        return;
    }
    gog_image_info info;
    CHECK_STATUS(gog_image_probe(data, len, NULL, &info), GOG_OK);
    const uint64_t px = (uint64_t)info.width * (uint64_t)info.height;
    const size_t need = (size_t)px * 3;
    uint8_t *buf = (uint8_t *)malloc(need);
    gog_decode_options opt = {0};

    opt.max_encoded_bytes = len - 1;
    CHECK_STATUS(gog_image_probe(data, len, &opt, &info), GOG_ERR_LIMIT_EXCEEDED);
    CHECK(strstr(gog_last_error(), "max_encoded_bytes") != NULL);
    CHECK_STATUS(gog_image_decode(data, len, &opt, buf, need, NULL), GOG_ERR_LIMIT_EXCEEDED);
    opt.max_encoded_bytes = len;
    CHECK_STATUS(gog_image_decode(data, len, &opt, buf, need, NULL), GOG_OK);
    opt.max_encoded_bytes = 0;

    opt.max_pixels = px - 1;
    CHECK_STATUS(gog_image_probe(data, len, &opt, &info), GOG_ERR_LIMIT_EXCEEDED);
    CHECK(strstr(gog_last_error(), "max_pixels") != NULL);
    CHECK_STATUS(gog_image_decode(data, len, &opt, buf, need, NULL), GOG_ERR_LIMIT_EXCEEDED);
    opt.max_pixels = px;
    CHECK_STATUS(gog_image_decode(data, len, &opt, buf, need, NULL), GOG_OK);
    opt.max_pixels = 0;

    /* The pixel limit is on the stored size, even when DCT scaling makes the output small. */
    opt.max_pixels = px - 1;
    opt.target_width = opt.target_height = 1;
    CHECK_STATUS(gog_image_probe(data, len, &opt, &info), GOG_ERR_LIMIT_EXCEEDED);
    memset(&opt, 0, sizeof opt);

    gog_image_info di;
    CHECK_STATUS(gog_image_probe(data, len, NULL, &info), GOG_OK);
    CHECK_STATUS(gog_image_decode(data, len, NULL, buf, need - 1, &di), GOG_ERR_BUFFER_TOO_SMALL);
    CHECK(message_set());
    CHECK(di.width == info.width && di.height == info.height); /* the size the caller needs */
    CHECK_STATUS(gog_image_decode(data, len, NULL, buf, 0, NULL), GOG_ERR_BUFFER_TOO_SMALL);
    CHECK_STATUS(gog_image_decode(data, len, NULL, buf, need, &di), GOG_OK);
    free(buf);
    free(data);
}

/* Every strict prefix of a valid file fails (JPEG needs its EOI, PNG its IEND) with a
 * status from the decode family, never a crash. */
static void truncations(const char *rel) {
    size_t len;
    uint8_t *data = td_read(rel, &len);
    if (!data) {
        gog_test_failures++;
        return;
    }
    gog_image_info info;
    CHECK_STATUS(gog_image_probe(data, len, NULL, &info), GOG_OK);
    const size_t need = (size_t)info.width * info.height * 3;
    uint8_t *buf = (uint8_t *)malloc(need);
    int bad = 0;
    for (size_t n = 1; n < len; n++) {
        uint8_t *copy = (uint8_t *)malloc(n); /* exact size: ASan sees any read past n */
        memcpy(copy, data, n);
        const gog_status s = gog_image_decode(copy, n, NULL, buf, need, NULL);
        if (s != GOG_ERR_DECODE && s != GOG_ERR_UNSUPPORTED && !bad++) {
            fprintf(stderr, "%s cut to %zu of %zu bytes: status %d: %s\n", rel, n, len, s,
                    gog_last_error());
        }
        free(copy);
    }
    CHECK(bad == 0);
    CHECK_STATUS(gog_image_decode(data, len, NULL, buf, need, NULL), GOG_OK);
    free(buf);
    free(data);
}

int main(void) {
    printf("bad files:\n");
    bad_files();
    arguments();
    limits("decode/jpeg_baseline_420_q90.jpg");
    limits("decode/png_rgba8.png");
    truncations("decode/jpeg_baseline_420_q90.jpg");
    truncations("decode/jpeg_progressive.jpg");
    truncations("decode/jpeg_exif_6.jpg");
    truncations("decode/jpeg_cmyk.jpg");
    truncations("decode/png_rgba8.png");
    truncations("decode/png_rgba8_adam7.png");
    truncations("decode/png_pal2_trns.png");
    TEST_EXIT();
}
