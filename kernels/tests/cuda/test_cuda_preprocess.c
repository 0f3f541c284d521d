/*
 * gog_cuda_preprocess on a CUDA device against gog_preprocess_run (GOG_ISA_SCALAR).
 *
 * Without a driver or device: every entry point must fail with GOG_ERR_NO_DEVICE and a
 * message, gog_cuda_device_count() must be 0; then the test prints "skipped: no CUDA device"
 * and exits 77 (CTest: skipped).
 *
 * With a device: the seeded cases of cuda_cases.h (1920x1080 with 8 boxes to 336, the whole
 * frame to 224, letterboxing, random small images and placements, 1x1 outputs, 150 items in
 * one call; both filters; U8, F32, BF16) within the tolerances of gog_cuda.h, the count of
 * values that are not bit-exact reported; the same cases through gog_cuda_preprocess_device
 * (into a gog_cuda_malloc buffer), each identical byte for byte to the host form; the buffer
 * functions' pointer checks; invalid arguments give the CPU path's statuses;
 * device ordinals and device_info; four threads calling at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_cases.h"
#include "cuda_internal.h"
#include "gog/gog_cuda.h"
#include "test_util.h"

static gog_status on_device(void *ctx, const gog_image_view *image, const gog_preprocess_params *p,
                            const gog_resize_item *items, int32_t n_items, void *out,
                            size_t out_capacity) {
    return gog_cuda_preprocess(*(const int32_t *)ctx, image, p, items, n_items, out, out_capacity);
}

/* The device form: into a device buffer of the caller's, copied back; also runs the host form
 * on the same arguments and counts every call whose bytes differ (the two forms are one
 * implementation: the outputs must be identical). */
static int64_t g_form_mismatches = 0, g_form_calls = 0;

static gog_status on_device_form(void *ctx, const gog_image_view *image, const gog_preprocess_params *p,
                                 const gog_resize_item *items, int32_t n_items, void *out,
                                 size_t out_capacity) {
    const int32_t device = *(const int32_t *)ctx;
    size_t bytes = gog_preprocess_output_bytes(p, n_items);
    if (bytes > out_capacity) bytes = out_capacity;
    void *dev = NULL;
    gog_status st = gog_cuda_malloc(device, out_capacity ? out_capacity : 1, &dev);
    if (st != GOG_OK) return st;
    st = gog_cuda_preprocess_device(device, image, p, items, n_items, dev, out_capacity);
    if (st == GOG_OK) st = gog_cuda_copy_to_host(device, out, dev, bytes);
    const gog_status freed = gog_cuda_free(device, dev);
    if (st != GOG_OK) return st;
    if (freed != GOG_OK) return freed;
    uint8_t *host = (uint8_t *)malloc(bytes ? bytes : 1);
    if (!host) return GOG_ERR_OUT_OF_MEMORY;
    st = gog_cuda_preprocess(device, image, p, items, n_items, host, out_capacity);
    g_form_calls++;
    if (st != GOG_OK || memcmp(host, out, bytes) != 0) g_form_mismatches++;
    free(host);
    return GOG_OK;
}

static void expect_no_device(gog_status st, const char *what) {
    if (st != GOG_ERR_NO_DEVICE) {
        fprintf(stderr, "%s: status %d, want GOG_ERR_NO_DEVICE (%d)\n", what, (int)st,
                (int)GOG_ERR_NO_DEVICE);
        gog_test_failures++;
    } else if (gog_last_error()[0] == '\0') {
        fprintf(stderr, "%s: GOG_ERR_NO_DEVICE without a message\n", what);
        gog_test_failures++;
    }
}

static void no_device_checks(void) {
    CHECK(gog_cuda_device_count() == 0);
    CHECK(gog_cuda_device_count() == 0); /* stable, and never fails */

    char name[64];
    int32_t major = -1, minor = -1;
    expect_no_device(gog_cuda_device_info(0, name, sizeof name, &major, &minor), "device_info");
    expect_no_device(gog_cuda_device_info(3, NULL, 0, NULL, NULL), "device_info (NULL args)");

    uint8_t px[12] = {0};
    gog_image_view img = {px, 2, 2, 6};
    gog_resize_item it = {{0.0f, 0.0f, 2.0f, 2.0f}, 0, 0, 1, 1};
    gog_preprocess_params p = cuda_case_params(1, 1, GOG_FILTER_BILINEAR, GOG_DTYPE_F32);
    float out[3];
    expect_no_device(gog_cuda_preprocess(0, &img, &p, &it, 1, out, sizeof out), "preprocess");
    expect_no_device(gog_cuda_preprocess(0, NULL, NULL, NULL, 0, NULL, 0),
                     "preprocess (NULL args)");
    expect_no_device(gog_cuda_preprocess_device(0, &img, &p, &it, 1, out, sizeof out), "preprocess_device");
    expect_no_device(gog_cuda_preprocess_device(0, NULL, NULL, NULL, 0, NULL, 0),
                     "preprocess_device (NULL args)");

    gog_cuda_stats stats;
    expect_no_device(gog_cuda_last_stats(&stats), "last_stats");
}

