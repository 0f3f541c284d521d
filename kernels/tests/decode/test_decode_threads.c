/* Concurrency: several threads decode the same encoded bytes (every manifest row, shared
 * read-only buffers) at the same time; each result must equal its golden, and each thread's
 * gog_last_error stays its own. */
#include <pthread.h>
#include <string.h>

#include "decode_test_util.h"

#define THREADS 4
#define ROUNDS 3

typedef struct item {
    uint8_t *data;
    size_t len;
    gog_decode_options opt;
    npy_rgb golden;
    int tolerance;
} item;

typedef struct job {
    const item *items;
    int n_items;
    int index;
    int failures;
} job;

static void *worker(void *arg) {
    job *j = (job *)arg;
    for (int round = 0; round < ROUNDS; round++) {
        for (int k = 0; k < j->n_items; k++) {
            /* Each thread walks the list from a different start. */
            const item *it = &j->items[(k + j->index * 7) % j->n_items];
            const size_t need = (size_t)it->golden.width * it->golden.height * 3;
            uint8_t *out = (uint8_t *)malloc(need);
            gog_image_info info;
            const gog_status s = gog_image_decode(it->data, it->len, &it->opt, out, need, &info);
            if (s != GOG_OK || info.width != it->golden.width ||
                max_abs_diff(out, it->golden.data, need) > it->tolerance) {
                j->failures++;
            }
            free(out);
            /* A failure on this thread sets this thread's message only. */
            char expect[64];
            snprintf(expect, sizeof expect, "gog_decode_options.reserved must be 0 (is %d)",
                     j->index + 1);
            gog_decode_options bad = {0};
            bad.reserved = j->index + 1;
            if (gog_image_probe(it->data, it->len, &bad, &info) != GOG_ERR_INVALID_ARGUMENT ||
                strcmp(gog_last_error(), expect) != 0) {
                j->failures++;
            }
        }
    }
    return NULL;
}

int main(void) {
    tsv man;
    if (!tsv_load("decode/manifest.tsv", &man)) return 1;
    const int c_file = tsv_col(&man, "file"), c_golden = tsv_col(&man, "golden"),
              c_tol = tsv_col(&man, "tolerance"), c_tw = tsv_col(&man, "target_w"),
              c_th = tsv_col(&man, "target_h");
    item *items = (item *)calloc((size_t)man.n_rows, sizeof *items);
    int n = 0;
    for (int r = 1; r < man.n_rows; r++) {
        char rel[512];
        item *it = &items[n];
        snprintf(rel, sizeof rel, "decode/%s", man.rows[r].field[c_file]);
        it->data = td_read(rel, &it->len);
        snprintf(rel, sizeof rel, "decode/%s", man.rows[r].field[c_golden]);
        if (!it->data || !npy_load_rgb(rel, &it->golden)) {
            gog_test_failures++;
            free(it->data);
            continue;
        }
        it->opt.target_width = atoi(man.rows[r].field[c_tw]);
        it->opt.target_height = atoi(man.rows[r].field[c_th]);
        it->tolerance = atoi(man.rows[r].field[c_tol]);
        n++;
    }
    pthread_t th[THREADS];
    job jobs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t] = (job){items, n, t, 0};
        CHECK(pthread_create(&th[t], NULL, worker, &jobs[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        if (jobs[t].failures) fprintf(stderr, "thread %d: %d failures\n", t, jobs[t].failures);
        CHECK(jobs[t].failures == 0);
    }
    printf("%d threads x %d rounds x %d images\n", THREADS, ROUNDS, n);
    for (int i = 0; i < n; i++) {
        free(items[i].data);
        free(items[i].golden.data);
    }
    free(items);
    tsv_free(&man);
    TEST_EXIT();
}
