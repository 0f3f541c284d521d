/*
 * bench_cuda_encoder [runs]: images per second of gog_cuda_encoder_encode_image on device 0
 * for a ViT-B/16-shaped CLIP vision tower (hidden 768, 12 heads, 12 layers, MLP 3072, patch
 * 16, 224x224 input, projection 512; random weights) at batch 1, 8, 64 and 256, in
 * GOG_COMPUTE_F32 and GOG_COMPUTE_BF16.
 *
 * Each figure is the median wall time of a call as the caller sees it (host clock: pixels to
 * the device, the forward, embeddings back) over `runs` calls (default 20; fewer for the large
 * batches) after 2 warm-up calls, with images/s and the achieved TFLOP/s at 35.1 GFLOP per
 * image (the forward's multiply-adds x 2). With GOG_CUDA_TF32=1 in the environment the F32
 * GEMMs may use TF32 (the line says so). Exits 0 with a line when there is no device or no
 * cuBLAS.
 *
 * Then the device-resident path (gog_cuda_encoder_encode_image_device between gog_cuda_malloc
 * buffers, no host transfer) at batch 1 and 8, with CUDA graphs off and on (on: 3 warm-up
 * calls, i.e. the eager first call, the capture and a first replay, before timing the
 * replays), with the graph count, replays and any graph failure reported.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "encoder_cases.h"
#include "gog/gog_cuda.h"
#include "test_util.h"
#include "bench_util.h"

#define GFLOP_PER_IMAGE 35.1

/* The device-resident path at batch 1 and 8, graphs off then on. Returns 0, or 1 on a
 * failure (printed). t has room for max(runs, 3) values. */
static int device_path(gog_cuda_encoder *enc, int bf16, const float *pix, int runs, double *t) {
    enum { MAXB = 8 };
    const size_t per_image = (size_t)3 * 224 * 224;
    void *d_pix = NULL, *d_emb = NULL;
    int rc = 0;
    if (gog_cuda_malloc(0, MAXB * per_image * sizeof(float), &d_pix) != GOG_OK ||
        gog_cuda_malloc(0, (size_t)MAXB * 512 * sizeof(float), &d_emb) != GOG_OK ||
        gog_cuda_copy_to_device(0, d_pix, pix, MAXB * per_image * sizeof(float)) != GOG_OK) {
        fprintf(stderr, "device buffers: %s\n", gog_last_error());
        rc = 1;
    }
    static const int32_t batches[] = {1, MAXB};
    for (int graphs = 0; graphs < 2 && rc == 0; graphs++) {
        if (gog_cuda_encoder_set_graphs(enc, graphs) != GOG_OK) {
            fprintf(stderr, "set_graphs: %s\n", gog_last_error());
            rc = 1;
            break;
        }
        for (int i = 0; i < 2 && rc == 0; i++) {
            const int32_t b = batches[i];
            const int n = runs < 3 ? 3 : runs;
            const int warm = graphs ? 3 : 2;
            for (int w = 0; w < warm + n && rc == 0; w++) {
                const double t0 = now_ms();
                if (gog_cuda_encoder_encode_image_device(enc, (const float *)d_pix, b, 224, 224, (float *)d_emb,
                                                         NULL) != GOG_OK) {
                    fprintf(stderr, "encode_image_device (batch %d): %s\n", (int)b, gog_last_error());
                    rc = 1;
                }
                if (w >= warm) t[w - warm] = now_ms() - t0;
            }
            if (rc) break;
            const double ms = median(t, n);
            const double ips = b / (ms * 1e-3);
            char label[32];
            snprintf(label, sizeof label, "%s dev %s", bf16 ? "bf16" : "f32", graphs ? "graph" : "eager");
            printf("%-16s %6d %6d %12.3f %12.1f %10.2f\n", label, (int)b, n, ms, ips, ips * GFLOP_PER_IMAGE * 1e-3);
        }
    }
    int32_t n_graphs = 0, replays = 0;
    char why[320] = "";
    if (rc == 0 && gog_cuda_encoder_graph_info(enc, &n_graphs, &replays, why, sizeof why) == GOG_OK)
        printf("graphs held %d, replays %d%s%s\n", (int)n_graphs, (int)replays, why[0] ? "; last failure: " : "",
               why);
    (void)gog_cuda_encoder_set_graphs(enc, 0);
    (void)gog_cuda_free(0, d_pix);
    (void)gog_cuda_free(0, d_emb);
    return rc;
}

