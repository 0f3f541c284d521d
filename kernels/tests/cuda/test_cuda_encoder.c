/*
 * gog_cuda_encoder_* on a CUDA device against the CPU encoder (gog_encoder_*, GOG_ISA_SCALAR,
 * the reference) on the same seeded random weights.
 *
 * Models (encoder_cases.h), deliberately odd widths so that no size is a multiple of a tile:
 *   clip     vision hidden 44, 4 heads, 2 layers, MLP 70, patch 8, image 40 (5x5 grid),
 *            quick_gelu; text hidden 36, 3 heads, 2 layers, MLP 53, vocab 1000, 16 positions,
 *            gelu (erf), eos 500; embed 24; tensors F32
 *   siglip   the same shapes without class token, gelu_tanh, attention-pooling head, text
 *            head with bias; embed 44; some tensors BF16 / F16 (patch embedding, fc1, k_proj,
 *            token table)
 *   legacy   a text-only CLIP with eos_token_id 2 (pooling at the largest id)
 * each in GOG_COMPUTE_F32 and GOG_COMPUTE_BF16. Inputs: batches of 3 images at 40x40 (the
 * trained grid), of 1 at 48x32 and of 3 at 56x40 (resampled position tables), with and
 * without dense features, batch 5 after batch 3 (buffer growth), and text batches of 3 full
 * sequences and 2 short ones.
 *
 * Tolerances: F32 max |GPU - CPU| <= 1e-4 over every value of the (unit-length) embeddings and
 * dense rows; BF16 cosine >= 0.999 per row (the GPU and CPU round the same weights to bf16 but
 * may round an activation differently when fp32 sums differ in the last bit).
 *
 * Also: the statuses of invalid configs, tensors and arguments; the tensors freed right after
 * creation (the device encoder keeps copies); three threads sharing one encoder.
 *
 * The device-resident path (clip and siglip, F32 and BF16): gog_cuda_encoder_encode_image_device
 * between gog_cuda_malloc buffers gives exactly the bytes of the host form (same kernels);
 * with CUDA graphs on, the eager first call, the captured second and the replayed later calls
 * (device and host form) all give exactly the eager bytes, and graph_info counts replays;
 * after gog_cuda_encoder_reserve, 20 calls of shapes within the reservation leave
 * cudaMemGetInfo's free memory where it was; host pointers passed as device memory are
 * GOG_ERR_INVALID_ARGUMENT; reserve's argument checks.
 *
 * Without a CUDA device it prints "skipped: no CUDA device" and exits 77; without cuBLAS on a
 * machine with a device, "skipped: cuBLAS not available: ..." (exit 77).
 */
#include <cuda_runtime_api.h> /* cudaMemGetInfo only: the buffers come from gog_cuda_malloc */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoder_cases.h"
#include "gog/gog_cuda.h"
#include "gog/gog_encoder.h"
#include "test_util.h"

static gog_tower_config vision_tower(int32_t act, float eps) {
    gog_tower_config c;
    memset(&c, 0, sizeof c);
    c.hidden = 44;
    c.heads = 4;
    c.layers = 2;
    c.intermediate = 70;
    c.act = act;
    c.eps = eps;
    c.image_size = 40;
    c.patch_size = 8;
    c.channels = 3;
    return c;
}

static gog_tower_config text_tower(int32_t act, float eps, int32_t eos) {
    gog_tower_config c;
    memset(&c, 0, sizeof c);
    c.hidden = 36;
    c.heads = 3;
    c.layers = 2;
    c.intermediate = 53;
    c.act = act;
    c.eps = eps;
    c.vocab_size = 1000;
    c.max_positions = 16;
    c.eos_token_id = eos;
    return c;
}

static gog_encoder_config clip_config(void) {
    gog_encoder_config c;
    memset(&c, 0, sizeof c);
    c.family = GOG_ENCODER_CLIP;
    c.embed_dim = 24;
    c.vision = vision_tower(GOG_ACT_QUICK_GELU, 1e-5f);
    c.text = text_tower(GOG_ACT_GELU, 1e-5f, 500);
    return c;
}

static gog_encoder_config siglip_config(void) {
    gog_encoder_config c;
    memset(&c, 0, sizeof c);
    c.family = GOG_ENCODER_SIGLIP;
    c.embed_dim = 44;
    c.vision = vision_tower(GOG_ACT_GELU_TANH, 1e-6f);
    c.text = text_tower(GOG_ACT_GELU_TANH, 1e-6f, 1);
    return c;
}

static gog_encoder_config legacy_config(void) {
    gog_encoder_config c = clip_config();
    memset(&c.vision, 0, sizeof c.vision); /* text only */
    c.text.eos_token_id = 2;
    return c;
}

/* ------------------------------------------------------------------ comparisons */

typedef struct {
    double max_abs;  /* F32 */
    double min_cos;  /* BF16 */
} diff_stats;

/* Compares rows x d values; records and checks the tolerance of the compute type. Also
 * checks that the reference rows are unit length, so that the tolerance means what it says. */