static void device_checks(int32_t n) {
    for (int32_t d = 0; d < n; d++) {
        char name[256];
        int32_t major = -1, minor = -1;
        CHECK_STATUS(gog_cuda_device_info(d, name, sizeof name, &major, &minor), GOG_OK);
        CHECK(name[0] != '\0' && strlen(name) < sizeof name);
        CHECK(major >= 5 && minor >= 0);
        printf("device %d: %s, compute capability %d.%d\n", (int)d, name, (int)major, (int)minor);
        char shortname[4];
        CHECK_STATUS(gog_cuda_device_info(d, shortname, sizeof shortname, &major, &minor), GOG_OK);
        CHECK(strlen(shortname) <= 3 && strncmp(shortname, name, strlen(shortname)) == 0);
    }
    char name[16];
    int32_t major, minor;
    CHECK_STATUS(gog_cuda_device_info(-1, name, sizeof name, &major, &minor), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_device_info(n, name, sizeof name, &major, &minor), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_device_info(0, NULL, sizeof name, &major, &minor), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_device_info(0, name, 0, &major, &minor), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_device_info(0, name, sizeof name, NULL, &minor), GOG_ERR_INVALID_ARGUMENT);

    /* Device ordinals of gog_cuda_preprocess. */
    uint8_t px[12] = {0};
    gog_image_view img = {px, 2, 2, 6};
    gog_resize_item it = {{0.0f, 0.0f, 2.0f, 2.0f}, 0, 0, 1, 1};
    gog_preprocess_params p = cuda_case_params(1, 1, GOG_FILTER_BILINEAR, GOG_DTYPE_U8);
    uint8_t out[3];
    CHECK_STATUS(gog_cuda_preprocess(-1, &img, &p, &it, 1, out, sizeof out), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_preprocess(n, &img, &p, &it, 1, out, sizeof out), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_preprocess(0, &img, &p, &it, 1, out, sizeof out), GOG_OK);
    CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0);

    gog_cuda_stats stats;
    CHECK_STATUS(gog_cuda_last_stats(&stats), GOG_OK);
    CHECK(stats.d2h_bytes == 3 && stats.h2d_bytes > 0 && stats.hpass_ms >= 0.0f);
    CHECK_STATUS(gog_cuda_last_stats(NULL), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_preprocess(0, &img, &p, &it, 1, out, 2), GOG_ERR_BUFFER_TOO_SMALL);
    CHECK_STATUS(gog_cuda_last_stats(&stats), GOG_ERR_INVALID_ARGUMENT);

    /* The device form: its pointer checks, then a result identical to the host form. */
    void *dev = NULL;
    CHECK_STATUS(gog_cuda_malloc(0, 3, &dev), GOG_OK);
    CHECK(dev != NULL);
    CHECK_STATUS(gog_cuda_preprocess_device(0, &img, &p, &it, 1, NULL, sizeof out), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_preprocess_device(0, &img, &p, &it, 1, out, sizeof out), GOG_ERR_INVALID_ARGUMENT);
    CHECK(strstr(gog_last_error(), "out_dev") != NULL);
    CHECK_STATUS(gog_cuda_preprocess_device(-1, &img, &p, &it, 1, dev, 3), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_preprocess_device(0, &img, &p, &it, 1, dev, 2), GOG_ERR_BUFFER_TOO_SMALL);
    if (dev) {
        const uint8_t poison[3] = {0xA5, 0xA5, 0xA5};
        CHECK_STATUS(gog_cuda_copy_to_device(0, dev, poison, 3), GOG_OK);
        CHECK_STATUS(gog_cuda_preprocess_device(0, &img, &p, &it, 1, dev, 3), GOG_OK);
        uint8_t back[3] = {1, 1, 1};
        CHECK_STATUS(gog_cuda_copy_to_host(0, back, dev, 3), GOG_OK);
        CHECK(back[0] == 0 && back[1] == 0 && back[2] == 0);
        CHECK_STATUS(gog_cuda_last_stats(&stats), GOG_OK);
        CHECK(stats.d2h_bytes == 0 && stats.h2d_bytes > 0);
        /* Pointer checks of the buffer functions: host memory where device memory is
         * expected and the reverse; size 0 is a no-op; NULL frees nothing. */
        CHECK_STATUS(gog_cuda_copy_to_device(0, back, poison, 3), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_copy_to_host(0, back, back, 3), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_copy_to_host(0, dev, dev, 3), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_copy_to_device(0, dev, dev, 3), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_copy_to_device(0, back, poison, 0), GOG_OK);
        CHECK_STATUS(gog_cuda_copy_to_device(n, dev, poison, 3), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_free(0, back), GOG_ERR_INVALID_ARGUMENT);
    }
    CHECK_STATUS(gog_cuda_free(0, dev), GOG_OK);
    CHECK_STATUS(gog_cuda_free(0, NULL), GOG_OK);
    void *none = &none;
    CHECK_STATUS(gog_cuda_malloc(0, 0, &none), GOG_OK);
    CHECK(none == NULL);
    CHECK_STATUS(gog_cuda_malloc(0, 16, NULL), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_malloc(-1, 16, &none), GOG_ERR_INVALID_ARGUMENT);
}

