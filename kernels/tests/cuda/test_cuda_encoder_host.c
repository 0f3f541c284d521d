/*
 * The CUDA encoder's host side, on any machine (no GPU, no cuBLAS needed):
 *   - the cuBLAS loader (cublas_dl.h) refuses a library that does not exist and one that is
 *     not cuBLAS, with GOG_ERR_UNSUPPORTED and a message naming each library tried and why;
 *   - the process-wide loader either finds a complete cuBLAS or says which libraries it
 *     tried (libcublas.so.13 and libcublas.so.12);
 *   - cuBLAS statuses map to names and to GOG_ERR_OUT_OF_MEMORY / GOG_ERR_CUDA;
 *   - without a CUDA device, every gog_cuda_encoder_* entry point (the device-resident image
 *     call, reserve and the graph functions included) and the device-buffer functions
 *     (gog_cuda_malloc, _free, _copy_to_device, _copy_to_host, gog_cuda_preprocess_device)
 *     fail with GOG_ERR_NO_DEVICE and a message, before looking at their other arguments.
 * Never skips: on a machine with a device the no-device checks are replaced by a check that a
 * NULL encoder (and a host pointer where device memory is expected) is an invalid argument.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cublas_dl.h"
#include "gog/gog_cuda.h"
#include "test_util.h"

static void loader_checks(void) {
    gog_cublas_api api;
    memset(&api, 0xA5, sizeof api);

    const char *absent[] = {"libgog-test-no-such-cublas.so.99"};
    CHECK_STATUS(gog_cublas_open(absent, 1, &api), GOG_ERR_UNSUPPORTED);
    CHECK(strstr(gog_last_error(), "libgog-test-no-such-cublas.so.99") != NULL);
    CHECK(strstr(gog_last_error(), "cuBLAS") != NULL);
    CHECK(api.lib == NULL && api.gemm_ex == NULL && api.create == NULL);

    /* A real library that is not cuBLAS: refused for the first entry point it lacks. */
    const char *not_cublas[] = {"libm.so.6"};
    CHECK_STATUS(gog_cublas_open(not_cublas, 1, &api), GOG_ERR_UNSUPPORTED);
    CHECK(strstr(gog_last_error(), "libm.so.6: no symbol cublasCreate_v2") != NULL);
    CHECK(api.lib == NULL);

    /* Every candidate is reported. */
    const char *both[] = {"libgog-test-no-such-cublas.so.99", "libm.so.6"};
    CHECK_STATUS(gog_cublas_open(both, 2, &api), GOG_ERR_UNSUPPORTED);
    CHECK(strstr(gog_last_error(), "libgog-test-no-such-cublas.so.99") != NULL);
    CHECK(strstr(gog_last_error(), "libm.so.6") != NULL);

    CHECK_STATUS(gog_cublas_open(both, 0, &api), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cublas_open(NULL, 1, &api), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cublas_open(both, 2, NULL), GOG_ERR_INVALID_ARGUMENT);
    const char *empty[] = {""};
    CHECK_STATUS(gog_cublas_open(empty, 1, &api), GOG_ERR_INVALID_ARGUMENT);

    /* The process-wide library: complete, or a message naming both sonames. */
    const gog_cublas_api *g = NULL;
    const gog_status st = gog_cublas_get(&g);
    if (st == GOG_OK) {
        CHECK(g != NULL);
        if (g) {
            CHECK(g->lib && g->create && g->destroy && g->set_stream && g->set_math_mode &&
                  g->gemm_ex && g->gemm_strided_batched_ex);
            CHECK(strncmp(g->name, "libcublas.so.1", 14) == 0);
            printf("cuBLAS found: %s (cublasSetWorkspace_v2 %s: CUDA graphs %s)\n", g->name,
                   g->set_workspace ? "present" : "absent", g->set_workspace ? "possible" : "unavailable");
            const gog_cublas_api *again = NULL;
            CHECK_STATUS(gog_cublas_get(&again), GOG_OK);
            CHECK(again == g);
        }
    } else {
        CHECK_STATUS(st, GOG_ERR_UNSUPPORTED);
        CHECK(g == NULL);
        CHECK(strstr(gog_last_error(), "libcublas.so.13") != NULL);
        CHECK(strstr(gog_last_error(), "libcublas.so.12") != NULL);
        printf("no cuBLAS here, as reported: %s\n", gog_last_error());
    }
    CHECK_STATUS(gog_cublas_get(NULL), GOG_ERR_INVALID_ARGUMENT);
}

