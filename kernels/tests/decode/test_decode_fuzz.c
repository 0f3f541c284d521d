/* Deterministic mutation fuzzing of gog_image_probe + gog_image_decode.
 *
 * For each of a few valid JPEG and PNG files, GOG_FUZZ_ITERS (default 5000) seeded mutants:
 * bit flips, byte overwrites (biased towards the headers), truncations, corrupted JPEG
 * marker-segment / PNG chunk lengths, insertions, deletions and block copies; PNG mutants
 * get their chunk CRCs recomputed half of the time so that the mutation reaches the parser
 * behind the CRC check. Each mutant is an exactly sized allocation (so ASan sees any read
 * past its end) and is probed, then decoded into an exactly sized output.
 *
 * Accepted outcomes: GOG_OK, or a decode-family error with a message. Not accepted: a
 * crash or sanitizer report, GOG_ERR_INTERNAL, probe and decode disagreeing on the header,
 * or a decode that fails with a size/limit error after its probe succeeded. */
#include <string.h>

#include "decode_test_util.h"

static const char *INPUTS[] = {
    "decode/jpeg_baseline_420_q90.jpg", "decode/jpeg_progressive.jpg", "decode/jpeg_exif_6.jpg",
    "decode/jpeg_exif_mm_8.jpg",        "decode/jpeg_cmyk.jpg",        "decode/jpeg_restart.jpg",
    "decode/png_rgba8.png",             "decode/png_pal4_trns.png",    "decode/png_rgba8_adam7.png",
    "decode/png_gray16_trns.png",
};