int main(int argc, char **argv) {
    (void)gog_test_failures; /* test_util.h's counter: unused by a benchmark */
    int runs = argc > 1 ? atoi(argv[1]) : 20;
    if (runs < 1) runs = 1;
    if (gog_cuda_device_count() == 0) {
        printf("skipped: no CUDA device (bench_cuda_encoder)\n");
        return 0;
    }
    char name[256];
    int32_t major = 0, minor = 0;
    if (gog_cuda_device_info(0, name, sizeof name, &major, &minor) != GOG_OK) {
        fprintf(stderr, "device_info: %s\n", gog_last_error());
        return 1;
    }
    const char *tf32 = getenv("GOG_CUDA_TF32");
    printf("device 0: %s (compute capability %d.%d); ViT-B/16 CLIP vision tower, 224x224; "
           "TF32 for F32 GEMMs: %s\n",
           name, (int)major, (int)minor, tf32 && !strcmp(tf32, "1") ? "allowed" : "off");

    gog_encoder_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.family = GOG_ENCODER_CLIP;
    cfg.embed_dim = 512;
    cfg.vision.hidden = 768;
    cfg.vision.heads = 12;
    cfg.vision.layers = 12;
    cfg.vision.intermediate = 3072;
    cfg.vision.act = GOG_ACT_QUICK_GELU;
    cfg.vision.eps = 1e-5f;
    cfg.vision.image_size = 224;
    cfg.vision.patch_size = 16;
    cfg.vision.channels = 3;

    enc_model m;
    if (!em_build(&m, &cfg, 2024, 0)) {
        fprintf(stderr, "out of memory building the model\n");
        em_free(&m);
        return 1;
    }
    static const int32_t batches[] = {1, 8, 64, 256};
    const int32_t max_batch = 256;
    const size_t per_image = (size_t)3 * 224 * 224;
    float *pix = (float *)malloc((size_t)max_batch * per_image * sizeof(float));
    float *emb = (float *)malloc((size_t)max_batch * 512 * sizeof(float));
    double *t = (double *)malloc((size_t)(runs > 3 ? runs : 3) * sizeof(double));
    if (!pix || !emb || !t) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    uint64_t rng = 77;
    for (size_t i = 0; i < (size_t)max_batch * per_image; i++) pix[i] = 2.0f * em_uniform(&rng);

    int rc = 0;
    printf("%-6s %6s %6s %12s %12s %10s  (\"dev\": device-resident path)\n", "type", "batch", "calls", "ms/call",
           "images/s", "TFLOP/s");
    for (int bf16 = 0; bf16 < 2 && rc == 0; bf16++) {
        cfg.compute = bf16 ? GOG_COMPUTE_BF16 : GOG_COMPUTE_F32;
        gog_cuda_encoder *enc = NULL;
        const gog_status st = gog_cuda_encoder_create(0, &cfg, m.t, m.n, &enc);
        if (st == GOG_ERR_UNSUPPORTED && strstr(gog_last_error(), "cuBLAS")) {
            printf("skipped: %s\n", gog_last_error());
            break;
        }
        if (st != GOG_OK) {
            fprintf(stderr, "gog_cuda_encoder_create: %s\n", gog_last_error());
            rc = 1;
            break;
        }
        for (size_t i = 0; i < sizeof batches / sizeof batches[0] && rc == 0; i++) {
            const int32_t b = batches[i];
            int n = runs * 8 / (b > 8 ? b : 8);
            if (n < 3) n = 3;
            if (n > runs && runs >= 3) n = runs;
            for (int w = 0; w < 2 + n && rc == 0; w++) {
                const double t0 = now_ms();
                if (gog_cuda_encoder_encode_image(enc, pix, b, 224, 224, emb, NULL) != GOG_OK) {
                    fprintf(stderr, "encode_image (batch %d): %s\n", (int)b, gog_last_error());
                    rc = 1;
                }
                if (w >= 2) t[w - 2] = now_ms() - t0;
            }
            if (rc) break;
            const double ms = median(t, n);
            const double ips = b / (ms * 1e-3);
            printf("%-6s %6d %6d %12.3f %12.1f %10.2f\n", bf16 ? "bf16" : "f32", (int)b, n, ms, ips,
                   ips * GFLOP_PER_IMAGE * 1e-3);
        }
        if (rc == 0) rc = device_path(enc, bf16, pix, runs, t);
        gog_cuda_encoder_destroy(enc);
    }
    free(pix);
    free(emb);
    free(t);
    em_free(&m);
    return rc;
}