static void status_name_checks(void) {
    CHECK(strcmp(gog_cublas_status_name(GOG_CUBLAS_STATUS_NOT_SUPPORTED), "CUBLAS_STATUS_NOT_SUPPORTED") == 0);
    CHECK(strcmp(gog_cublas_status_name(GOG_CUBLAS_STATUS_EXECUTION_FAILED), "CUBLAS_STATUS_EXECUTION_FAILED") == 0);
    CHECK(strcmp(gog_cublas_status_name(99), "CUBLAS_STATUS_99") == 0);
    CHECK_STATUS(gog_cublas_fail(NULL, GOG_CUBLAS_STATUS_ALLOC_FAILED, "cublasCreate_v2"), GOG_ERR_OUT_OF_MEMORY);
    CHECK(strcmp(gog_last_error(), "cublasCreate_v2 failed: CUBLAS_STATUS_ALLOC_FAILED") == 0);
    CHECK_STATUS(gog_cublas_fail(NULL, GOG_CUBLAS_STATUS_INVALID_VALUE, "cublasGemmEx (fc1)"), GOG_ERR_CUDA);
    CHECK(strcmp(gog_last_error(), "cublasGemmEx (fc1) failed: CUBLAS_STATUS_INVALID_VALUE") == 0);
}

static void expect_no_device(gog_status st, const char *what) {
    if (st != GOG_ERR_NO_DEVICE) {
        fprintf(stderr, "%s: status %d, want GOG_ERR_NO_DEVICE (%d)\n", what, (int)st, (int)GOG_ERR_NO_DEVICE);
        gog_test_failures++;
    } else if (gog_last_error()[0] == '\0') {
        fprintf(stderr, "%s: GOG_ERR_NO_DEVICE without a message\n", what);
        gog_test_failures++;
    }
}