/* Concurrent calls: each thread has its own image and parameters and checks every result. */
typedef struct worker {
    int32_t device;
    int32_t seed;
    int failures;
} worker;

static void *worker_main(void *arg) {
    worker *w = (worker *)arg;
    uint64_t rng = 1000u + (uint64_t)w->seed;
    gog_image_view img = {NULL, 1, 1, 3};
    uint8_t *data = cuda_case_image(&rng, 300 + 50 * w->seed, 200 + 30 * w->seed, w->seed, &img);
    gog_resize_item items[3];
    for (int i = 0; i < 3; i++) {
        items[i].src = cuda_case_box(&rng, img.width, img.height, 8.0f, 1);
        items[i].dst_x = items[i].dst_y = 0;
        items[i].dst_w = 64 + 16 * w->seed;
        items[i].dst_h = 48 + 8 * w->seed;
    }
    gog_preprocess_params p =
        cuda_case_params(items[0].dst_w, items[0].dst_h, w->seed & 1, GOG_DTYPE_U8);
    const size_t bytes = gog_preprocess_output_bytes(&p, 3);
    uint8_t *ref = (uint8_t *)malloc(bytes);
    uint8_t *got = (uint8_t *)malloc(bytes);
    if (!data || !ref || !got) {
        w->failures++;
    } else {
        gog_preprocess_params q = p;
        q.isa = GOG_ISA_SCALAR;
        if (gog_preprocess_run(&img, &q, items, 3, 0, gog_preprocess_tile_count(&q, 3), ref, bytes) != GOG_OK)
            w->failures++;
        for (int round = 0; round < 20; round++) {
            memset(got, 0xA5, bytes);
            if (gog_cuda_preprocess(w->device, &img, &p, items, 3, got, bytes) != GOG_OK) {
                fprintf(stderr, "thread %d: %s\n", (int)w->seed, gog_last_error());
                w->failures++;
                break;
            }
            for (size_t i = 0; i < bytes; i++)
                if (abs((int)got[i] - (int)ref[i]) > 1) {
                    fprintf(stderr, "thread %d round %d: value %zu differs\n", (int)w->seed, round, i);
                    w->failures++;
                    break;
                }
        }
    }
    free(data);
    free(ref);
    free(got);
    return NULL;
}

static void concurrency_checks(int32_t device) {
    enum { T = 4 };
    pthread_t th[T];
    worker w[T];
    int started[T];
    for (int i = 0; i < T; i++) {
        w[i].device = device;
        w[i].seed = i;
        w[i].failures = 0;
        started[i] = pthread_create(&th[i], NULL, worker_main, &w[i]) == 0;
        CHECK(started[i]);
    }
    for (int i = 0; i < T; i++) {
        if (started[i]) pthread_join(th[i], NULL);
        gog_test_failures += w[i].failures;
    }
}

int main(void) {
    const int32_t n = gog_cuda_device_count();
    if (n == 0) {
        no_device_checks();
        if (gog_test_failures) TEST_EXIT();
        printf("skipped: no CUDA device\n");
        return GOG_TEST_SKIP;
    }
    device_checks(n);

    int32_t device = 0;
    cuda_case_totals totals;
    memset(&totals, 0, sizeof totals);
    printf("device %d against the scalar CPU reference:\n", (int)device);
    cuda_cases_all(on_device, &device, 0, &totals);
    printf("device form (gog_cuda_preprocess_device) against the same reference:\n");
    cuda_case_totals dev_totals;
    memset(&dev_totals, 0, sizeof dev_totals);
    cuda_cases_all(on_device_form, &device, 0, &dev_totals);
    printf("device form: %lld calls, %lld differ from the host form\n", (long long)g_form_calls,
           (long long)g_form_mismatches);
    CHECK(g_form_calls > 0 && g_form_mismatches == 0);
    cuda_cases_invalid(on_device, &device);
    concurrency_checks(device);
    printf("%lld cases, %lld values, %lld not bit-exact (%lld u8 values off by one)\n",
           (long long)totals.cases, (long long)totals.values, (long long)totals.not_exact,
           (long long)totals.u8_off_by_one);
    TEST_EXIT();
}