static void compare(const char *what, const float *ref, const float *got, int64_t rows, int32_t d,
                    int bf16) {
    diff_stats s = {0.0, 1.0};
    int64_t bad_norm = 0;
    for (int64_t r = 0; r < rows; r++) {
        const float *a = ref + r * d, *b = got + r * d;
        double dot = 0.0, na = 0.0, nb = 0.0;
        for (int32_t c = 0; c < d; c++) {
            const double diff = fabs((double)a[c] - (double)b[c]);
            if (!(diff <= s.max_abs)) s.max_abs = diff; /* NaN sticks */
            dot += (double)a[c] * b[c];
            na += (double)a[c] * a[c];
            nb += (double)b[c] * b[c];
        }
        const double cs = dot / sqrt(na * nb);
        if (!(cs >= s.min_cos)) s.min_cos = cs;
        if (fabs(sqrt(na) - 1.0) > 1e-4) bad_norm++;
    }
    const int ok = bf16 ? s.min_cos >= 0.999 : s.max_abs <= 1e-4;
    printf("  %-44s %5lld rows  max|diff| %.2e  min cos %.7f  %s\n", what, (long long)rows, s.max_abs,
           s.min_cos, ok ? "ok" : "FAILED");
    if (!ok) gog_test_failures++;
    if (bad_norm) {
        fprintf(stderr, "%s: %lld reference rows are not unit length\n", what, (long long)bad_norm);
        gog_test_failures++;
    }
}

/* Fills n pixels uniformly in [-2, 2). */
static void random_pixels(uint64_t *rng, float *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = 2.0f * em_uniform(rng);
}

/* Token ids in [3, V) avoiding `eos`, with eos at position 2 + b of row b (none in the last
 * row when `missing_last`). For the legacy rule the "eos" is V - 1, the largest id. */
static void random_ids(uint64_t *rng, int32_t *ids, int32_t batch, int32_t length, int32_t vocab,
                       int32_t eos, int missing_last) {
    for (int32_t b = 0; b < batch; b++) {
        for (int32_t i = 0; i < length; i++) {
            int32_t v;
            do { v = 3 + (int32_t)(gog_test_rand(rng) % (uint64_t)(vocab - 4)); } while (v == eos);
            ids[(int64_t)b * length + i] = v;
        }
        const int32_t at = (2 + b) % length;
        if (!(missing_last && b == batch - 1)) ids[(int64_t)b * length + at] = eos;
    }
}

/* ------------------------------------------------------------------ one model */

typedef struct {
    gog_encoder *cpu;
    gog_cuda_encoder *gpu;
    gog_encoder_config cfg;
    int bf16;
    const char *name;
} pair;

static void image_case(pair *p, uint64_t *rng, int32_t batch, int32_t height, int32_t width, int with_dense) {
    const gog_tower_config *v = &p->cfg.vision;
    const int32_t E = p->cfg.embed_dim, N = (height / v->patch_size) * (width / v->patch_size);
    const size_t npix = (size_t)batch * v->channels * height * width;
    float *pix = (float *)malloc(npix * sizeof(float));
    float *e_ref = (float *)malloc((size_t)batch * E * sizeof(float));
    float *e_got = (float *)malloc((size_t)batch * E * sizeof(float));
    float *d_ref = with_dense ? (float *)malloc((size_t)batch * N * E * sizeof(float)) : NULL;
    float *d_got = with_dense ? (float *)malloc((size_t)batch * N * E * sizeof(float)) : NULL;
    if (!pix || !e_ref || !e_got || (with_dense && (!d_ref || !d_got))) {
        fprintf(stderr, "out of memory\n");
        gog_test_failures++;
        goto done;
    }
    random_pixels(rng, pix, npix);
    CHECK_STATUS(gog_encoder_encode_image(p->cpu, pix, batch, height, width, e_ref, d_ref), GOG_OK);
    memset(e_got, 0xff, (size_t)batch * E * sizeof(float)); /* NaN: a value not written shows */
    if (d_got) memset(d_got, 0xff, (size_t)batch * N * E * sizeof(float));
    gog_status st = gog_cuda_encoder_encode_image(p->gpu, pix, batch, height, width, e_got, d_got);
    CHECK_STATUS(st, GOG_OK);
    if (st == GOG_OK) {
        char what[96];
        snprintf(what, sizeof what, "%s image %dx%dx%d embeds", p->name, batch, width, height);
        compare(what, e_ref, e_got, batch, E, p->bf16);
        if (with_dense) {
            snprintf(what, sizeof what, "%s image %dx%dx%d dense", p->name, batch, width, height);
            compare(what, d_ref, d_got, (int64_t)batch * N, E, p->bf16);
        }
    }
done:
    free(pix);
    free(e_ref);
    free(e_got);
    free(d_ref);
    free(d_got);
}