static void device_entry_checks(void) {
    gog_encoder_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.family = GOG_ENCODER_CLIP;
    gog_cuda_encoder *enc = (gog_cuda_encoder *)&cfg; /* must be reset to NULL */
    float px[3] = {0}, e[1];
    int32_t ids[1] = {0};
    if (gog_cuda_device_count() == 0) {
        expect_no_device(gog_cuda_encoder_create(0, &cfg, NULL, 0, &enc), "encoder_create");
        CHECK(enc == NULL);
        expect_no_device(gog_cuda_encoder_create(0, NULL, NULL, -1, NULL), "encoder_create (NULL args)");
        expect_no_device(gog_cuda_encoder_encode_image(NULL, px, 1, 1, 1, e, NULL), "encode_image");
        expect_no_device(gog_cuda_encoder_encode_text(NULL, ids, 1, 1, e), "encode_text");
        expect_no_device(gog_cuda_encoder_encode_image_device(NULL, px, 1, 1, 1, e, NULL), "encode_image_device");
        expect_no_device(gog_cuda_encoder_encode_image_device(NULL, NULL, 0, 0, 0, NULL, NULL),
                         "encode_image_device (NULL args)");
        expect_no_device(gog_cuda_encoder_reserve(NULL, 1, 224, 224, 1, 77), "encoder_reserve");
        expect_no_device(gog_cuda_encoder_reserve(NULL, -1, 0, 0, -1, 0), "encoder_reserve (bad args)");
        expect_no_device(gog_cuda_encoder_set_graphs(NULL, 1), "encoder_set_graphs");
        int32_t graphs = -1, replays = -1;
        char why[64] = "x";
        expect_no_device(gog_cuda_encoder_graph_info(NULL, &graphs, &replays, why, sizeof why), "encoder_graph_info");
        expect_no_device(gog_cuda_encoder_graph_info(NULL, NULL, NULL, NULL, 0), "encoder_graph_info (NULL args)");
        CHECK(graphs == -1 && replays == -1 && strcmp(why, "x") == 0); /* untouched on failure */

        /* The caller-owned buffer functions. */
        void *dev = (void *)&cfg; /* must be reset to NULL */
        expect_no_device(gog_cuda_malloc(0, 64, &dev), "cuda_malloc");
        CHECK(dev == NULL);
        expect_no_device(gog_cuda_malloc(0, 0, NULL), "cuda_malloc (NULL out, size 0)");
        expect_no_device(gog_cuda_free(0, NULL), "cuda_free (NULL)");
        expect_no_device(gog_cuda_free(0, px), "cuda_free");
        expect_no_device(gog_cuda_copy_to_device(0, px, e, sizeof e), "cuda_copy_to_device");
        expect_no_device(gog_cuda_copy_to_device(0, NULL, NULL, 0), "cuda_copy_to_device (size 0)");
        expect_no_device(gog_cuda_copy_to_host(0, e, px, sizeof e), "cuda_copy_to_host");
        expect_no_device(gog_cuda_copy_to_host(-1, NULL, NULL, 0), "cuda_copy_to_host (bad ordinal)");
        CHECK(strstr(gog_last_error(), "CUDA") != NULL);

        /* Preprocessing into device memory. */
        uint8_t img_px[12] = {0};
        gog_image_view img = {img_px, 2, 2, 6};
        gog_resize_item it = {{0.0f, 0.0f, 2.0f, 2.0f}, 0, 0, 1, 1};
        gog_preprocess_params pp;
        memset(&pp, 0, sizeof pp);
        expect_no_device(gog_cuda_preprocess_device(0, &img, &pp, &it, 1, px, sizeof px), "preprocess_device");
        expect_no_device(gog_cuda_preprocess_device(0, NULL, NULL, NULL, 0, NULL, 0),
                         "preprocess_device (NULL args)");
        printf("no CUDA device: every encoder entry point says so\n");
    } else {
        CHECK_STATUS(gog_cuda_encoder_encode_image(NULL, px, 1, 1, 1, e, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_text(NULL, ids, 1, 1, e), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_image_device(NULL, px, 1, 1, 1, e, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_reserve(NULL, 1, 224, 224, 1, 77), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_set_graphs(NULL, 1), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_graph_info(NULL, NULL, NULL, NULL, 0), GOG_ERR_INVALID_ARGUMENT);
        void *dev = (void *)&cfg;
        CHECK_STATUS(gog_cuda_malloc(0, 64, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_malloc(-1, 64, &dev), GOG_ERR_INVALID_ARGUMENT);
        CHECK(dev == NULL);
        CHECK_STATUS(gog_cuda_free(0, NULL), GOG_OK);
        CHECK_STATUS(gog_cuda_free(0, px), GOG_ERR_INVALID_ARGUMENT); /* host memory */
        CHECK_STATUS(gog_cuda_copy_to_device(0, px, e, sizeof e), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_copy_to_host(0, e, px, sizeof e), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_copy_to_host(0, NULL, NULL, 0), GOG_OK); /* size 0: no-op */
        printf("a CUDA device is present: the no-device checks do not apply\n");
    }
    gog_cuda_encoder_destroy(NULL); /* no-op */
}

int main(void) {
    loader_checks();
    status_name_checks();
    device_entry_checks();
    TEST_EXIT();
}
