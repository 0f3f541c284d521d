/* Helpers for the decode tests: test-data paths, TSV manifests, .npy goldens, status names. */
#ifndef GOG_DECODE_TEST_UTIL_H
#define GOG_DECODE_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gog/gog.h"
#include "test_util.h"

#ifndef GOG_TESTDATA_DIR
#error "GOG_TESTDATA_DIR must be defined (the repository's testdata/ folder)"
#endif

/* testdata/<rel> into buf. */
static inline const char *td_path(char *buf, size_t n, const char *rel) {
    snprintf(buf, n, "%s/%s", GOG_TESTDATA_DIR, rel);
    return buf;
}

/* Reads testdata/<rel>; NULL (and a message) when missing. An empty file gives a non-NULL
 * 1-byte allocation with *len = 0. */
static inline uint8_t *td_read(const char *rel, size_t *len) {
    char path[1024];
    td_path(path, sizeof path, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    fclose(f);
    uint8_t *data = gog_test_read_file(path, len);
    if (!data) { /* gog_test_read_file returns NULL for an empty file */
        data = (uint8_t *)malloc(1);
        *len = 0;
    }
    return data;
}

/* ---- TSV ----------------------------------------------------------------------------- */

#define TSV_MAX_FIELDS 16

typedef struct tsv_row {
    char *field[TSV_MAX_FIELDS];
    int n;
} tsv_row;

typedef struct tsv {
    char *text;      /* the file, with tabs and newlines replaced by NULs */
    tsv_row *rows;   /* rows[0] is the header */
    int n_rows;
} tsv;

/* Column index of `name` in the header, or -1. */
static inline int tsv_col(const tsv *t, const char *name) {
    for (int i = 0; t->n_rows > 0 && i < t->rows[0].n; i++)
        if (strcmp(t->rows[0].field[i], name) == 0) return i;
    return -1;
}

static inline int tsv_load(const char *rel, tsv *t) {
    size_t len;
    memset(t, 0, sizeof *t);
    uint8_t *raw = td_read(rel, &len);
    if (!raw) return 0;
    t->text = (char *)realloc(raw, len + 1);
    t->text[len] = '\0';
    int cap = 64;
    t->rows = (tsv_row *)calloc((size_t)cap, sizeof *t->rows);
    char *p = t->text;
    while (*p) {
        char *eol = strchr(p, '\n');
        if (eol) *eol = '\0';
        if (*p) {
            if (t->n_rows == cap) {
                cap *= 2;
                t->rows = (tsv_row *)realloc(t->rows, (size_t)cap * sizeof *t->rows);
            }
            tsv_row *r = &t->rows[t->n_rows++];
            r->n = 0;
            char *f = p;
            for (;;) {
                char *tab = strchr(f, '\t');
                if (tab) *tab = '\0';
                if (r->n < TSV_MAX_FIELDS) r->field[r->n++] = f;
                if (!tab) break;
                f = tab + 1;
            }
        }
        if (!eol) break;
        p = eol + 1;
    }
    return t->n_rows > 0;
}

static inline void tsv_free(tsv *t) {
    free(t->text);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

/* ---- .npy (version 1-3, uint8, C order, shape (H, W, 3)) ------------------------------ */

typedef struct npy_rgb {
    uint8_t *data;
    int32_t width, height;
} npy_rgb;

static inline int npy_load_rgb(const char *rel, npy_rgb *img) {
    size_t len;
    memset(img, 0, sizeof *img);
    uint8_t *raw = td_read(rel, &len);
    if (!raw) return 0;
    int ok = 0;
    if (len >= 10 && memcmp(raw, "\x93NUMPY", 6) == 0) {
        size_t hlen, hoff;
        if (raw[6] == 1) {
            hlen = (size_t)raw[8] | (size_t)raw[9] << 8;
            hoff = 10;
        } else {
            hlen = len >= 12 ? ((size_t)raw[8] | (size_t)raw[9] << 8 | (size_t)raw[10] << 16 |
                                (size_t)raw[11] << 24)
                             : (size_t)-1;
            hoff = 12;
        }
        if (hlen != (size_t)-1 && hoff + hlen <= len) {
            char header[512];
            size_t n = hlen < sizeof header - 1 ? hlen : sizeof header - 1;
            memcpy(header, raw + hoff, n);
            header[n] = '\0';
            const char *shape = strstr(header, "'shape': (");
            int h = 0, w = 0, c = 0;
            if (strstr(header, "'descr': '|u1'") && strstr(header, "'fortran_order': False") &&
                shape && sscanf(shape, "'shape': (%d, %d, %d)", &h, &w, &c) == 3 && c == 3 &&
                h > 0 && w > 0 && (size_t)h * (size_t)w * 3 == len - hoff - hlen) {
                img->data = (uint8_t *)malloc((size_t)h * (size_t)w * 3);
                memcpy(img->data, raw + hoff + hlen, (size_t)h * (size_t)w * 3);
                img->width = w;
                img->height = h;
                ok = 1;
            }
        }
    }
    if (!ok) fprintf(stderr, "%s: not an HxWx3 uint8 .npy\n", rel);
    free(raw);
    return ok;
}

/* Largest absolute difference between two RGB8 buffers of n bytes. */
static inline int max_abs_diff(const uint8_t *a, const uint8_t *b, size_t n) {
    int m = 0;
    for (size_t i = 0; i < n; i++) {
        int d = (int)a[i] - (int)b[i];
        if (d < 0) d = -d;
        if (d > m) m = d;
    }
    return m;
}

/* ---- status names ---------------------------------------------------------------------- */

static inline gog_status status_from_name(const char *name) {
    static const char *names[] = {"GOG_OK",
                                  "GOG_ERR_INVALID_ARGUMENT",
                                  "GOG_ERR_OUT_OF_MEMORY",
                                  "GOG_ERR_DECODE",
                                  "GOG_ERR_UNSUPPORTED",
                                  "GOG_ERR_LIMIT_EXCEEDED",
                                  "GOG_ERR_BUFFER_TOO_SMALL",
                                  "GOG_ERR_CUDA",
                                  "GOG_ERR_NO_DEVICE",
                                  "GOG_ERR_INTERNAL"};
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(name, names[i]) == 0) return i;
    return -1;
}

#endif