static void text_case(pair *p, uint64_t *rng, int32_t batch, int32_t length) {
    const gog_tower_config *t = &p->cfg.text;
    const int32_t E = p->cfg.embed_dim;
    int32_t *ids = (int32_t *)malloc((size_t)batch * length * sizeof(int32_t));
    float *ref = (float *)malloc((size_t)batch * E * sizeof(float));
    float *got = (float *)malloc((size_t)batch * E * sizeof(float));
    if (!ids || !ref || !got) {
        fprintf(stderr, "out of memory\n");
        gog_test_failures++;
    } else {
        const int legacy = p->cfg.family == GOG_ENCODER_CLIP && t->eos_token_id == 2;
        random_ids(rng, ids, batch, length, t->vocab_size, legacy ? t->vocab_size - 1 : t->eos_token_id, 1);
        CHECK_STATUS(gog_encoder_encode_text(p->cpu, ids, batch, length, ref), GOG_OK);
        memset(got, 0xff, (size_t)batch * E * sizeof(float));
        gog_status st = gog_cuda_encoder_encode_text(p->gpu, ids, batch, length, got);
        CHECK_STATUS(st, GOG_OK);
        if (st == GOG_OK) {
            char what[96];
            snprintf(what, sizeof what, "%s text %dx%d", p->name, batch, length);
            compare(what, ref, got, batch, E, p->bf16);
        }
    }
    free(ids);
    free(ref);
    free(got);
}

/* Builds the CPU and the device encoder of cfg (tensors seeded by `seed`) for both compute
 * types and compares them on the cases above. */
static void model_checks(const char *name, gog_encoder_config cfg, uint64_t seed, int mixed) {
    for (int bf16 = 0; bf16 < 2; bf16++) {
        cfg.compute = bf16 ? GOG_COMPUTE_BF16 : GOG_COMPUTE_F32;
        char label[64];
        snprintf(label, sizeof label, "%s %s", name, bf16 ? "bf16" : "f32");
        printf("%s\n", label);
        enc_model host, dev;
        if (!em_build(&host, &cfg, seed, mixed) || !em_build(&dev, &cfg, seed, mixed)) {
            fprintf(stderr, "%s: out of memory building the model\n", label);
            gog_test_failures++;
            em_free(&host);
            em_free(&dev);
            continue;
        }
        pair p;
        memset(&p, 0, sizeof p);
        p.cfg = cfg;
        p.bf16 = bf16;
        p.name = label;
        gog_encoder_config cpu_cfg = cfg;
        cpu_cfg.isa = GOG_ISA_SCALAR;
        cpu_cfg.threads = 2;
        CHECK_STATUS(gog_encoder_create(&cpu_cfg, host.t, host.n, &p.cpu), GOG_OK);
        CHECK_STATUS(gog_cuda_encoder_create(0, &cfg, dev.t, dev.n, &p.gpu), GOG_OK);
        /* The device encoder copied everything: its tensors may go now. */
        em_free(&dev);
        if (p.cpu && p.gpu) {
            uint64_t rng = seed * 7919u + (uint64_t)bf16;
            if (cfg.vision.layers > 0) {
                image_case(&p, &rng, 3, 40, 40, 1);
                image_case(&p, &rng, 1, 32, 48, 1);
                image_case(&p, &rng, 3, 40, 56, 0);
                image_case(&p, &rng, 5, 40, 40, 1);
                image_case(&p, &rng, 2, 32, 48, 1); /* the cached resampled table */
            } else { /* text only */
                float e[24];
                float px[3 * 8 * 8] = {0};
                CHECK_STATUS(gog_cuda_encoder_encode_image(p.gpu, px, 1, 8, 8, e, NULL), GOG_ERR_INVALID_ARGUMENT);
                CHECK(strstr(gog_last_error(), "no vision tower") != NULL);
            }
            text_case(&p, &rng, 3, cfg.text.max_positions);
            text_case(&p, &rng, 2, 7);
            text_case(&p, &rng, 1, 1);
        }
        gog_encoder_destroy(p.cpu);
        gog_cuda_encoder_destroy(p.gpu);
        em_free(&host);
    }
}

/* ------------------------------------------------------------------ statuses */

