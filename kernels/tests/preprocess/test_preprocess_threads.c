/*
 * Tiles of one call spread over two threads: two pthreads run disjoint tile ranges (each
 * thread takes every other chunk of tiles) into the same output buffer; the result must
 * equal a single call computing all tiles, bit for bit, for every variant and dtype.
 */
#include <pthread.h>

#include "pp_test_util.h"

typedef struct job {
    const gog_image_view *view;
    const gog_preprocess_params *p;
    const gog_resize_item *items;
    int32_t n;
    int64_t tiles;
    int parity;  /* this thread runs chunks with index % 2 == parity */
    int64_t chunk;
    void *out;
    size_t cap;
    gog_status st;
} job;

static void *worker(void *arg) {
    job *j = (job *)arg;
    j->st = GOG_OK;
    for (int64_t b = (int64_t)j->parity * j->chunk; b < j->tiles && j->st == GOG_OK; b += 2 * j->chunk) {
        const int64_t e = b + j->chunk < j->tiles ? b + j->chunk : j->tiles;
        j->st = gog_preprocess_run(j->view, j->p, j->items, j->n, b, e, j->out, j->cap);
    }
    return NULL;
}

int main(void) {
    const int32_t W = 640, H = 480;
    uint8_t *img = pp_make_image(99, W, H, 0, 1);
    const gog_image_view view = {img, W, H, (int64_t)W * 3};
    const gog_resize_item items[5] = {
        {{0, 0, 640, 480}, 0, 0, 96, 96},
        {{10.5f, 20.25f, 300.75f, 260.0f}, 0, 0, 96, 96},
        {{500, 300, 640, 480}, 8, 0, 80, 96},
        {{100, 100, 110, 140}, 0, 20, 96, 50},
        {{0.5f, 0.5f, 639.5f, 1.5f}, 0, 0, 96, 96},
    };
    for (int32_t isa = GOG_ISA_SCALAR; isa <= GOG_ISA_AVX512_BF16; isa++) {
        if (!gog_cpu_supports(isa)) continue;
        for (int32_t dt = 0; dt < 3; dt++) {
            gog_preprocess_params p = pp_params(96, 96, GOG_FILTER_BICUBIC, dt, isa);
            p.band_rows = 7;
            const int64_t tiles = gog_preprocess_tile_count(&p, 5);
            const size_t bytes = gog_preprocess_output_bytes(&p, 5);
            uint8_t *one = (uint8_t *)malloc(bytes), *two = (uint8_t *)malloc(bytes);
            memset(one, 0x11, bytes);
            memset(two, 0x77, bytes);
            CHECK_STATUS(gog_preprocess_run(&view, &p, items, 5, 0, tiles, one, bytes), GOG_OK);
            for (int64_t chunk = 1; chunk <= 5; chunk += 4) {
                job jobs[2];
                pthread_t th[2];
                for (int k = 0; k < 2; k++) {
                    jobs[k] = (job){&view, &p, items, 5, tiles, k, chunk, two, bytes, GOG_OK};
                    CHECK(pthread_create(&th[k], NULL, worker, &jobs[k]) == 0);
                }
                for (int k = 0; k < 2; k++) {
                    pthread_join(th[k], NULL);
                    CHECK_STATUS(jobs[k].st, GOG_OK);
                }
                if (memcmp(one, two, bytes) != 0) {
                    fprintf(stderr, "%s dtype %d chunk %lld: two threads differ from one call\n", gog_isa_name(isa),
                            (int)dt, (long long)chunk);
                    gog_test_failures++;
                }
                memset(two, 0x77, bytes);
            }
            free(one);
            free(two);
        }
    }
    free(img);
    TEST_EXIT();
}