static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc32_of(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Offsets of the length fields of PNG chunks (or JPEG header segments), up to max. */
static int length_fields(const uint8_t *d, size_t n, int png, size_t *pos, int max) {
    int k = 0;
    if (png) {
        size_t p = 8;
        while (k < max && p + 12 <= n) {
            pos[k++] = p;
            const uint32_t len = be32(d + p);
            if (len > n - p - 12) break;
            p += 12 + len;
        }
    } else {
        size_t p = 2;
        while (k < max && p + 4 <= n && d[p] == 0xFF) {
            pos[k++] = p + 2;
            if (d[p + 1] == 0xDA) break;
            p += 2 + ((size_t)d[p + 2] << 8 | d[p + 3]);
        }
    }
    return k;
}

static void fix_png_crcs(uint8_t *d, size_t n) {
    size_t p = 8;
    while (p + 12 <= n) {
        const uint32_t len = be32(d + p);
        if (len > n - p - 12) break;
        put_be32(d + p + 8 + len, crc32_of(d + p + 4, 4 + (size_t)len));
        p += 12 + len;
    }
}

static const uint8_t INTERESTING[] = {0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, 0x10, 0x08};

/* One mutant of src into dst (capacity >= n + 64); returns its length. */
static size_t mutate(const uint8_t *src, size_t n, uint8_t *dst, int png, uint64_t *rng) {
    memcpy(dst, src, n);
    size_t m = n;
    const int ops = 1 + (int)(gog_test_rand(rng) % 3);
    for (int op = 0; op < ops && m > 0; op++) {
        const uint64_t r = gog_test_rand(rng);
        const size_t pos = (size_t)(gog_test_rand(rng) % m);
        const size_t head = m < 600 ? m : 600;
        switch (r % 9) {
        case 0: /* bit flip */
            dst[pos] ^= (uint8_t)(1u << (r >> 8) % 8);
            break;
        case 1: /* byte overwrite, anywhere */
            dst[pos] = (r >> 8) & 1 ? INTERESTING[(r >> 9) % sizeof INTERESTING] : (uint8_t)(r >> 16);
            break;
        case 2: /* byte overwrite in the headers */
        case 3:
            dst[(r >> 16) % head] = (r >> 8) & 1 ? INTERESTING[(r >> 9) % sizeof INTERESTING]
                                                 : (uint8_t)(r >> 32);
            break;
        case 4: /* truncation */
            if (m > 1) m = 1 + pos % (m - 1);
            break;
        case 5: { /* length field of a chunk / marker segment */
            size_t fields[64];
            const int k = length_fields(dst, m, png, fields, 64);
            if (k == 0) break;
            const size_t f = fields[(r >> 8) % (uint64_t)k];
            if (png) {
                const uint32_t old = be32(dst + f);
                const uint32_t choices[] = {0, old + 1, old - 1, 0x7FFFFFFFu, 0xFFFFFFFFu,
                                            (uint32_t)(r >> 32), old * 2, 1};
                put_be32(dst + f, choices[(r >> 16) % 8]);
            } else {
                const uint32_t old = (uint32_t)dst[f] << 8 | dst[f + 1];
                const uint32_t choices[] = {0, 1, 2, old + 1, old - 1, 0xFFFF, (uint32_t)(r >> 32),
                                            old + 16};
                const uint32_t v = choices[(r >> 16) % 8] & 0xFFFF;
                dst[f] = (uint8_t)(v >> 8);
                dst[f + 1] = (uint8_t)v;
            }
            break;
        }
        case 6: { /* insertion of 1..16 random bytes */
            const size_t k = 1 + (r >> 8) % 16;
            if (m + k > n + 64) break;
            memmove(dst + pos + k, dst + pos, m - pos);
            for (size_t i = 0; i < k; i++) dst[pos + i] = (uint8_t)gog_test_rand(rng);
            m += k;
            break;
        }
        case 7: { /* deletion of 1..64 bytes */
            size_t k = 1 + (r >> 8) % 64;
            if (k > m - pos) k = m - pos;
            memmove(dst + pos, dst + pos + k, m - pos - k);
            m -= k;
            break;
        }
        default: { /* copy a block over another place */
            const size_t from = (size_t)((r >> 8) % m);
            size_t k = 1 + (r >> 40) % 32;
            if (k > m - from) k = m - from;
            if (k > m - pos) k = m - pos;
            memmove(dst + pos, dst + from, k);
            break;
        }
        }
    }
    if (png && (gog_test_rand(rng) & 1)) fix_png_crcs(dst, m);
    return m;
}

int main(void) {
    const char *env = getenv("GOG_FUZZ_ITERS");
    const int iters = env && atoi(env) > 0 ? atoi(env) : 5000;
    crc_init();
    long outcomes[10] = {0};
    uint64_t rng = 0x6F67C0DEull;

    for (size_t i = 0; i < sizeof INPUTS / sizeof INPUTS[0]; i++) {
        size_t n;
        uint8_t *src = td_read(INPUTS[i], &n);
        if (!src) {
            gog_test_failures++;
            continue;
        }
        const int png = strstr(INPUTS[i], ".png") != NULL;
        uint8_t *work = (uint8_t *)malloc(n + 64);
        int reported = 0;
        for (int it = 0; it < iters; it++) {
            const size_t m = mutate(src, n, work, png, &rng);
            uint8_t *mut = (uint8_t *)malloc(m ? m : 1);
            memcpy(mut, work, m);

            gog_decode_options opt = {0};
            opt.max_pixels = (uint64_t)1 << 22; /* keeps every mutant cheap to decode */
            const uint64_t r = gog_test_rand(&rng);
            if (r & 1) {
                opt.target_width = 1 + (int32_t)((r >> 8) % 40);
                opt.target_height = 1 + (int32_t)((r >> 16) % 40);
            }
            opt.ignore_orientation = (r >> 24) % 4 == 0;

            gog_image_info pi, di;
            const gog_status ps = gog_image_probe(mut, m, &opt, &pi);
            size_t need = 16;
            if (ps == GOG_OK) {
                need = (size_t)pi.width * (size_t)pi.height * 3;
                if (pi.width <= 0 || pi.height <= 0 || pi.scale_denom < 1 || pi.orientation < 1 ||
                    pi.orientation > 8)
                    need = 0; /* reported below */
            }
            uint8_t *out = (uint8_t *)malloc(need ? need : 1);
            const gog_status ds = gog_image_decode(mut, m, &opt, out, need, &di);
            outcomes[ds >= 0 && ds < 10 ? ds : 9]++;

            const char *why = NULL;
            if (ps == GOG_OK && need == 0) {
                why = "probe returned impossible info";
            } else if (ps != GOG_OK) {
                if (ds != ps) why = "probe failed but decode did not fail the same way";
            } else if (ds == GOG_OK) {
                if (memcmp(&pi, &di, sizeof pi) != 0) why = "probe and decode info differ";
            } else if (ds != GOG_ERR_DECODE && ds != GOG_ERR_UNSUPPORTED &&
                       ds != GOG_ERR_OUT_OF_MEMORY) {
                why = "unexpected decode status after a successful probe";
            }
            if (ds != GOG_OK && gog_last_error()[0] == '\0') why = "failure without a message";
            if (ps == GOG_ERR_INTERNAL || ds == GOG_ERR_INTERNAL) why = "GOG_ERR_INTERNAL";
            if (ds == GOG_ERR_INVALID_ARGUMENT && m != 0) why = "INVALID_ARGUMENT for valid arguments";
            if (why) {
                gog_test_failures++;
                if (reported++ < 5) {
                    fprintf(stderr, "%s mutant %d (%zu bytes): %s (probe %d, decode %d: %s)\n",
                            INPUTS[i], it, m, why, ps, ds, gog_last_error());
                }
            }
            free(out);
            free(mut);
        }
        free(work);
        free(src);
    }
    printf("%d mutants per input; outcomes: ok %ld, decode %ld, unsupported %ld, limit %ld, "
           "oom %ld, invalid argument (empty mutant) %ld, other %ld\n",
           iters, outcomes[GOG_OK], outcomes[GOG_ERR_DECODE], outcomes[GOG_ERR_UNSUPPORTED],
           outcomes[GOG_ERR_LIMIT_EXCEEDED], outcomes[GOG_ERR_OUT_OF_MEMORY],
           outcomes[GOG_ERR_INVALID_ARGUMENT], outcomes[6] + outcomes[7] + outcomes[8] + outcomes[9]);
    TEST_EXIT();
}
