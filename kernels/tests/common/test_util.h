/* Minimal test helpers for the C-level tests: CHECK macros, a seeded PRNG, file reading. */
#ifndef GOG_TEST_UTIL_H
#define GOG_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int gog_test_failures = 0;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);    \
            gog_test_failures++;                                                        \
        }                                                                               \
    } while (0)

#define CHECK_STATUS(expr, expected)                                                    \
    do {                                                                                \
        gog_status _s = (expr);                                                         \
        if (_s != (expected)) {                                                         \
            fprintf(stderr, "%s:%d: %s returned %d (want %d): %s\n", __FILE__, __LINE__, \
                    #expr, (int)_s, (int)(expected), gog_last_error());                 \
            gog_test_failures++;                                                        \
        }                                                                               \
    } while (0)

#define TEST_EXIT()                                                                     \
    do {                                                                                \
        if (gog_test_failures) {                                                        \
            fprintf(stderr, "%d check(s) failed\n", gog_test_failures);                 \
            return 1;                                                                   \
        }                                                                               \
        printf("ok\n");                                                                 \
        return 0;                                                                       \
    } while (0)

/* CTest treats this exit code as "skipped" (SKIP_RETURN_CODE 77). */
#define GOG_TEST_SKIP 77

/* splitmix64: small, seeded, reproducible. */
static inline uint64_t gog_test_rand(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Reads a whole file into a malloc'd buffer; NULL on error. */
static inline uint8_t *gog_test_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n > 0 ? (uint8_t *)malloc((size_t)n) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = buf ? (size_t)n : 0;
    return buf;
}

#endif