static void status_checks(int32_t n_devices) {
    printf("statuses\n");
    gog_encoder_config cfg = clip_config();
    enc_model m;
    if (!em_build(&m, &cfg, 99, 0)) {
        gog_test_failures++;
        em_free(&m);
        return;
    }
    gog_cuda_encoder *enc = (gog_cuda_encoder *)&m; /* any non-NULL value: must be reset */
    CHECK_STATUS(gog_cuda_encoder_create(-1, &cfg, m.t, m.n, &enc), GOG_ERR_INVALID_ARGUMENT);
    CHECK(enc == NULL);
    CHECK_STATUS(gog_cuda_encoder_create(n_devices, &cfg, m.t, m.n, &enc), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_encoder_create(0, &cfg, m.t, m.n, NULL), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_encoder_create(0, NULL, m.t, m.n, &enc), GOG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(gog_cuda_encoder_create(0, &cfg, NULL, m.n, &enc), GOG_ERR_INVALID_ARGUMENT);

    gog_encoder_config bad = cfg;
    bad.vision.heads = 5; /* does not divide 44 */
    CHECK_STATUS(gog_cuda_encoder_create(0, &bad, m.t, m.n, &enc), GOG_ERR_MODEL);
    CHECK(strstr(gog_last_error(), "num_attention_heads") != NULL);
    bad = cfg;
    bad.compute = 7;
    CHECK_STATUS(gog_cuda_encoder_create(0, &bad, m.t, m.n, &enc), GOG_ERR_UNSUPPORTED);
    bad = cfg;
    bad.family = 9;
    CHECK_STATUS(gog_cuda_encoder_create(0, &bad, m.t, m.n, &enc), GOG_ERR_MODEL);

    /* A missing tensor and a tensor of the wrong shape are named. */
    const int64_t i = em_find(&m, "vision_model.encoder.layers.1.mlp.fc2.bias");
    CHECK(i >= 0);
    if (i >= 0) {
        gog_tensor_desc saved = m.t[i];
        m.t[i] = m.t[m.n - 1];
        CHECK_STATUS(gog_cuda_encoder_create(0, &cfg, m.t, m.n - 1, &enc), GOG_ERR_MODEL);
        CHECK(strstr(gog_last_error(), "vision_model.encoder.layers.1.mlp.fc2.bias") != NULL);
        m.t[m.n - 1] = m.t[i];
        m.t[i] = saved;
        m.t[i].shape[0] = 43;
        m.t[i].nbytes = 43 * 4;
        CHECK_STATUS(gog_cuda_encoder_create(0, &cfg, m.t, m.n, &enc), GOG_ERR_MODEL);
        CHECK(strstr(gog_last_error(), "vision_model.encoder.layers.1.mlp.fc2.bias") != NULL);
        m.t[i].shape[0] = 44;
        m.t[i].nbytes = 44 * 4;
    }
    CHECK(enc == NULL);

    /* Argument checks on a working encoder. */
    CHECK_STATUS(gog_cuda_encoder_create(0, &cfg, m.t, m.n, &enc), GOG_OK);
    if (enc) {
        float pix[3 * 40 * 40] = {0}, e[24];
        int32_t ids[16] = {0};
        CHECK_STATUS(gog_cuda_encoder_encode_image(NULL, pix, 1, 40, 40, e, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_image(enc, NULL, 1, 40, 40, e, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_image(enc, pix, 1, 40, 40, NULL, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_image(enc, pix, 0, 40, 40, e, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_image(enc, pix, 1, 41, 40, e, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK(strstr(gog_last_error(), "patch size 8") != NULL);
        CHECK_STATUS(gog_cuda_encoder_encode_image(enc, pix, 1, 4, 8, e, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_text(NULL, ids, 1, 4, e), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_text(enc, ids, 1, 17, e), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_text(enc, ids, 1, 0, e), GOG_ERR_INVALID_ARGUMENT);
        ids[3] = 1000;
        CHECK_STATUS(gog_cuda_encoder_encode_text(enc, ids, 1, 4, e), GOG_ERR_INVALID_ARGUMENT);
        CHECK(strstr(gog_last_error(), "token id 1000") != NULL);
        ids[3] = -1;
        CHECK_STATUS(gog_cuda_encoder_encode_text(enc, ids, 1, 4, e), GOG_ERR_INVALID_ARGUMENT);
        ids[3] = 0;
        /* Still usable after rejected calls. */
        CHECK_STATUS(gog_cuda_encoder_encode_text(enc, ids, 1, 4, e), GOG_OK);
        CHECK_STATUS(gog_cuda_encoder_encode_image(enc, pix, 1, 40, 40, e, NULL), GOG_OK);
    }
    gog_cuda_encoder_destroy(enc);
    gog_cuda_encoder_destroy(NULL);
    em_free(&m);
}

/* ------------------------------------------------------------------ threads */

typedef struct {
    gog_cuda_encoder *gpu;
    const float *pix;   /* [3][3][40][40] */
    const float *ref;   /* [3][24] */
    int failures;
} worker;

static void *worker_main(void *arg) {
    worker *w = (worker *)arg;
    float got[3 * 24];
    for (int round = 0; round < 8; round++) {
        if (gog_cuda_encoder_encode_image(w->gpu, w->pix, 3, 40, 40, got, NULL) != GOG_OK) {
            fprintf(stderr, "thread: %s\n", gog_last_error());
            w->failures++;
            return NULL;
        }
        for (int i = 0; i < 3 * 24; i++) {
            if (!(fabsf(got[i] - w->ref[i]) <= 1e-4f)) {
                fprintf(stderr, "thread round %d: value %d is %g, want %g\n", round, i, got[i], w->ref[i]);
                w->failures++;
                return NULL;
            }
        }
    }
    return NULL;
}

static void thread_checks(void) {
    printf("threads\n");
    enum { T = 3 };
    gog_encoder_config cfg = clip_config();
    enc_model m;
    gog_encoder *cpu = NULL;
    gog_cuda_encoder *gpu = NULL;
    float *pix = (float *)malloc((size_t)T * 3 * 3 * 40 * 40 * sizeof(float));
    float *ref = (float *)malloc((size_t)T * 3 * 24 * sizeof(float));
    if (!em_build(&m, &cfg, 7, 0) || !pix || !ref) {
        gog_test_failures++;
        goto done;
    }
    gog_encoder_config cpu_cfg = cfg;
    cpu_cfg.isa = GOG_ISA_SCALAR;
    CHECK_STATUS(gog_encoder_create(&cpu_cfg, m.t, m.n, &cpu), GOG_OK);
    CHECK_STATUS(gog_cuda_encoder_create(0, &cfg, m.t, m.n, &gpu), GOG_OK);
    if (!cpu || !gpu) goto done;
    uint64_t rng = 4242;
    random_pixels(&rng, pix, (size_t)T * 3 * 3 * 40 * 40);
    for (int i = 0; i < T; i++)
        CHECK_STATUS(gog_encoder_encode_image(cpu, pix + (size_t)i * 3 * 3 * 40 * 40, 3, 40, 40, ref + i * 3 * 24, NULL), GOG_OK);
    pthread_t th[T];
    worker w[T];
    int started[T];
    for (int i = 0; i < T; i++) {
        w[i].gpu = gpu;
        w[i].pix = pix + (size_t)i * 3 * 3 * 40 * 40;
        w[i].ref = ref + i * 3 * 24;
        w[i].failures = 0;
        started[i] = pthread_create(&th[i], NULL, worker_main, &w[i]) == 0;
        CHECK(started[i]);
    }
    int failures = 0;
    for (int i = 0; i < T; i++) {
        if (started[i]) pthread_join(th[i], NULL);
        failures += w[i].failures;
    }
    gog_test_failures += failures;
    printf("  %d threads x 8 calls on one encoder: %s\n", T, failures ? "FAILED" : "ok");
done:
    gog_encoder_destroy(cpu);
    gog_cuda_encoder_destroy(gpu);
    em_free(&m);
    free(pix);
    free(ref);
}

/* ------------------------------------------------------------------ device-resident path */

/* Device buffers of one image call (gog_cuda_malloc), NULL members when allocation failed. */
typedef struct {
    float *pix, *emb, *dense;
    size_t pix_n, emb_n, dense_n;
} dev_bufs;

static int dev_bufs_alloc(dev_bufs *b, int32_t batch, int32_t C, int32_t height, int32_t width, int32_t N,
                          int32_t E) {
    memset(b, 0, sizeof *b);
    b->pix_n = (size_t)batch * C * height * width;
    b->emb_n = (size_t)batch * E;
    b->dense_n = (size_t)batch * N * E;
    void *p = NULL, *e = NULL, *d = NULL;
    CHECK_STATUS(gog_cuda_malloc(0, b->pix_n * sizeof(float), &p), GOG_OK);
    CHECK_STATUS(gog_cuda_malloc(0, b->emb_n * sizeof(float), &e), GOG_OK);
    CHECK_STATUS(gog_cuda_malloc(0, b->dense_n * sizeof(float), &d), GOG_OK);
    b->pix = (float *)p;
    b->emb = (float *)e;
    b->dense = (float *)d;
    return p && e && d;
}

static void dev_bufs_free(dev_bufs *b) {
    CHECK_STATUS(gog_cuda_free(0, b->pix), GOG_OK);
    CHECK_STATUS(gog_cuda_free(0, b->emb), GOG_OK);
    CHECK_STATUS(gog_cuda_free(0, b->dense), GOG_OK);
    memset(b, 0, sizeof *b);
}

/* Poisons the device outputs (NaN bytes), runs the device form, copies the outputs back. */
static gog_status run_device_form(gog_cuda_encoder *gpu, const dev_bufs *b, int32_t batch, int32_t height,
                                  int32_t width, float *emb, float *dense, float *scratch) {
    memset(scratch, 0xff, b->dense_n * sizeof(float));
    CHECK_STATUS(gog_cuda_copy_to_device(0, b->emb, scratch, b->emb_n * sizeof(float)), GOG_OK);
    CHECK_STATUS(gog_cuda_copy_to_device(0, b->dense, scratch, b->dense_n * sizeof(float)), GOG_OK);
    const gog_status st = gog_cuda_encoder_encode_image_device(gpu, b->pix, batch, height, width, b->emb, b->dense);
    if (st != GOG_OK) return st;
    CHECK_STATUS(gog_cuda_copy_to_host(0, emb, b->emb, b->emb_n * sizeof(float)), GOG_OK);
    CHECK_STATUS(gog_cuda_copy_to_host(0, dense, b->dense, b->dense_n * sizeof(float)), GOG_OK);
    return GOG_OK;
}

/* Counts the values whose bytes differ (0: bit-identical). */
static int64_t bytes_differ(const float *a, const float *b, size_t n) {
    int64_t d = 0;
    for (size_t i = 0; i < n; i++) d += memcmp(&a[i], &b[i], sizeof(float)) != 0;
    return d;
}

static void expect_identical(const char *what, const float *ref, const float *got, size_t n) {
    const int64_t d = bytes_differ(ref, got, n);
    printf("  %-52s %7zu values, %lld differ  %s\n", what, n, (long long)d, d ? "FAILED" : "ok");
    if (d) gog_test_failures++;
}

/* One model, one compute type: device form == host form, graphs == eager, at two shapes. */
static void device_form_case(const char *name, gog_encoder_config cfg, uint64_t seed, int mixed, int bf16) {
    cfg.compute = bf16 ? GOG_COMPUTE_BF16 : GOG_COMPUTE_F32;
    char label[64];
    snprintf(label, sizeof label, "%s %s", name, bf16 ? "bf16" : "f32");
    printf("device-resident path: %s\n", label);
    enc_model m;
    gog_cuda_encoder *gpu = NULL;
    if (!em_build(&m, &cfg, seed, mixed)) {
        gog_test_failures++;
        em_free(&m);
        return;
    }
    CHECK_STATUS(gog_cuda_encoder_create(0, &cfg, m.t, m.n, &gpu), GOG_OK);
    em_free(&m);
    if (!gpu) return;
    static const int32_t shapes[2][3] = {{3, 40, 40}, {2, 32, 48}};
    const int32_t E = cfg.embed_dim, C = cfg.vision.channels, P = cfg.vision.patch_size;
    uint64_t rng = seed * 31u + (uint64_t)bf16;
    for (int k = 0; k < 2; k++) {
        const int32_t batch = shapes[k][0], height = shapes[k][1], width = shapes[k][2];
        const int32_t N = (height / P) * (width / P);
        dev_bufs b;
        const size_t pix_n = (size_t)batch * C * height * width, emb_n = (size_t)batch * E;
        const size_t dense_n = (size_t)batch * N * E;
        float *pix = (float *)malloc(pix_n * sizeof(float));
        float *e_host = (float *)malloc(emb_n * sizeof(float)), *d_host = (float *)malloc(dense_n * sizeof(float));
        float *e_got = (float *)malloc(emb_n * sizeof(float)), *d_got = (float *)malloc(dense_n * sizeof(float));
        float *scratch = (float *)malloc(dense_n * sizeof(float));
        if (!dev_bufs_alloc(&b, batch, C, height, width, N, E) || !pix || !e_host || !d_host || !e_got ||
            !d_got || !scratch) {
            gog_test_failures++;
            goto next;
        }
        random_pixels(&rng, pix, pix_n);
        CHECK_STATUS(gog_cuda_copy_to_device(0, b.pix, pix, pix_n * sizeof(float)), GOG_OK);

        /* Eager: host form, then device form. */
        CHECK_STATUS(gog_cuda_encoder_set_graphs(gpu, 0), GOG_OK);
        CHECK_STATUS(gog_cuda_encoder_encode_image(gpu, pix, batch, height, width, e_host, d_host), GOG_OK);
        CHECK_STATUS(run_device_form(gpu, &b, batch, height, width, e_got, d_got, scratch), GOG_OK);
        char what[128];
        snprintf(what, sizeof what, "%s %dx%dx%d device == host embeds", label, batch, width, height);
        expect_identical(what, e_host, e_got, emb_n);
        snprintf(what, sizeof what, "%s %dx%dx%d device == host dense", label, batch, width, height);
        expect_identical(what, d_host, d_got, dense_n);

        /* Graphs: call 1 eager (warm), call 2 captured and launched, calls 3..5 replayed. */
        CHECK_STATUS(gog_cuda_encoder_set_graphs(gpu, 1), GOG_OK);
        int32_t graphs0 = 0, replays0 = 0;
        CHECK_STATUS(gog_cuda_encoder_graph_info(gpu, &graphs0, &replays0, NULL, 0), GOG_OK);
        int64_t differ = 0;
        for (int call = 0; call < 5; call++) {
            CHECK_STATUS(run_device_form(gpu, &b, batch, height, width, e_got, d_got, scratch), GOG_OK);
            differ += bytes_differ(e_host, e_got, emb_n) + bytes_differ(d_host, d_got, dense_n);
        }
        /* The host form's buffers are the workspace's: it replays too. */
        for (int call = 0; call < 4; call++) {
            CHECK_STATUS(gog_cuda_encoder_encode_image(gpu, pix, batch, height, width, e_got, d_got), GOG_OK);
            differ += bytes_differ(e_host, e_got, emb_n) + bytes_differ(d_host, d_got, dense_n);
        }
        int32_t graphs = 0, replays = 0;
        char why[320] = "";
        CHECK_STATUS(gog_cuda_encoder_graph_info(gpu, &graphs, &replays, why, sizeof why), GOG_OK);
        printf("  %-52s graphs %d, replays %d (+%d), %lld values differ from eager  %s%s%s\n", label, graphs,
               replays, replays - replays0, (long long)differ,
               differ == 0 && replays - replays0 >= 5 ? "ok" : "FAILED", why[0] ? "; last failure: " : "", why);
        CHECK(differ == 0);
        CHECK(graphs >= 1);
        CHECK(replays - replays0 >= 5); /* device calls 3..5, host calls 3..4 */
        CHECK(why[0] == '\0');
        CHECK_STATUS(gog_cuda_encoder_set_graphs(gpu, 0), GOG_OK);
        CHECK_STATUS(gog_cuda_encoder_graph_info(gpu, &graphs, NULL, NULL, 0), GOG_OK);
        CHECK(graphs == 0);
    next:
        dev_bufs_free(&b);
        free(pix);
        free(e_host);
        free(d_host);
        free(e_got);
        free(d_got);
        free(scratch);
    }
    gog_cuda_encoder_destroy(gpu);
}

/* Pointer and argument checks of the device form and of reserve. */
static void device_form_statuses(void) {
    printf("device-resident path: statuses\n");
    gog_encoder_config cfg = clip_config();
    enc_model m;
    gog_cuda_encoder *gpu = NULL, *text_only = NULL;
    if (!em_build(&m, &cfg, 5, 0)) {
        gog_test_failures++;
        em_free(&m);
        return;
    }
    CHECK_STATUS(gog_cuda_encoder_create(0, &cfg, m.t, m.n, &gpu), GOG_OK);
    em_free(&m);
    gog_encoder_config tcfg = legacy_config();
    if (em_build(&m, &tcfg, 6, 0)) CHECK_STATUS(gog_cuda_encoder_create(0, &tcfg, m.t, m.n, &text_only), GOG_OK);
    else gog_test_failures++;
    em_free(&m);
    dev_bufs b;
    memset(&b, 0, sizeof b);
    float host_pix[3 * 40 * 40] = {0}, host_emb[24], host_dense[25 * 24];
    if (gpu && dev_bufs_alloc(&b, 1, 3, 40, 40, 25, 24)) {
        CHECK_STATUS(gog_cuda_copy_to_device(0, b.pix, host_pix, sizeof host_pix), GOG_OK);
        CHECK_STATUS(gog_cuda_encoder_encode_image_device(gpu, b.pix, 1, 40, 40, b.emb, b.dense), GOG_OK);
        CHECK_STATUS(gog_cuda_encoder_encode_image_device(gpu, host_pix, 1, 40, 40, b.emb, NULL),
                     GOG_ERR_INVALID_ARGUMENT);
        CHECK(strstr(gog_last_error(), "pixels_dev") != NULL);
        CHECK_STATUS(gog_cuda_encoder_encode_image_device(gpu, b.pix, 1, 40, 40, host_emb, NULL),
                     GOG_ERR_INVALID_ARGUMENT);
        CHECK(strstr(gog_last_error(), "embeds_dev") != NULL);
        CHECK_STATUS(gog_cuda_encoder_encode_image_device(gpu, b.pix, 1, 40, 40, b.emb, host_dense),
                     GOG_ERR_INVALID_ARGUMENT);
        CHECK(strstr(gog_last_error(), "dense_dev") != NULL);
        CHECK_STATUS(gog_cuda_encoder_encode_image_device(gpu, NULL, 1, 40, 40, b.emb, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_image_device(gpu, b.pix, 1, 40, 40, NULL, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_image_device(gpu, b.pix, 0, 40, 40, b.emb, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_image_device(gpu, b.pix, 1, 41, 40, b.emb, NULL), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_encode_image_device(NULL, b.pix, 1, 40, 40, b.emb, NULL), GOG_ERR_INVALID_ARGUMENT);
        if (text_only) {
            CHECK_STATUS(gog_cuda_encoder_encode_image_device(text_only, b.pix, 1, 8, 8, b.emb, NULL),
                         GOG_ERR_INVALID_ARGUMENT);
            CHECK(strstr(gog_last_error(), "no vision tower") != NULL);
        }
        /* Still usable after rejected calls. */
        CHECK_STATUS(gog_cuda_encoder_encode_image_device(gpu, b.pix, 1, 40, 40, b.emb, NULL), GOG_OK);
    } else {
        gog_test_failures++;
    }
    if (gpu) {
        CHECK_STATUS(gog_cuda_encoder_reserve(gpu, -1, 40, 40, 0, 0), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_reserve(gpu, 1, 41, 40, 0, 0), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_reserve(gpu, 0, 0, 0, 1, 17), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_reserve(gpu, 0, 0, 0, 1, 0), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_reserve(gpu, 0, 0, 0, -1, 4), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_reserve(gpu, 0, 0, 0, 0, 0), GOG_OK);
        CHECK_STATUS(gog_cuda_encoder_reserve(gpu, 2, 40, 40, 2, 16), GOG_OK);
    }
    if (text_only) {
        CHECK_STATUS(gog_cuda_encoder_reserve(text_only, 1, 40, 40, 0, 0), GOG_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gog_cuda_encoder_reserve(text_only, 0, 0, 0, 4, 16), GOG_OK);
    }
    CHECK_STATUS(gog_cuda_encoder_reserve(NULL, 1, 40, 40, 1, 16), GOG_ERR_INVALID_ARGUMENT);
    if (b.pix || b.emb || b.dense) dev_bufs_free(&b);
    gog_cuda_encoder_destroy(gpu);
    gog_cuda_encoder_destroy(text_only);
}

/* After reserve, calls within the reservation allocate nothing on the device. The grids are
 * seen once at batch 1 first (their position tables are made on first use, outside the
 * reservation's promise), and another encoder runs every shape first so that lazy loading of
 * kernels (ours and cuBLAS's) has happened before the measurement. */
static void reserve_checks(void) {
    printf("reserve\n");
    gog_encoder_config cfg = clip_config();
    cfg.compute = GOG_COMPUTE_F32;
    enc_model m;
    if (!em_build(&m, &cfg, 21, 0)) {
        gog_test_failures++;
        em_free(&m);
        return;
    }
    static const int32_t shapes[3][2] = {{40, 40}, {32, 48}, {40, 56}};
    enum { MAXB = 4 };
    float *pix = (float *)malloc((size_t)MAXB * 3 * 40 * 56 * sizeof(float));
    float *emb = (float *)malloc((size_t)MAXB * 24 * sizeof(float));
    float *dense = (float *)malloc((size_t)MAXB * 35 * 24 * sizeof(float));
    int32_t ids[3 * 16];
    uint64_t rng = 99;
    gog_cuda_encoder *warm = NULL, *gpu = NULL;
    if (!pix || !emb || !dense) {
        gog_test_failures++;
        goto done;
    }
    random_pixels(&rng, pix, (size_t)MAXB * 3 * 40 * 56);
    random_ids(&rng, ids, 3, 16, 1000, 500, 0);
    CHECK_STATUS(gog_cuda_encoder_create(0, &cfg, m.t, m.n, &warm), GOG_OK);
    CHECK_STATUS(gog_cuda_encoder_create(0, &cfg, m.t, m.n, &gpu), GOG_OK);
    if (!warm || !gpu) goto done;
    for (int32_t bt = 1; bt <= MAXB; bt++)
        for (int k = 0; k < 3; k++) {
            CHECK_STATUS(gog_cuda_encoder_encode_image(warm, pix, bt, shapes[k][0], shapes[k][1], emb, dense), GOG_OK);
            CHECK_STATUS(gog_cuda_encoder_encode_image(warm, pix, bt, shapes[k][0], shapes[k][1], emb, NULL), GOG_OK);
        }
    CHECK_STATUS(gog_cuda_encoder_encode_text(warm, ids, 3, 16, emb), GOG_OK);
    CHECK_STATUS(gog_cuda_encoder_encode_text(warm, ids, 2, 7, emb), GOG_OK);
    for (int k = 0; k < 3; k++)
        CHECK_STATUS(gog_cuda_encoder_encode_image(gpu, pix, 1, shapes[k][0], shapes[k][1], emb, NULL), GOG_OK);
    CHECK_STATUS(gog_cuda_encoder_reserve(gpu, MAXB, 40, 56, 3, 16), GOG_OK);
    size_t free0 = 0, total = 0, free1 = 0;
    CHECK(cudaMemGetInfo(&free0, &total) == cudaSuccess);
    for (int call = 0; call < 20; call++) {
        const int32_t bt = 1 + call % MAXB;
        const int k = call % 3;
        if (call % 5 == 4) {
            CHECK_STATUS(gog_cuda_encoder_encode_text(gpu, ids, call % 2 ? 3 : 2, call % 2 ? 16 : 7, emb), GOG_OK);
        } else {
            CHECK_STATUS(gog_cuda_encoder_encode_image(gpu, pix, bt, shapes[k][0], shapes[k][1], emb,
                                                       call % 2 ? dense : NULL), GOG_OK);
        }
    }
    CHECK(cudaMemGetInfo(&free1, &total) == cudaSuccess);
    printf("  20 calls within the reservation: free device memory %zu -> %zu bytes  %s\n", free0, free1,
           free1 >= free0 ? "ok" : "FAILED");
    CHECK(free1 >= free0);
done:
    gog_cuda_encoder_destroy(warm);
    gog_cuda_encoder_destroy(gpu);
    em_free(&m);
    free(pix);
    free(emb);
    free(dense);
}

int main(void) {
    const int32_t n = gog_cuda_device_count();
    if (n == 0) {
        printf("skipped: no CUDA device\n");
        return GOG_TEST_SKIP;
    }
    /* cuBLAS present? A one-layer text-only model is the cheapest probe. */
    {
        gog_encoder_config cfg = legacy_config();
        cfg.text.layers = 1;
        enc_model m;
        gog_cuda_encoder *enc = NULL;
        if (!em_build(&m, &cfg, 1, 0)) {
            em_free(&m);
            fprintf(stderr, "out of memory\n");
            return 1;
        }
        const gog_status st = gog_cuda_encoder_create(0, &cfg, m.t, m.n, &enc);
        em_free(&m);
        gog_cuda_encoder_destroy(enc);
        if (st == GOG_ERR_UNSUPPORTED && strstr(gog_last_error(), "cuBLAS")) {
            printf("skipped: cuBLAS not available: %s\n", gog_last_error());
            return GOG_TEST_SKIP;
        }
        CHECK_STATUS(st, GOG_OK);
        if (st != GOG_OK) TEST_EXIT();
    }
    char name[256];
    int32_t major = 0, minor = 0;
    if (gog_cuda_device_info(0, name, sizeof name, &major, &minor) == GOG_OK)
        printf("device 0: %s (compute capability %d.%d)\n", name, (int)major, (int)minor);

    model_checks("clip", clip_config(), 11, 0);
    model_checks("siglip", siglip_config(), 12, 1);
    model_checks("legacy clip text", legacy_config(), 13, 0);
    status_checks(n);
    thread_checks();
    for (int bf16 = 0; bf16 < 2; bf16++) {
        device_form_case("clip", clip_config(), 31, 0, bf16);
        device_form_case("siglip", siglip_config(), 32, 1, bf16);
    }
    device_form_statuses();
    reserve_checks();
    TEST_EXIT();
}
