/*
 * libgog_cuda: the CLIP / SigLIP encoder of gog_encoder.h on a CUDA device (gog_cuda.h).
 *
 * It mirrors src/encoder/encoder.c step by step: the same weights (read and validated by
 * libgog's gog_weights_* and gog_encoder_check_config), the same fused q/k/v matrix, the same
 * precomputed SigLIP probe query, the same bicubic position resampler, and the same forward,
 * with cuBLAS GEMMs (loaded at run time, cublas_dl.h) and the kernels of encoder_kernels.cuh
 * in between.
 *
 * Numerics (GOG_COMPUTE_F32 / _BF16 as defined by the CPU reference):
 *   linear   y = act(x W^T + b) (+ residual): cublasGemmEx, fp32 output, compute
 *            CUBLAS_COMPUTE_32F; F32: fp32 W and x; BF16: W stored as bf16, x rounded to bf16
 *            by a kernel just before the GEMM. Bias, activation and residual in one
 *            element-wise kernel after it.
 *   attention  per (sequence, head), always fp32: S = scale Q K^T and O = P V with
 *            cublasGemmStridedBatchedEx over (sequence, head) pairs in a head-major copy of
 *            q, k and v; a row softmax kernel in between (max subtracted, causal mask for
 *            CLIP text). Score memory is bounded (kScoreFloats): the pairs, and for very long
 *            sequences the queries, are processed in chunks.
 *   LayerNorm, L2 normalisation: one block per row.
 *
 * Memory: weights are uploaded once at creation (bf16 for the linear layers under BF16, fp32
 * otherwise; the token table in its checkpoint dtype). Each call lays its activations out in
 * one device workspace and its host transfers in one pinned buffer; both only grow and are
 * reused, so a warm encoder makes no allocation per call. One function per tower computes a
 * call's layout and sizes (image_layout, text_layout): the calls and
 * gog_cuda_encoder_reserve use it. Position tables for grids other than the trained one are
 * resampled on the host and cached on the device (16 grids). cuBLAS gets a fixed workspace of
 * the encoder's (cublasSetWorkspace_v2, when the library has it).
 *
 * Image forms: forward_image enqueues the forward between device buffers and does nothing
 * else (no synchronisation, no allocation, no host work: position tables and the workspace are
 * ready before it). The device form runs it between the caller's buffers; the host form is
 * an upload into the workspace, the same forward, a download. With graphs on (run_image), the
 * forward of a key (shape and every buffer address) runs eagerly the first time, is captured
 * (thread-local mode) and launched the second, replayed afterwards; any graph failure is
 * recorded and that key runs eagerly from then on.
 *
 * Concurrency: one stream and one cuBLAS handle per encoder, a mutex around every call; each
 * call ends with its stream synchronised, also after a failure, so the next call (or destroy)
 * never races with work still queued.
 */
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <pthread.h>

#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

extern "C" {
#include "common/internal.h"
#include "encoder/weights.h"
}
#include "cublas_dl.h"
#include "cuda_common.cuh"
#include "encoder_kernels.cuh"
#include "gog/gog_cuda.h"

namespace {

using namespace gog_enc;
using namespace gog_cu;

constexpr int32_t kPosCache = 16;                 /* resampled position tables kept        */
constexpr size_t kScoreFloats = (size_t)64 << 20; /* attention scores per chunk (256 MiB)  */
constexpr size_t kGrowStep = (size_t)1 << 20;     /* workspace sizes round up to this      */
constexpr size_t kUploadChunk = (size_t)8 << 20;  /* bytes of pixels per upload copy       */
constexpr unsigned kElementBlock = 256;           /* threads of element-wise kernels       */
constexpr int64_t kMaxBlocks = (int64_t)1 << 20;  /* grid cap; kernels stride beyond it    */
constexpr int32_t kGraphs = 16;                   /* CUDA graphs kept (LRU)                */
constexpr size_t kBlasWorkspace = (size_t)32 << 20; /* cuBLAS's fixed workspace (its Hopper
                                                       default pool size)                 */

/* ----------------------------------------------------------------------------------------
 * Errors and the current device
 * -------------------------------------------------------------------------------------- */

#define ENC_TRY(call)                                                                     \
    do {                                                                                  \
        const gog_status s_ = (call);                                                     \
        if (s_ != GOG_OK) return s_;                                                      \
    } while (0)


/* Grid for an element-wise kernel over n values. */
unsigned element_blocks(int64_t n) {
    int64_t b = (n + kElementBlock - 1) / kElementBlock;
    if (b < 1) b = 1;
    return (unsigned)(b < kMaxBlocks ? b : kMaxBlocks);
}

/* Block size of a row kernel over rows of d values: a multiple of 32 up to 256. */
unsigned row_threads(int64_t d) {
    int64_t t = (d + 31) / 32 * 32;
    if (t < 32) t = 32;
    return (unsigned)(t > 256 ? 256 : t);
}

unsigned row_blocks(int64_t rows) {
    return (unsigned)(rows < 1 ? 1 : (rows < kMaxBlocks ? rows : kMaxBlocks));
}

/* Checks the launch just made (configuration errors show here; faults during execution show
 * at the call's final synchronisation). */
gog_status launched(const char *kernel) {
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) {
        return gog_fail(status_of(e), "launching %s failed: %s (%s)", kernel, cudaGetErrorName(e),
                        cudaGetErrorString(e));
    }
    return GOG_OK;
}

/* Rounds fp32 to bf16 bits, to nearest even (NaN stays a quiet NaN): the CPU's rounding. */
uint16_t bf16_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu)) {
        u |= 0x00400000u;
    } else {
        u += 0x7fffu + ((u >> 16) & 1u);
    }
    return (uint16_t)(u >> 16);
}

/* ----------------------------------------------------------------------------------------
 * The model on the device
 * -------------------------------------------------------------------------------------- */

/* A linear layer: w [n][k] (fp32, or bf16 under GOG_COMPUTE_BF16), bias [n] fp32 or NULL. */
struct Linear {
    void *w = nullptr;
    float *bias = nullptr;
    int32_t n = 0, k = 0;
};

struct Layer {
    Linear qkv, out, fc1, fc2;
    float *ln1_g = nullptr, *ln1_b = nullptr, *ln2_g = nullptr, *ln2_b = nullptr;
};

struct PosEntry {
    int32_t rows = 0, cols = 0;
    float *table = nullptr; /* device [rows * cols][D], owned by the cache */
};

struct Tower {
    gog_tower_config cfg{};
    Layer *layers = nullptr;          /* host array of device pointers                     */
    /* vision */
    Linear patch;                     /* [D][C*p*p] (+ bias for SigLIP)                    */
    float *cls = nullptr;             /* [D] CLIP                                          */
    float *pos = nullptr;             /* [pos_rows][D]                                     */
    int32_t pos_rows = 0;
    float *pos_grid_host = nullptr;   /* host copy of the trained grid, for resampling     */
    float *pre_g = nullptr, *pre_b = nullptr;
    float *post_g = nullptr, *post_b = nullptr; /* post_layernorm / final_layer_norm       */
    Linear proj;                      /* CLIP projections / SigLIP text head               */
    /* SigLIP attention-pooling head */
    float *probe_q = nullptr;         /* [D] = probe Wq^T + bq                             */
    Linear head_kv, head_out, head_fc1, head_fc2;
    float *head_ln_g = nullptr, *head_ln_b = nullptr;
    /* text */
    void *tok = nullptr;              /* [V][D] in the checkpoint's dtype                  */
    int32_t tok_dtype = 0;
    PosEntry cache[kPosCache];
    int32_t cache_n = 0;
};

/* What a captured image forward depends on besides the weights (fixed for the encoder's
 * life): the shape and every buffer address baked into the graph. */
struct GraphKey {
    int32_t batch = 0, height = 0, width = 0;
    const void *pix = nullptr, *emb = nullptr, *dense = nullptr, *ws = nullptr, *pos = nullptr;
    bool operator==(const GraphKey &o) const {
        return batch == o.batch && height == o.height && width == o.width && pix == o.pix &&
               emb == o.emb && dense == o.dense && ws == o.ws && pos == o.pos;
    }
};

/* A key seen once (warm, exec NULL), captured (exec set) or given up on (failed). */
struct GraphEntry {
    bool used = false;
    bool failed = false;
    GraphKey key;
    cudaGraphExec_t exec = nullptr;
    uint64_t last_use = 0;
};

} // namespace

struct gog_cuda_encoder {
    int32_t device = 0;
    gog_encoder_config cfg{};
    bool clip = false, bf16 = false, tf32 = false;
    pthread_mutex_t lock;
    bool lock_ready = false;
    cudaStream_t stream = nullptr;
    const gog_cublas_api *blas = nullptr;
    gog_cublas_handle handle = nullptr;
    Tower vision, text;
    bool has_vision = false, has_text = false;
    void **allocs = nullptr; /* every device allocation of the weights */
    size_t n_allocs = 0, cap_allocs = 0;
    void *ws = nullptr;      /* device workspace of a call */
    size_t ws_cap = 0;
    void *pin = nullptr;     /* pinned staging of a call */
    size_t pin_cap = 0;
    /* CUDA graphs of the image forward (gog_cuda_encoder_set_graphs) */
    bool graphs_on = false;
    bool graphs_available = false; /* cuBLAS has a fixed workspace (blas_ws)              */
    void *blas_ws = nullptr;       /* owned through allocs                                */
    GraphEntry graphs[kGraphs];
    uint64_t graph_clock = 0;
    int64_t replays = 0;
    char graph_failure[320] = "";
};

namespace {

/* ----------------------------------------------------------------------------------------
 * Creation: uploads
 * -------------------------------------------------------------------------------------- */

/* Allocates device memory owned by the encoder (freed by destroy). */
gog_status dev_alloc(gog_cuda_encoder *e, size_t bytes, void **out, const char *what) {
    *out = nullptr;
    if (e->n_allocs == e->cap_allocs) {
        const size_t cap = e->cap_allocs ? e->cap_allocs * 2 : 64;
        void **a = static_cast<void **>(realloc(e->allocs, cap * sizeof *a));
        if (!a) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "out of host memory");
        e->allocs = a;
        e->cap_allocs = cap;
    }
    void *p = nullptr;
    const cudaError_t err = cudaMalloc(&p, bytes ? bytes : 1);
    if (err != cudaSuccess) {
        (void)cudaGetLastError();
        return gog_fail(status_of(err), "cudaMalloc of %zu bytes for '%s' failed: %s (%s)", bytes,
                        what, cudaGetErrorName(err), cudaGetErrorString(err));
    }
    e->allocs[e->n_allocs++] = p;
    *out = p;
    return GOG_OK;
}

/* Copies bytes from host memory to dst on the encoder's stream and waits, so that the host
 * buffer may be freed on return. */
gog_status copy_up(gog_cuda_encoder *e, void *dst, const void *host, size_t bytes, const char *what) {
    if (bytes == 0) return GOG_OK;
    cudaError_t err = cudaMemcpyAsync(dst, host, bytes, cudaMemcpyHostToDevice, e->stream);
    if (err == cudaSuccess) err = cudaStreamSynchronize(e->stream);
    if (err != cudaSuccess) {
        (void)cudaGetLastError();
        return gog_fail(status_of(err), "copying '%s' (%zu bytes) to the device failed: %s (%s)",
                        what, bytes, cudaGetErrorName(err), cudaGetErrorString(err));
    }
    return GOG_OK;
}

gog_status upload(gog_cuda_encoder *e, const void *host, size_t bytes, void **out, const char *what) {
    ENC_TRY(dev_alloc(e, bytes, out, what));
    return copy_up(e, *out, host, bytes, what);
}

struct Builder {
    gog_cuda_encoder *e;
    const gog_weights *w;
};

gog_status upload_f32(Builder &b, const float *host, size_t n, float **out, const char *what) {
    void *p = nullptr;
    ENC_TRY(upload(b.e, host, n * sizeof(float), &p, what));
    *out = static_cast<float *>(p);
    return GOG_OK;
}

/* Uploads w [n][k] (bf16 under GOG_COMPUTE_BF16) and bias [n] (may be NULL). */
gog_status upload_linear(Builder &b, Linear *L, const float *w, int32_t n, int32_t k,
                         const float *bias, const char *what) {
    L->n = n;
    L->k = k;
    const size_t count = (size_t)n * (size_t)k;
    if (b.e->bf16) {
        uint16_t *h = static_cast<uint16_t *>(malloc((count ? count : 1) * sizeof(uint16_t)));
        if (!h) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "out of host memory converting '%s' to bf16", what);
        for (size_t i = 0; i < count; i++) h[i] = bf16_bits(w[i]);
        const gog_status st = upload(b.e, h, count * sizeof(uint16_t), &L->w, what);
        free(h);
        ENC_TRY(st);
    } else {
        ENC_TRY(upload(b.e, w, count * sizeof(float), &L->w, what));
    }
    if (bias) ENC_TRY(upload_f32(b, bias, (size_t)n, &L->bias, what));
    return GOG_OK;
}

/* "<prefix>.weight" [n][k] (+ "<prefix>.bias" [n]). */
gog_status load_linear(Builder &b, Linear *L, const char *prefix, int32_t n, int32_t k, bool with_bias) {
    char name[256];
    float *w = nullptr, *bias = nullptr;
    snprintf(name, sizeof name, "%s.weight", prefix);
    const int64_t wshape[2] = {n, k};
    gog_status st = gog_weights_f32(b.w, name, 2, wshape, &w);
    if (st == GOG_OK && with_bias) {
        snprintf(name, sizeof name, "%s.bias", prefix);
        const int64_t bshape[1] = {n};
        st = gog_weights_f32(b.w, name, 1, bshape, &bias);
    }
    if (st == GOG_OK) st = upload_linear(b, L, w, n, k, bias, prefix);
    free(w);
    free(bias);
    return st;
}

gog_status load_vec(Builder &b, const char *name, int64_t d, float **out) {
    float *h = nullptr;
    const int64_t shape[1] = {d};
    ENC_TRY(gog_weights_f32(b.w, name, 1, shape, &h));
    const gog_status st = upload_f32(b, h, (size_t)d, out, name);
    free(h);
    return st;
}

gog_status load_ln(Builder &b, const char *prefix, int64_t d, float **g, float **bb) {
    char name[320];
    snprintf(name, sizeof name, "%s.weight", prefix);
    ENC_TRY(load_vec(b, name, d, g));
    snprintf(name, sizeof name, "%s.bias", prefix);
    return load_vec(b, name, d, bb);
}

gog_status load_layers(Builder &b, Tower *t, const char *tower_prefix) {
    const int32_t D = t->cfg.hidden, F = t->cfg.intermediate;
    t->layers = new (std::nothrow) Layer[(size_t)t->cfg.layers];
    if (!t->layers) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "out of host memory");
    for (int32_t l = 0; l < t->cfg.layers; l++) {
        Layer *L = &t->layers[l];
        char p[200], q[256];
        snprintf(p, sizeof p, "%sencoder.layers.%d.", tower_prefix, l);
        /* q, k and v fused into one [3D][D] matrix, as the CPU does: one GEMM per layer. */
        float *qkv = static_cast<float *>(malloc((size_t)3 * D * D * sizeof(float)));
        float *qkv_b = static_cast<float *>(malloc((size_t)3 * D * sizeof(float)));
        if (!qkv || !qkv_b) {
            free(qkv);
            free(qkv_b);
            return gog_fail(GOG_ERR_OUT_OF_MEMORY, "out of host memory");
        }
        static const char *const parts[3] = {"q_proj", "k_proj", "v_proj"};
        gog_status st = GOG_OK;
        for (int i = 0; i < 3 && st == GOG_OK; i++) {
            float *w = nullptr, *bias = nullptr;
            const int64_t wshape[2] = {D, D}, bshape[1] = {D};
            snprintf(q, sizeof q, "%sself_attn.%s.weight", p, parts[i]);
            st = gog_weights_f32(b.w, q, 2, wshape, &w);
            if (st == GOG_OK) {
                snprintf(q, sizeof q, "%sself_attn.%s.bias", p, parts[i]);
                st = gog_weights_f32(b.w, q, 1, bshape, &bias);
            }
            if (st == GOG_OK) {
                memcpy(qkv + (size_t)i * D * D, w, (size_t)D * D * sizeof(float));
                memcpy(qkv_b + (size_t)i * D, bias, (size_t)D * sizeof(float));
            }
            free(w);
            free(bias);
        }
        snprintf(q, sizeof q, "%sself_attn.qkv", p);
        if (st == GOG_OK) st = upload_linear(b, &L->qkv, qkv, 3 * D, D, qkv_b, q);
        free(qkv);
        free(qkv_b);
        ENC_TRY(st);
        snprintf(q, sizeof q, "%sself_attn.out_proj", p);
        ENC_TRY(load_linear(b, &L->out, q, D, D, true));
        snprintf(q, sizeof q, "%smlp.fc1", p);
        ENC_TRY(load_linear(b, &L->fc1, q, F, D, true));
        snprintf(q, sizeof q, "%smlp.fc2", p);
        ENC_TRY(load_linear(b, &L->fc2, q, D, F, true));
        snprintf(q, sizeof q, "%slayer_norm1", p);
        ENC_TRY(load_ln(b, q, D, &L->ln1_g, &L->ln1_b));
        snprintf(q, sizeof q, "%slayer_norm2", p);
        ENC_TRY(load_ln(b, q, D, &L->ln2_g, &L->ln2_b));
    }
    return GOG_OK;
}

gog_status build_vision(Builder &b) {
    gog_cuda_encoder *e = b.e;
    Tower *t = &e->vision;
    const bool clip = e->clip;
    const int32_t D = t->cfg.hidden, C = t->cfg.channels, p = t->cfg.patch_size;
    const int32_t g0 = t->cfg.image_size / p;
    gog_status st;
    {
        /* The convolution weight [D][C][p][p] is a [D][C*p*p] matrix over patches flattened
         * in (c, y, x) order. */
        float *w = nullptr, *bias = nullptr;
        const int64_t wshape[4] = {D, C, p, p}, bshape[1] = {D};
        st = gog_weights_f32(b.w, "vision_model.embeddings.patch_embedding.weight", 4, wshape, &w);
        if (st == GOG_OK && !clip)
            st = gog_weights_f32(b.w, "vision_model.embeddings.patch_embedding.bias", 1, bshape, &bias);
        if (st == GOG_OK)
            st = upload_linear(b, &t->patch, w, D, C * p * p, bias, "vision_model.embeddings.patch_embedding");
        free(w);
        free(bias);
        ENC_TRY(st);
    }
    t->pos_rows = g0 * g0 + (clip ? 1 : 0);
    {
        float *pos = nullptr;
        const int64_t shape[2] = {t->pos_rows, D};
        ENC_TRY(gog_weights_f32(b.w, "vision_model.embeddings.position_embedding.weight", 2, shape, &pos));
        st = upload_f32(b, pos, (size_t)t->pos_rows * D, &t->pos, "vision_model.embeddings.position_embedding.weight");
        if (st == GOG_OK) {
            /* Keep the trained grid (class row excluded) for resampling to other grids. */
            t->pos_grid_host = static_cast<float *>(malloc((size_t)g0 * g0 * D * sizeof(float)));
            if (!t->pos_grid_host) st = gog_fail(GOG_ERR_OUT_OF_MEMORY, "out of host memory");
            else memcpy(t->pos_grid_host, pos + (clip ? D : 0), (size_t)g0 * g0 * D * sizeof(float));
        }
        free(pos);
        ENC_TRY(st);
    }
    if (clip) {
        ENC_TRY(load_vec(b, "vision_model.embeddings.class_embedding", D, &t->cls));
        ENC_TRY(load_ln(b, "vision_model.pre_layrnorm", D, &t->pre_g, &t->pre_b));
    }
    ENC_TRY(load_layers(b, t, "vision_model."));
    ENC_TRY(load_ln(b, "vision_model.post_layernorm", D, &t->post_g, &t->post_b));
    if (clip) return load_linear(b, &t->proj, "visual_projection", e->cfg.embed_dim, D, false);

    /* SigLIP attention-pooling head. */
    float *probe = nullptr, *inw = nullptr, *inb = nullptr, *q = nullptr;
    const int64_t pshape[3] = {1, 1, D}, wshape[2] = {3 * (int64_t)D, D}, bshape[1] = {3 * (int64_t)D};
    st = gog_weights_f32(b.w, "vision_model.head.probe", 3, pshape, &probe);
    if (st == GOG_OK) st = gog_weights_f32(b.w, "vision_model.head.attention.in_proj_weight", 2, wshape, &inw);
    if (st == GOG_OK) st = gog_weights_f32(b.w, "vision_model.head.attention.in_proj_bias", 1, bshape, &inb);
    if (st == GOG_OK) {
        q = static_cast<float *>(malloc((size_t)D * sizeof(float)));
        if (!q) st = gog_fail(GOG_ERR_OUT_OF_MEMORY, "out of host memory");
    }
    if (st == GOG_OK) {
        /* The query is the same learned probe for every image: q = probe Wq^T + bq, once, in
         * double as the CPU computes it. */
        for (int32_t j = 0; j < D; j++) {
            double acc = inb[j];
            for (int32_t c = 0; c < D; c++) acc += (double)probe[c] * inw[(size_t)j * D + c];
            q[j] = (float)acc;
        }
        st = upload_f32(b, q, (size_t)D, &t->probe_q, "vision_model.head.probe");
    }
    if (st == GOG_OK)
        st = upload_linear(b, &t->head_kv, inw + (size_t)D * D, 2 * D, D, inb + D,
                           "vision_model.head.attention.in_proj");
    free(probe);
    free(inw);
    free(inb);
    free(q);
    ENC_TRY(st);
    ENC_TRY(load_linear(b, &t->head_out, "vision_model.head.attention.out_proj", D, D, true));
    ENC_TRY(load_ln(b, "vision_model.head.layernorm", D, &t->head_ln_g, &t->head_ln_b));
    ENC_TRY(load_linear(b, &t->head_fc1, "vision_model.head.mlp.fc1", t->cfg.intermediate, D, true));
    return load_linear(b, &t->head_fc2, "vision_model.head.mlp.fc2", D, t->cfg.intermediate, true);
}

gog_status build_text(Builder &b) {
    gog_cuda_encoder *e = b.e;
    Tower *t = &e->text;
    const int32_t D = t->cfg.hidden;
    gog_weight_ref ref;
    const int64_t tshape[2] = {t->cfg.vocab_size, D};
    ENC_TRY(gog_weights_ref(b.w, "text_model.embeddings.token_embedding.weight", 2, tshape, &ref));
    const size_t es = ref.dtype == GOG_DTYPE_F32 ? 4 : 2;
    ENC_TRY(upload(e, ref.data, (size_t)ref.rows * (size_t)ref.cols * es, &t->tok,
                   "text_model.embeddings.token_embedding.weight"));
    t->tok_dtype = ref.dtype;
    t->pos_rows = t->cfg.max_positions;
    {
        float *pos = nullptr;
        const int64_t shape[2] = {t->pos_rows, D};
        ENC_TRY(gog_weights_f32(b.w, "text_model.embeddings.position_embedding.weight", 2, shape, &pos));
        const gog_status st = upload_f32(b, pos, (size_t)t->pos_rows * D, &t->pos,
                                         "text_model.embeddings.position_embedding.weight");
        free(pos);
        ENC_TRY(st);
    }
    ENC_TRY(load_layers(b, t, "text_model."));
    ENC_TRY(load_ln(b, "text_model.final_layer_norm", D, &t->post_g, &t->post_b));
    if (e->clip) return load_linear(b, &t->proj, "text_projection", e->cfg.embed_dim, D, false);
    return load_linear(b, &t->proj, "text_model.head", e->cfg.embed_dim, D, true);
}

/* ----------------------------------------------------------------------------------------
 * Per-call memory
 * -------------------------------------------------------------------------------------- */

bool round_up(size_t bytes, size_t step, size_t *out) {
    size_t v;
    if (__builtin_add_overflow(bytes, step - 1, &v)) return false;
    *out = v / step * step;
    return true;
}

/* Records why a graph could not be used (gog_cuda_encoder_graph_info). */
__attribute__((format(printf, 2, 3))) void graph_note(gog_cuda_encoder *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->graph_failure, sizeof e->graph_failure, fmt, ap);
    va_end(ap);
}

void drop_graph(GraphEntry &g) {
    if (g.exec) {
        (void)cudaGraphExecDestroy(g.exec);
        (void)cudaGetLastError();
    }
    g = GraphEntry();
}

/* Drops every graph (all of them, or those that read the position table `pos`). The stream
 * is idle whenever this runs. */
void drop_graphs(gog_cuda_encoder *e, const void *pos = nullptr) {
    for (GraphEntry &g : e->graphs)
        if (g.used && (!pos || g.key.pos == pos)) drop_graph(g);
}

/* Grows the device workspace to at least `bytes` (contents are not kept). The stream is idle
 * here: every call ends synchronised. Growing drops the graphs, which point into the old
 * workspace. */
gog_status reserve_workspace(gog_cuda_encoder *e, size_t bytes) {
    if (bytes <= e->ws_cap && e->ws) return GOG_OK;
    drop_graphs(e);
    size_t want;
    if (!round_up(bytes ? bytes : 1, kGrowStep, &want))
        return gog_fail(GOG_ERR_LIMIT_EXCEEDED, "device workspace of %zu bytes is too large", bytes);
    if (e->ws) {
        const cudaError_t err = cudaFree(e->ws);
        e->ws = nullptr;
        e->ws_cap = 0;
        if (err != cudaSuccess) return cuda_fail(err, "cudaFree (encoder workspace)");
    }
    const cudaError_t err = cudaMalloc(&e->ws, want);
    if (err != cudaSuccess) {
        e->ws = nullptr;
        (void)cudaGetLastError();
        return gog_fail(status_of(err), "cudaMalloc of %zu bytes of encoder activations failed: %s (%s)",
                        want, cudaGetErrorName(err), cudaGetErrorString(err));
    }
    e->ws_cap = want;
    return GOG_OK;
}

gog_status reserve_pinned(gog_cuda_encoder *e, size_t bytes) {
    if (bytes <= e->pin_cap && e->pin) return GOG_OK;
    size_t want;
    if (!round_up(bytes ? bytes : 1, kGrowStep, &want))
        return gog_fail(GOG_ERR_LIMIT_EXCEEDED, "pinned staging of %zu bytes is too large", bytes);
    if (e->pin) {
        const cudaError_t err = cudaFreeHost(e->pin);
        e->pin = nullptr;
        e->pin_cap = 0;
        if (err != cudaSuccess) return cuda_fail(err, "cudaFreeHost (encoder staging)");
    }
    const cudaError_t err = cudaHostAlloc(&e->pin, want, cudaHostAllocDefault);
    if (err != cudaSuccess) {
        e->pin = nullptr;
        (void)cudaGetLastError();
        return gog_fail(status_of(err), "cudaHostAlloc of %zu bytes of pinned staging failed: %s (%s)",
                        want, cudaGetErrorName(err), cudaGetErrorString(err));
    }
    e->pin_cap = want;
    return GOG_OK;
}

/* Lays buffers out one after the other (256-byte aligned). Run once with base NULL to size
 * the workspace, then again over the reserved memory. */
struct Arena {
    char *base = nullptr;
    size_t used = 0;
    template <typename T> T *take(size_t count) {
        const size_t at = (used + 255) / 256 * 256;
        used = at + count * sizeof(T);
        return base ? reinterpret_cast<T *>(base + at) : nullptr;
    }
};

/* The activation buffers of one call (device). Sizes in elements; M = batch * tokens. */
struct Work {
    float *x = nullptr;      /* [M][D] the residual stream                               */
    float *h = nullptr;      /* [M][D] LayerNorm output                                  */
    float *qkv = nullptr;    /* [M][3D]                                                  */
    float *heads = nullptr;  /* 3 x [M][D] head-major q, k, v                            */
    float *o = nullptr;      /* [M][D] head-major attention output                       */
    float *a = nullptr;      /* [M][D] attention output by token                         */
    float *f = nullptr;      /* [M][F] MLP hidden                                        */
    float *g = nullptr;      /* [M][max(D, E)] GEMM output before a residual epilogue    */
    float *s = nullptr;      /* attention scores, s_floats                               */
    size_t s_floats = 0;
    __nv_bfloat16 *bf = nullptr; /* [M][max GEMM input width] bf16 GEMM inputs (BF16)    */
    float *pa = nullptr, *pb = nullptr; /* [B][max(D, E)] pooled rows                     */
    float *pf = nullptr;     /* [B][F]                                                   */
};

/* Lays out the buffers every forward needs for M tokens of width D in `batch` sequences of
 * T tokens, with MLP width F, embedding E and GEMM inputs at most kin wide. */
void layout_common(Arena &ar, Work &w, bool bf16, int64_t batch, int64_t T, int64_t D, int64_t F,
                   int64_t E, int64_t H, int64_t kin) {
    const size_t M = (size_t)(batch * T);
    const size_t DE = (size_t)(D > E ? D : E);
    w.x = ar.take<float>(M * D);
    w.h = ar.take<float>(M * D);
    w.qkv = ar.take<float>(M * 3 * D);
    w.heads = ar.take<float>(M * 3 * D);
    w.o = ar.take<float>(M * D);
    w.a = ar.take<float>(M * D);
    w.f = ar.take<float>(M * F);
    w.g = ar.take<float>(M * DE);
    const double pairs = (double)batch * H * T * T; /* all score matrices of one layer */
    w.s_floats = pairs < (double)kScoreFloats ? (size_t)pairs : kScoreFloats;
    w.s = ar.take<float>(w.s_floats);
    w.bf = bf16 ? ar.take<__nv_bfloat16>(M * (size_t)kin) : nullptr;
    w.pa = ar.take<float>((size_t)batch * DE);
    w.pb = ar.take<float>((size_t)batch * DE);
    w.pf = ar.take<float>((size_t)batch * F);
}

/* ----------------------------------------------------------------------------------------
 * Forward building blocks (all enqueued on the encoder's stream)
 * -------------------------------------------------------------------------------------- */

int32_t compute_fp32(const gog_cuda_encoder *e) {
    return e->tf32 ? GOG_CUBLAS_COMPUTE_32F_FAST_TF32 : GOG_CUBLAS_COMPUTE_32F;
}

gog_status blas_check(const gog_cuda_encoder *e, int32_t st, const char *fn, const char *what,
                      int64_t m, int64_t n, int64_t k) {
    if (st == GOG_CUBLAS_STATUS_SUCCESS) return GOG_OK;
    char buf[192];
    snprintf(buf, sizeof buf, "%s (%s, m=%lld n=%lld k=%lld)", fn, what, (long long)m,
             (long long)n, (long long)k);
    return gog_cublas_fail(e->blas, st, buf);
}

gog_status epilogue(gog_cuda_encoder *e, const float *in, int64_t ldi, float *out, int64_t ldo,
                    int64_t rows, int32_t cols, const float *bias, int32_t act, const float *res,
                    int64_t ldr) {
    epilogue_kernel<<<element_blocks(rows * cols), kElementBlock, 0, e->stream>>>(
        in, ldi, out, ldo, rows, cols, bias, act, res, ldr);
    return launched("the linear epilogue kernel");
}

/* y[i] = act(x[i] W^T + b) (+ y[i] when residual) for m rows. x has row stride ldx, y ldy;
 * x must not overlap y. Uses w.g (residual) and w.bf (BF16). */
gog_status linear(gog_cuda_encoder *e, Work &w, const Linear &L, const float *x, int64_t ldx,
                  int64_t m, float *y, int64_t ldy, int32_t act, bool residual, const char *what) {
    const void *in = x;
    cudaDataType in_type = CUDA_R_32F, w_type = CUDA_R_32F;
    int64_t ldin = ldx;
    int32_t compute = compute_fp32(e);
    if (e->bf16) {
        to_bf16_kernel<<<element_blocks(m * L.k), kElementBlock, 0, e->stream>>>(x, ldx, m, L.k, w.bf);
        ENC_TRY(launched("the bf16 conversion kernel"));
        in = w.bf;
        in_type = w_type = CUDA_R_16BF;
        ldin = L.k;
        compute = GOG_CUBLAS_COMPUTE_32F;
    }
    float *out = residual ? w.g : y;
    const int64_t ldo = residual ? L.n : ldy;
    const float one = 1.0f, zero = 0.0f;
    /* Row-major y[m][n] = x[m][k] W[n][k]^T is, column-major, y^T (n x m) = W (op T of the
     * k x n column-major view of W) times x^T (the k x m column-major view of x). */
    const int32_t st = e->blas->gemm_ex(e->handle, GOG_CUBLAS_OP_T, GOG_CUBLAS_OP_N, L.n, (int)m,
                                        L.k, &one, L.w, w_type, L.k, in, in_type, (int)ldin,
                                        &zero, out, CUDA_R_32F, (int)ldo, compute,
                                        GOG_CUBLAS_GEMM_DEFAULT);
    ENC_TRY(blas_check(e, st, "cublasGemmEx", what, L.n, m, L.k));
    if (residual) return epilogue(e, w.g, L.n, y, ldy, m, L.n, L.bias, act, y, ldy);
    if (L.bias || act) return epilogue(e, y, ldy, y, ldy, m, L.n, L.bias, act, nullptr, 0);
    return GOG_OK;
}

gog_status layernorm(gog_cuda_encoder *e, const float *x, int64_t ldx, float *y, int64_t ldy,
                     int64_t rows, int32_t d, const float *g, const float *b, float eps) {
    layernorm_kernel<<<row_blocks(rows), row_threads(d), 0, e->stream>>>(x, ldx, y, ldy, rows, d, g, b, eps);
    return launched("the LayerNorm kernel");
}

gog_status l2_normalize(gog_cuda_encoder *e, const float *in, int64_t ldi, float *out, int64_t rows,
                        int32_t d, int32_t per, int64_t group, int32_t offset) {
    l2_normalize_kernel<<<row_blocks(rows), row_threads(d), 0, e->stream>>>(in, ldi, out, rows, d, per, group, offset);
    return launched("the L2 normalisation kernel");
}

/* Attention over Z (sequence, head) pairs, head-major fp32: q [Z][Tq][dh], k and v [Z][Tk][dh],
 * o [Z][Tq][dh]; o = softmax(scale q k^T (causal: key j <= query i)) v. Scores go through
 * w.s in chunks of whole pairs, or of queries when one pair does not fit. */
gog_status attention(gog_cuda_encoder *e, Work &w, const float *q, const float *k, const float *v,
                     float *o, int64_t Z, int32_t Tq, int32_t Tk, int32_t dh, float scale, bool causal) {
    const size_t cap = w.s_floats;
    int64_t qc = Tq, zc = 1;
    if ((size_t)Tq * (size_t)Tk > cap) {
        qc = (int64_t)(cap / (size_t)Tk);
        if (qc < 1) qc = 1;
    } else {
        zc = (int64_t)(cap / ((size_t)Tq * (size_t)Tk));
        if (zc < 1) zc = 1;
        if (zc > Z) zc = Z;
    }
    const float one = 1.0f, zero = 0.0f;
    const int32_t compute = compute_fp32(e);
    const long long sq = (long long)Tq * dh, sk = (long long)Tk * dh;
    for (int64_t z0 = 0; z0 < Z; z0 += zc) {
        const int64_t nz = Z - z0 < zc ? Z - z0 : zc;
        for (int64_t i0 = 0; i0 < Tq; i0 += qc) {
            const int64_t nq = Tq - i0 < qc ? Tq - i0 : qc;
            /* Row-major S[i][j] = q_i . k_j: column-major S^T (Tk x nq) = K (op T of its
             * dh x Tk view) times Q^T (the dh x nq view of the query rows). */
            int32_t st = e->blas->gemm_strided_batched_ex(
                e->handle, GOG_CUBLAS_OP_T, GOG_CUBLAS_OP_N, Tk, (int)nq, dh, &scale,
                k + z0 * sk, CUDA_R_32F, dh, sk, q + z0 * sq + i0 * dh, CUDA_R_32F, dh, sq, &zero,
                w.s, CUDA_R_32F, Tk, (long long)nq * Tk, (int)nz, compute, GOG_CUBLAS_GEMM_DEFAULT);
            ENC_TRY(blas_check(e, st, "cublasGemmStridedBatchedEx", "attention scores", Tk, nq, dh));
            const int64_t rows = nz * nq;
            softmax_kernel<<<row_blocks(rows), row_threads(Tk), 0, e->stream>>>(
                w.s, rows, Tk, (int32_t)nq, (int32_t)i0, causal ? 1 : 0);
            ENC_TRY(launched("the softmax kernel"));
            /* Row-major O[i][c] = sum_j P[i][j] V[j][c]: column-major O^T (dh x nq) = V^T (the
             * dh x Tk view of V) times P^T (the Tk x nq view of P). */
            st = e->blas->gemm_strided_batched_ex(
                e->handle, GOG_CUBLAS_OP_N, GOG_CUBLAS_OP_N, dh, (int)nq, Tk, &one, v + z0 * sk,
                CUDA_R_32F, dh, sk, w.s, CUDA_R_32F, Tk, (long long)nq * Tk, &zero,
                o + z0 * sq + i0 * dh, CUDA_R_32F, dh, sq, (int)nz, compute, GOG_CUBLAS_GEMM_DEFAULT);
            ENC_TRY(blas_check(e, st, "cublasGemmStridedBatchedEx", "attention values", dh, nq, Tk));
        }
    }
    return GOG_OK;
}

/* Transformer layers [first, last) over w.x ([batch * T][D]) in place. */
gog_status run_layers(gog_cuda_encoder *e, Work &w, const Tower &t, int64_t batch, int32_t T,
                      bool causal, int32_t first, int32_t last) {
    const int32_t D = t.cfg.hidden, F = t.cfg.intermediate, H = t.cfg.heads, dh = D / H;
    const int64_t M = batch * T;
    const float scale = 1.0f / sqrtf((float)dh);
    for (int32_t l = first; l < last; l++) {
        const Layer &L = t.layers[l];
        ENC_TRY(layernorm(e, w.x, D, w.h, D, M, D, L.ln1_g, L.ln1_b, t.cfg.eps));
        ENC_TRY(linear(e, w, L.qkv, w.h, D, M, w.qkv, 3 * D, 0, false, "self_attn q/k/v"));
        float *qh = w.heads, *kh = w.heads + M * D, *vh = w.heads + 2 * M * D;
        split_heads_kernel<<<element_blocks(3 * M * D), kElementBlock, 0, e->stream>>>(
            w.qkv, 3 * D, 0, 3, batch, T, H, dh, w.heads);
        ENC_TRY(launched("the head split kernel"));
        ENC_TRY(attention(e, w, qh, kh, vh, w.o, batch * H, T, T, dh, scale, causal));
        merge_heads_kernel<<<element_blocks(M * D), kElementBlock, 0, e->stream>>>(w.o, batch, T, H, dh, w.a, D);
        ENC_TRY(launched("the head merge kernel"));
        ENC_TRY(linear(e, w, L.out, w.a, D, M, w.x, D, 0, true, "self_attn out_proj"));
        ENC_TRY(layernorm(e, w.x, D, w.h, D, M, D, L.ln2_g, L.ln2_b, t.cfg.eps));
        ENC_TRY(linear(e, w, L.fc1, w.h, D, M, w.f, F, t.cfg.act, false, "mlp fc1"));
        ENC_TRY(linear(e, w, L.fc2, w.f, F, M, w.x, D, 0, true, "mlp fc2"));
    }
    return GOG_OK;
}

/* Device position rows for the patches of a rows x cols grid (class row excluded): the
 * trained table, or a resampled one from the cache (made on the host, uploaded once). */
gog_status patch_positions(gog_cuda_encoder *e, int32_t rows, int32_t cols, const float **out) {
    Tower *t = &e->vision;
    const int32_t D = t->cfg.hidden, g0 = t->cfg.image_size / t->cfg.patch_size;
    if (rows == g0 && cols == g0) {
        *out = t->pos + (e->clip ? D : 0);
        return GOG_OK;
    }
    for (int32_t i = 0; i < t->cache_n; i++) {
        if (t->cache[i].rows == rows && t->cache[i].cols == cols) {
            *out = t->cache[i].table;
            return GOG_OK;
        }
    }
    if (t->cache_n >= kPosCache) { /* evict the oldest (no queued work uses it: the stream is idle) */
        drop_graphs(e, t->cache[0].table);
        (void)cudaFree(t->cache[0].table);
        (void)cudaGetLastError();
        memmove(t->cache, t->cache + 1, (size_t)(t->cache_n - 1) * sizeof *t->cache);
        t->cache_n--;
    }
    const size_t n = (size_t)rows * cols * D;
    float *table = static_cast<float *>(malloc(n * sizeof(float)));
    if (!table) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "out of memory resampling position embeddings");
    gog_encoder_resample_grid(t->pos_grid_host, g0, D, rows, cols, table);
    void *d = nullptr;
    cudaError_t err = cudaMalloc(&d, n * sizeof(float));
    if (err != cudaSuccess) {
        free(table);
        (void)cudaGetLastError();
        return gog_fail(status_of(err), "cudaMalloc of %zu bytes for resampled position embeddings failed: %s (%s)",
                        n * sizeof(float), cudaGetErrorName(err), cudaGetErrorString(err));
    }
    const gog_status st = copy_up(e, d, table, n * sizeof(float), "resampled position embeddings");
    free(table);
    if (st != GOG_OK) {
        (void)cudaFree(d);
        (void)cudaGetLastError();
        return st;
    }
    t->cache[t->cache_n].rows = rows;
    t->cache[t->cache_n].cols = cols;
    t->cache[t->cache_n].table = static_cast<float *>(d);
    t->cache_n++;
    *out = static_cast<float *>(d);
    return GOG_OK;
}

/* SigLIP head on w.x = post_layernorm(tokens) [batch * T][D]: pooled rows into emb [batch][D]
 * and, when dense is not NULL, the per-token analogue into dense [batch * T][D] (both
 * normalised). */
gog_status siglip_head(gog_cuda_encoder *e, Work &w, int64_t batch, int32_t T, float *emb, float *dense) {
    const Tower &t = e->vision;
    const int32_t D = t.cfg.hidden, H = t.cfg.heads, dh = D / H, F = t.cfg.intermediate;
    const int64_t M = batch * T;
    const int32_t act = t.cfg.act;
    float *kv = w.qkv; /* [M][2D]: keys in [0, D), values in [D, 2D) */
    ENC_TRY(linear(e, w, t.head_kv, w.x, D, M, kv, 2 * D, 0, false, "head in_proj k/v"));
    if (dense) {
        /* o_i = out_proj(v_i); d_i = o_i + mlp(layernorm(o_i)) */
        ENC_TRY(linear(e, w, t.head_out, kv + D, 2 * D, M, w.a, D, 0, false, "head out_proj (dense)"));
        ENC_TRY(layernorm(e, w.a, D, w.h, D, M, D, t.head_ln_g, t.head_ln_b, t.cfg.eps));
        ENC_TRY(linear(e, w, t.head_fc1, w.h, D, M, w.f, F, act, false, "head mlp fc1 (dense)"));
        ENC_TRY(linear(e, w, t.head_fc2, w.f, F, M, w.a, D, 0, true, "head mlp fc2 (dense)"));
        ENC_TRY(l2_normalize(e, w.a, D, dense, M, D, 1, 1, 0));
    }
    /* Pooled: the probe query against each image's T keys, per head. Head-major q is the
     * probe repeated per image ([batch * H][1][dh] = [batch][D]); k and v are split out of kv. */
    float *qh = w.heads, *kh = w.heads + M * D, *vh = w.heads + 2 * M * D;
    broadcast_row_kernel<<<element_blocks(batch * D), kElementBlock, 0, e->stream>>>(t.probe_q, batch, D, qh);
    ENC_TRY(launched("the probe broadcast kernel"));
    split_heads_kernel<<<element_blocks(2 * M * D), kElementBlock, 0, e->stream>>>(kv, 2 * D, 0, 2, batch, T, H, dh, kh);
    ENC_TRY(launched("the head split kernel"));
    /* o [batch * H][1][dh] is already [batch][D] by token. */
    ENC_TRY(attention(e, w, qh, kh, vh, w.o, batch * H, 1, T, dh, 1.0f / sqrtf((float)dh), false));
    ENC_TRY(linear(e, w, t.head_out, w.o, D, batch, w.pa, D, 0, false, "head out_proj"));
    ENC_TRY(layernorm(e, w.pa, D, w.pb, D, batch, D, t.head_ln_g, t.head_ln_b, t.cfg.eps));
    ENC_TRY(linear(e, w, t.head_fc1, w.pb, D, batch, w.pf, F, act, false, "head mlp fc1"));
    ENC_TRY(linear(e, w, t.head_fc2, w.pf, F, batch, w.pa, D, 0, true, "head mlp fc2"));
    return l2_normalize(e, w.pa, D, emb, batch, D, 1, 1, 0);
}

/* Waits for the call's work. On failure also waits (ignoring further errors) so that nothing
 * queued still uses the buffers when the lock is released. */
gog_status finish(gog_cuda_encoder *e, gog_status st, const char *what) {
    const cudaError_t err = cudaStreamSynchronize(e->stream);
    if (st != GOG_OK) {
        (void)cudaGetLastError();
        return st;
    }
    if (err != cudaSuccess) {
        (void)cudaGetLastError();
        return gog_fail(status_of(err) == GOG_ERR_OUT_OF_MEMORY ? GOG_ERR_OUT_OF_MEMORY : GOG_ERR_CUDA,
                        "%s on the device failed: %s (%s)", what, cudaGetErrorName(err), cudaGetErrorString(err));
    }
    return GOG_OK;
}

/* ----------------------------------------------------------------------------------------
 * Image calls: one size computation, one forward, host and device forms
 * -------------------------------------------------------------------------------------- */

struct ImageShape {
    int32_t batch = 0, height = 0, width = 0, rows = 0, cols = 0;
    bool dense = false;
};

/* The buffers of an image call in the workspace. pix, emb and dense are the host form's
 * transfer buffers (laid out for the device form too, unused there, so that both forms need
 * the same workspace and a reservation covers both). */
struct ImageBufs {
    Work w;
    float *pix = nullptr, *cols = nullptr, *emb = nullptr, *dense = nullptr;
};

/* The one size computation of an image call: lays the buffers out over base (NULL: sizes
 * only) and gives the workspace and pinned staging bytes. Fails with LIMIT_EXCEEDED for a
 * call too large. */
gog_status image_layout(const gog_cuda_encoder *e, const ImageShape &sh, char *base, ImageBufs *b,
                        size_t *ws_bytes, size_t *pin_bytes) {
    const Tower &t = e->vision;
    const int32_t D = t.cfg.hidden, F = t.cfg.intermediate, C = t.cfg.channels, p = t.cfg.patch_size;
    const int32_t E = e->cfg.embed_dim, H = t.cfg.heads;
    const int32_t N = sh.rows * sh.cols, T = N + (e->clip ? 1 : 0), K = C * p * p;
    const int64_t M = (int64_t)sh.batch * T;
    const int64_t hw = D > K ? D : K;
    if ((double)M * ((double)D + hw + 4.0 * D + F) > 4e9) {
        return gog_fail(GOG_ERR_LIMIT_EXCEEDED, "batch %d of %dx%d images needs too much scratch memory",
                        sh.batch, sh.width, sh.height);
    }
    const size_t pix_n = (size_t)sh.batch * C * sh.height * sh.width;
    const size_t emb_n = (size_t)sh.batch * E, dense_n = sh.dense ? (size_t)sh.batch * N * E : 0;
    int64_t kin = K > D ? K : D;
    if (F > kin) kin = F;
    Arena ar;
    ar.base = base;
    b->pix = ar.take<float>(pix_n);
    b->cols = ar.take<float>((size_t)sh.batch * N * K);
    layout_common(ar, b->w, e->bf16, sh.batch, T, D, F, E, H, kin);
    b->emb = ar.take<float>(emb_n);
    b->dense = sh.dense ? ar.take<float>(dense_n) : nullptr;
    *ws_bytes = ar.used;
    const size_t in_bytes = pix_n * sizeof(float), out_bytes = (emb_n + dense_n) * sizeof(float);
    *pin_bytes = in_bytes > out_bytes ? in_bytes : out_bytes;
    return GOG_OK;
}

/* Enqueues the image forward on the encoder's stream: d_pix [batch][C][H][W] to d_emb
 * [batch][E] and, unless NULL, d_dense [batch * N][E], with the activations in b. Pure
 * device work (no host synchronisation, no allocation), so that it can be captured. */
gog_status forward_image(gog_cuda_encoder *e, ImageBufs &b, const ImageShape &sh, const float *pos,
                         const float *d_pix, float *d_emb, float *d_dense) {
    const Tower &t = e->vision;
    const bool clip = e->clip;
    const int32_t D = t.cfg.hidden, C = t.cfg.channels, p = t.cfg.patch_size, E = e->cfg.embed_dim;
    const int32_t batch = sh.batch, rows = sh.rows, cols = sh.cols;
    const int32_t N = rows * cols, T = N + (clip ? 1 : 0), K = C * p * p;
    const int64_t M = (int64_t)batch * T;
    Work &w = b.w;
    const cudaStream_t s = e->stream;

    /* Patches -> [B*N][K] -> patch-embedding GEMM (no bias here) -> tokens with bias and
     * positions (and the class token). */
    im2col_kernel<<<element_blocks((int64_t)batch * N * K), kElementBlock, 0, s>>>(
        d_pix, batch, C, sh.height, sh.width, p, rows, cols, b.cols);
    ENC_TRY(launched("the im2col kernel"));
    Linear patch = t.patch;
    patch.bias = nullptr; /* added by embed_patches_kernel, before the position, as the CPU does */
    ENC_TRY(linear(e, w, patch, b.cols, K, (int64_t)batch * N, w.g, D, 0, false, "patch embedding"));
    embed_patches_kernel<<<element_blocks(M * D), kElementBlock, 0, s>>>(
        w.g, t.patch.bias, pos, clip ? t.cls : nullptr, t.pos, batch, N, D, w.x);
    ENC_TRY(launched("the patch embedding kernel"));

    const int32_t L = t.cfg.layers;
    if (clip) {
        ENC_TRY(layernorm(e, w.x, D, w.x, D, M, D, t.pre_g, t.pre_b, t.cfg.eps));
        ENC_TRY(run_layers(e, w, t, batch, T, false, 0, L - 1));
        if (d_dense) {
            /* MaskCLIP: out_proj(v_proj(LN1(y))) with y the last layer's input. */
            const Layer &last = t.layers[L - 1];
            ENC_TRY(layernorm(e, w.x, D, w.h, D, M, D, last.ln1_g, last.ln1_b, t.cfg.eps));
            ENC_TRY(linear(e, w, last.qkv, w.h, D, M, w.qkv, 3 * D, 0, false, "self_attn q/k/v (dense)"));
            ENC_TRY(linear(e, w, last.out, w.qkv + 2 * D, 3 * D, M, w.a, D, 0, false, "self_attn out_proj (dense)"));
            ENC_TRY(layernorm(e, w.a, D, w.a, D, M, D, t.post_g, t.post_b, t.cfg.eps));
            ENC_TRY(linear(e, w, t.proj, w.a, D, M, w.g, E, 0, false, "visual_projection (dense)"));
            /* patch rows only: token b * T + 1 + i -> dense row b * N + i */
            ENC_TRY(l2_normalize(e, w.g, E, d_dense, (int64_t)batch * N, E, N, T, 1));
        }
        ENC_TRY(run_layers(e, w, t, batch, T, false, L - 1, L));
        /* pooled = post_layernorm(x[class]) -> visual_projection */
        ENC_TRY(layernorm(e, w.x, (int64_t)T * D, w.pa, D, batch, D, t.post_g, t.post_b, t.cfg.eps));
        ENC_TRY(linear(e, w, t.proj, w.pa, D, batch, w.pb, E, 0, false, "visual_projection"));
        ENC_TRY(l2_normalize(e, w.pb, E, d_emb, batch, E, 1, 1, 0));
    } else {
        ENC_TRY(run_layers(e, w, t, batch, T, false, 0, L));
        ENC_TRY(layernorm(e, w.x, D, w.x, D, M, D, t.post_g, t.post_b, t.cfg.eps));
        ENC_TRY(siglip_head(e, w, batch, T, d_emb, d_dense));
    }
    return GOG_OK;
}

/* The graph entry of key k, or a new one (the least recently used dropped when all are
 * taken); *fresh says which. */
GraphEntry *graph_entry(gog_cuda_encoder *e, const GraphKey &k, bool *fresh) {
    GraphEntry *free_slot = nullptr, *oldest = nullptr;
    for (GraphEntry &g : e->graphs) {
        if (g.used && g.key == k) {
            g.last_use = ++e->graph_clock;
            *fresh = false;
            return &g;
        }
        if (!g.used && !free_slot) free_slot = &g;
        if (g.used && (!oldest || g.last_use < oldest->last_use)) oldest = &g;
    }
    GraphEntry *g = free_slot ? free_slot : oldest;
    drop_graph(*g);
    g->used = true;
    g->key = k;
    g->last_use = ++e->graph_clock;
    *fresh = true;
    return g;
}

/* Gives up on graphs for g's key after a CUDA failure (recorded, error cleared). */
void graph_failed(gog_cuda_encoder *e, GraphEntry *g, const char *what, cudaError_t err) {
    (void)cudaGetLastError();
    graph_note(e, "%s failed for batch %d at %dx%d: %s (%s); running that shape eagerly", what,
               g->key.batch, g->key.width, g->key.height, cudaGetErrorName(err), cudaGetErrorString(err));
    if (g->exec) {
        (void)cudaGraphExecDestroy(g->exec);
        (void)cudaGetLastError();
        g->exec = nullptr;
    }
    g->failed = true;
}

/* Enqueues the image forward: eagerly, or through a CUDA graph when graphs are on (replayed
 * for a key seen before, captured at the second call of a key: the first, eager, call has made
 * every lazy initialisation of the kernels and of cuBLAS outside the capture). A graph problem
 * falls back to the eager forward. */
gog_status run_image(gog_cuda_encoder *e, ImageBufs &b, const ImageShape &sh, const float *pos,
                     const float *d_pix, float *d_emb, float *d_dense) {
    if (!e->graphs_on || !e->graphs_available) return forward_image(e, b, sh, pos, d_pix, d_emb, d_dense);
    GraphKey k;
    k.batch = sh.batch;
    k.height = sh.height;
    k.width = sh.width;
    k.pix = d_pix;
    k.emb = d_emb;
    k.dense = d_dense;
    k.ws = e->ws;
    k.pos = pos;
    bool fresh = false;
    GraphEntry *g = graph_entry(e, k, &fresh);
    if (fresh || g->failed) return forward_image(e, b, sh, pos, d_pix, d_emb, d_dense);
    if (g->exec) {
        const cudaError_t err = cudaGraphLaunch(g->exec, e->stream);
        if (err == cudaSuccess) {
            e->replays++;
            return GOG_OK;
        }
        graph_failed(e, g, "cudaGraphLaunch", err);
        return forward_image(e, b, sh, pos, d_pix, d_emb, d_dense);
    }
    /* Capture. */
    cudaError_t err = cudaStreamBeginCapture(e->stream, cudaStreamCaptureModeThreadLocal);
    if (err != cudaSuccess) {
        graph_failed(e, g, "cudaStreamBeginCapture", err);
        return forward_image(e, b, sh, pos, d_pix, d_emb, d_dense);
    }
    const gog_status st = forward_image(e, b, sh, pos, d_pix, d_emb, d_dense);
    char why[256] = "";
    if (st != GOG_OK) snprintf(why, sizeof why, "%s", gog_last_error());
    cudaGraph_t graph = nullptr;
    err = cudaStreamEndCapture(e->stream, &graph);
    if (st != GOG_OK || err != cudaSuccess || !graph) {
        if (graph) (void)cudaGraphDestroy(graph);
        (void)cudaGetLastError();
        if (st != GOG_OK)
            graph_note(e, "capturing the forward of batch %d at %dx%d failed: %s (cudaStreamEndCapture: %s); "
                       "running that shape eagerly", sh.batch, sh.width, sh.height, why, cudaGetErrorName(err));
        else
            graph_note(e, "cudaStreamEndCapture failed for batch %d at %dx%d: %s (%s); running that shape eagerly",
                       sh.batch, sh.width, sh.height, cudaGetErrorName(err), cudaGetErrorString(err));
        g->failed = true;
        return forward_image(e, b, sh, pos, d_pix, d_emb, d_dense);
    }
    cudaGraphExec_t exec = nullptr;
    err = cudaGraphInstantiate(&exec, graph, 0);
    (void)cudaGraphDestroy(graph);
    if (err != cudaSuccess) {
        graph_failed(e, g, "cudaGraphInstantiate", err);
        return forward_image(e, b, sh, pos, d_pix, d_emb, d_dense);
    }
    g->exec = exec;
    err = cudaGraphLaunch(exec, e->stream);
    if (err != cudaSuccess) {
        graph_failed(e, g, "cudaGraphLaunch", err);
        return forward_image(e, b, sh, pos, d_pix, d_emb, d_dense);
    }
    return GOG_OK;
}

/* Host form: pixels up through the pinned staging, the forward, the outputs back. */
gog_status encode_image_locked(gog_cuda_encoder *e, const float *pixels, const ImageShape &sh,
                               float *embeds, float *dense) {
    const float *pos = nullptr;
    ENC_TRY(patch_positions(e, sh.rows, sh.cols, &pos));
    ImageBufs b;
    size_t ws_bytes = 0, pin_bytes = 0;
    ENC_TRY(image_layout(e, sh, nullptr, &b, &ws_bytes, &pin_bytes));
    ENC_TRY(reserve_workspace(e, ws_bytes));
    ENC_TRY(reserve_pinned(e, pin_bytes));
    ENC_TRY(image_layout(e, sh, static_cast<char *>(e->ws), &b, &ws_bytes, &pin_bytes));
    const Tower &t = e->vision;
    const size_t pix_n = (size_t)sh.batch * t.cfg.channels * sh.height * sh.width;
    const size_t emb_n = (size_t)sh.batch * e->cfg.embed_dim;
    const size_t dense_n = sh.dense ? (size_t)sh.batch * sh.rows * sh.cols * e->cfg.embed_dim : 0;
    const size_t in_bytes = pix_n * sizeof(float);
    float *pin = static_cast<float *>(e->pin);
    const cudaStream_t s = e->stream;

    /* Upload in pieces, so that filling the staging overlaps the copies already queued. */
    for (size_t off = 0; off < in_bytes; off += kUploadChunk) {
        const size_t len = in_bytes - off < kUploadChunk ? in_bytes - off : kUploadChunk;
        memcpy(reinterpret_cast<char *>(pin) + off, reinterpret_cast<const char *>(pixels) + off, len);
        GOG_CU_TRY("cudaMemcpyAsync (pixels to the device)",
                   cudaMemcpyAsync(reinterpret_cast<char *>(b.pix) + off, reinterpret_cast<char *>(pin) + off,
                                   len, cudaMemcpyHostToDevice, s));
    }
    ENC_TRY(run_image(e, b, sh, pos, b.pix, b.emb, b.dense));
    GOG_CU_TRY("cudaMemcpyAsync (embeddings to the host)",
               cudaMemcpyAsync(pin, b.emb, emb_n * sizeof(float), cudaMemcpyDeviceToHost, s));
    if (sh.dense)
        GOG_CU_TRY("cudaMemcpyAsync (dense features to the host)",
                   cudaMemcpyAsync(pin + emb_n, b.dense, dense_n * sizeof(float), cudaMemcpyDeviceToHost, s));
    ENC_TRY(finish(e, GOG_OK, "encoding images"));
    memcpy(embeds, pin, emb_n * sizeof(float));
    if (sh.dense) memcpy(dense, pin + emb_n, dense_n * sizeof(float));
    return GOG_OK;
}

/* Device form: the forward between the caller's device buffers. */
gog_status encode_image_device_locked(gog_cuda_encoder *e, const float *pixels_dev, const ImageShape &sh,
                                      float *embeds_dev, float *dense_dev) {
    const float *pos = nullptr;
    ENC_TRY(patch_positions(e, sh.rows, sh.cols, &pos));
    ImageBufs b;
    size_t ws_bytes = 0, pin_bytes = 0;
    ENC_TRY(image_layout(e, sh, nullptr, &b, &ws_bytes, &pin_bytes));
    ENC_TRY(reserve_workspace(e, ws_bytes));
    ENC_TRY(image_layout(e, sh, static_cast<char *>(e->ws), &b, &ws_bytes, &pin_bytes));
    ENC_TRY(run_image(e, b, sh, pos, pixels_dev, embeds_dev, dense_dev));
    return finish(e, GOG_OK, "encoding images");
}

/* ----------------------------------------------------------------------------------------
 * Text calls
 * -------------------------------------------------------------------------------------- */

struct TextBufs {
    Work w;
    int32_t *ids = nullptr; /* [M] ids, then [batch] pooling positions */
    float *emb = nullptr;
};

/* The one size computation of a text call (see image_layout). */
gog_status text_layout(const gog_cuda_encoder *e, int32_t batch, int32_t length, char *base, TextBufs *b,
                       size_t *ws_bytes, size_t *pin_bytes) {
    const Tower &t = e->text;
    const int32_t D = t.cfg.hidden, F = t.cfg.intermediate, E = e->cfg.embed_dim, H = t.cfg.heads;
    const int64_t M = (int64_t)batch * length;
    if ((double)M * (6.0 * D + F) > 4e9) {
        return gog_fail(GOG_ERR_LIMIT_EXCEEDED, "batch %d of %d tokens needs too much scratch memory",
                        batch, length);
    }
    const int64_t kin = D > F ? D : F;
    Arena ar;
    ar.base = base;
    b->ids = ar.take<int32_t>((size_t)M + (size_t)batch);
    layout_common(ar, b->w, e->bf16, batch, length, D, F, E, H, kin);
    b->emb = ar.take<float>((size_t)batch * E);
    *ws_bytes = ar.used;
    const size_t in_bytes = ((size_t)M + (size_t)batch) * sizeof(int32_t);
    const size_t out_bytes = (size_t)batch * E * sizeof(float);
    *pin_bytes = in_bytes > out_bytes ? in_bytes : out_bytes;
    return GOG_OK;
}

gog_status encode_text_locked(gog_cuda_encoder *e, const int32_t *ids, int32_t batch, int32_t length,
                              const int32_t *pool_at, float *embeds) {
    const Tower &t = e->text;
    const int32_t D = t.cfg.hidden, E = e->cfg.embed_dim;
    const int64_t M = (int64_t)batch * length;
    TextBufs b;
    size_t ws_bytes = 0, pin_bytes = 0;
    ENC_TRY(text_layout(e, batch, length, nullptr, &b, &ws_bytes, &pin_bytes));
    ENC_TRY(reserve_workspace(e, ws_bytes));
    ENC_TRY(reserve_pinned(e, pin_bytes));
    ENC_TRY(text_layout(e, batch, length, static_cast<char *>(e->ws), &b, &ws_bytes, &pin_bytes));
    Work &w = b.w;
    int32_t *d_ids = b.ids;
    float *d_emb = b.emb;
    const size_t in_bytes = ((size_t)M + (size_t)batch) * sizeof(int32_t);
    const size_t out_bytes = (size_t)batch * E * sizeof(float);
    const cudaStream_t s = e->stream;
    int32_t *pin_ids = static_cast<int32_t *>(e->pin);
    memcpy(pin_ids, ids, (size_t)M * sizeof(int32_t));
    memcpy(pin_ids + M, pool_at, (size_t)batch * sizeof(int32_t));
    GOG_CU_TRY("cudaMemcpyAsync (token ids to the device)",
                 cudaMemcpyAsync(d_ids, pin_ids, in_bytes, cudaMemcpyHostToDevice, s));

    embed_tokens_kernel<<<element_blocks(M * D), kElementBlock, 0, s>>>(t.tok, t.tok_dtype, d_ids, t.pos,
                                                                         M, length, D, w.x);
    ENC_TRY(launched("the token embedding kernel"));
    ENC_TRY(run_layers(e, w, t, batch, length, e->clip, 0, t.cfg.layers));
    /* One row per sequence, then the final LayerNorm and the projection on those rows. */
    gather_rows_kernel<<<element_blocks((int64_t)batch * D), kElementBlock, 0, s>>>(w.x, d_ids + M, batch,
                                                                                      length, D, w.pa);
    ENC_TRY(launched("the pooling kernel"));
    ENC_TRY(layernorm(e, w.pa, D, w.pa, D, batch, D, t.post_g, t.post_b, t.cfg.eps));
    ENC_TRY(linear(e, w, t.proj, w.pa, D, batch, w.pb, E, 0, false, e->clip ? "text_projection" : "text head"));
    ENC_TRY(l2_normalize(e, w.pb, E, d_emb, batch, E, 1, 1, 0));
    float *pin_out = static_cast<float *>(e->pin);
    GOG_CU_TRY("cudaMemcpyAsync (embeddings to the host)",
                 cudaMemcpyAsync(pin_out, d_emb, out_bytes, cudaMemcpyDeviceToHost, s));
    ENC_TRY(finish(e, GOG_OK, "encoding text"));
    memcpy(embeds, pin_out, out_bytes);
    return GOG_OK;
}

/* GOG_ERR_NO_DEVICE without a device, else GOG_ERR_INVALID_ARGUMENT: for a NULL encoder. */
gog_status null_encoder(void) {
    cudaError_t err = cudaSuccess;
    if (count_devices(&err) == 0) return no_device(err);
    return gog_fail(GOG_ERR_INVALID_ARGUMENT, "encoder is NULL");
}

bool env_flag(const char *name) {
    const char *v = getenv(name);
    return v && v[0] == '1' && v[1] == '\0';
}

/* Gives cuBLAS a fixed workspace of the encoder's (after the stream is set: setting the
 * stream resets it), always, so that eager calls and graphs run the same GEMM algorithms.
 * Graphs are available only when that worked; otherwise the reason is kept and creation goes
 * on (a graph problem never fails the encoder). */
gog_status setup_blas_workspace(gog_cuda_encoder *e) {
    if (!e->blas->set_workspace) {
        graph_note(e, "CUDA graphs unavailable: %s has no cublasSetWorkspace_v2 (cuBLAS would allocate "
                   "during capture)", e->blas->name);
        return GOG_OK;
    }
    if (dev_alloc(e, kBlasWorkspace, &e->blas_ws, "cuBLAS workspace") != GOG_OK) {
        graph_note(e, "CUDA graphs unavailable: %s", gog_last_error());
        e->blas_ws = nullptr;
        return GOG_OK;
    }
    const int32_t bs = e->blas->set_workspace(e->handle, e->blas_ws, kBlasWorkspace);
    if (bs != GOG_CUBLAS_STATUS_SUCCESS) {
        graph_note(e, "CUDA graphs unavailable: cublasSetWorkspace_v2 failed: %s", gog_cublas_status_name(bs));
        return GOG_OK;
    }
    e->graphs_available = true;
    return GOG_OK;
}

} // namespace

/* ------------------------------------------------------------------------------------------
 * Public entry points
 * ---------------------------------------------------------------------------------------- */

extern "C" GOG_API void gog_cuda_encoder_destroy(gog_cuda_encoder *e) {
    if (!e) return;
    {
        DeviceScope scope;
        (void)scope.enter_quiet(e->device);
        if (e->stream) (void)cudaStreamSynchronize(e->stream);
        drop_graphs(e);
        for (size_t i = 0; i < e->n_allocs; i++) (void)cudaFree(e->allocs[i]);
        Tower *towers[2] = {&e->vision, &e->text};
        for (Tower *t : towers)
            for (int32_t i = 0; i < t->cache_n; i++) (void)cudaFree(t->cache[i].table);
        if (e->ws) (void)cudaFree(e->ws);
        if (e->pin) (void)cudaFreeHost(e->pin);
        if (e->handle) (void)e->blas->destroy(e->handle);
        if (e->stream) (void)cudaStreamDestroy(e->stream);
        (void)cudaGetLastError();
    }
    free(e->allocs);
    free(e->vision.pos_grid_host);
    delete[] e->vision.layers;
    delete[] e->text.layers;
    if (e->lock_ready) pthread_mutex_destroy(&e->lock);
    delete e;
}

extern "C" GOG_API gog_status gog_cuda_encoder_create(int32_t device, const gog_encoder_config *cfg,
                                                      const gog_tensor_desc *tensors, int64_t n_tensors,
                                                      gog_cuda_encoder **out) {
    if (out) *out = nullptr;
    ENC_TRY(check_device(device));
    if (!out) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "out is NULL");
    if (!cfg) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "config is NULL");
    if (n_tensors < 0 || (n_tensors > 0 && !tensors))
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "tensors is NULL or n_tensors < 0");
    ENC_TRY(gog_encoder_check_config(cfg));
    const gog_cublas_api *blas = nullptr;
    ENC_TRY(gog_cublas_get(&blas));

    gog_weights w;
    ENC_TRY(gog_weights_index(&w, tensors, n_tensors));
    gog_cuda_encoder *e = new (std::nothrow) gog_cuda_encoder;
    if (!e) {
        gog_weights_free(&w);
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "out of host memory");
    }
    e->device = device;
    e->cfg = *cfg;
    e->clip = cfg->family == GOG_ENCODER_CLIP;
    e->bf16 = cfg->compute == GOG_COMPUTE_BF16;
    e->tf32 = env_flag("GOG_CUDA_TF32");
    e->blas = blas;
    e->lock_ready = pthread_mutex_init(&e->lock, nullptr) == 0;
    e->vision.cfg = cfg->vision;
    e->text.cfg = cfg->text;
    e->has_vision = cfg->vision.layers > 0;
    e->has_text = cfg->text.layers > 0;

    gog_status st = e->lock_ready ? GOG_OK : gog_fail(GOG_ERR_OUT_OF_MEMORY, "cannot create a mutex");
    {
        DeviceScope scope;
        if (st == GOG_OK) st = scope.enter(device);
        if (st == GOG_OK) {
            const cudaError_t err = cudaStreamCreateWithFlags(&e->stream, cudaStreamNonBlocking);
            if (err != cudaSuccess) {
                e->stream = nullptr;
                st = cuda_fail(err, "cudaStreamCreateWithFlags");
            }
        }
        if (st == GOG_OK) {
            int32_t bs = blas->create(&e->handle);
            if (bs != GOG_CUBLAS_STATUS_SUCCESS) {
                e->handle = nullptr;
                st = gog_cublas_fail(blas, bs, "cublasCreate_v2");
            }
            if (st == GOG_OK && (bs = blas->set_stream(e->handle, e->stream)) != GOG_CUBLAS_STATUS_SUCCESS)
                st = gog_cublas_fail(blas, bs, "cublasSetStream_v2");
            if (st == GOG_OK && (bs = blas->set_math_mode(e->handle, GOG_CUBLAS_DEFAULT_MATH)) != GOG_CUBLAS_STATUS_SUCCESS)
                st = gog_cublas_fail(blas, bs, "cublasSetMathMode");
        }
        if (st == GOG_OK) st = setup_blas_workspace(e);
        Builder b{e, &w};
        if (st == GOG_OK && e->has_vision) st = build_vision(b);
        if (st == GOG_OK && e->has_text) st = build_text(b);
    }
    gog_weights_free(&w);
    if (st != GOG_OK) {
        gog_cuda_encoder_destroy(e); /* keeps the message: destroy records no error */
        return st;
    }
    *out = e;
    return GOG_OK;
}

/* What the two image entry points share: the argument checks, the patch grid (the rule of
 * gog_encoder_grid), the encoder lock and the device scope; run(sh) does the work inside them, and
 * after a failure the stream is synchronised and the CUDA error state cleared (finish). */
template <typename Run>
static gog_status image_call(gog_cuda_encoder *e, bool have_args, int32_t batch, int32_t height, int32_t width,
                             bool dense, Run run) {
    if (!e) return null_encoder();
    if (!have_args) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "NULL argument");
    if (batch < 1 || batch > 65536) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "batch %d out of range [1, 65536]", batch);
    if (!e->has_vision) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "the encoder has no vision tower");
    int32_t rows = 0, cols = 0;
    const gog_status grid = gog_encoder_patch_grid(e->vision.cfg.patch_size, height, width, &rows, &cols);
    if (grid != GOG_OK) return grid;
    pthread_mutex_lock(&e->lock);
    gog_status st;
    {
        DeviceScope scope;
        st = scope.enter(e->device);
        if (st == GOG_OK) {
            ImageShape sh;
            sh.batch = batch;
            sh.height = height;
            sh.width = width;
            sh.rows = rows;
            sh.cols = cols;
            sh.dense = dense;
            st = run(sh);
            if (st != GOG_OK) (void)finish(e, st, "encoding images");
        }
    }
    pthread_mutex_unlock(&e->lock);
    return st;
}

extern "C" GOG_API gog_status gog_cuda_encoder_encode_image(gog_cuda_encoder *e, const float *pixels,
                                                            int32_t batch, int32_t height, int32_t width,
                                                            float *embeds, float *dense) {
    return image_call(e, pixels && embeds, batch, height, width, dense != nullptr,
                      [&](const ImageShape &sh) { return encode_image_locked(e, pixels, sh, embeds, dense); });
}

extern "C" GOG_API gog_status gog_cuda_encoder_encode_text(gog_cuda_encoder *e, const int32_t *ids,
                                                           int32_t batch, int32_t length, float *embeds) {
    if (!e) return null_encoder();
    if (!ids || !embeds) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "NULL argument");
    if (!e->has_text) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "the encoder has no text tower");
    const Tower &t = e->text;
    if (batch < 1 || batch > 65536) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "batch %d out of range [1, 65536]", batch);
    if (length < 1 || length > t.cfg.max_positions) {
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "sequence length %d out of range [1, %d]", length, t.cfg.max_positions);
    }
    for (int64_t i = 0; i < (int64_t)batch * length; i++) {
        if (ids[i] < 0 || ids[i] >= t.cfg.vocab_size) {
            return gog_fail(GOG_ERR_INVALID_ARGUMENT, "token id %d (row %lld, position %lld) outside the vocabulary [0, %d)",
                            ids[i], (long long)(i / length), (long long)(i % length), t.cfg.vocab_size);
        }
    }
    /* Pooling positions, by the CPU's rules: CLIP at the first eos (the legacy rule, the
     * largest id, when eos_token_id is 2; the last position without an eos), SigLIP last. */
    int32_t *at = static_cast<int32_t *>(malloc((size_t)batch * sizeof(int32_t)));
    if (!at) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "out of host memory");
    for (int32_t b = 0; b < batch; b++) {
        const int32_t *row = ids + (int64_t)b * length;
        int32_t pos = length - 1;
        if (e->clip) {
            if (t.cfg.eos_token_id == 2) {
                pos = 0;
                for (int32_t i = 1; i < length; i++)
                    if (row[i] > row[pos]) pos = i;
            } else {
                for (int32_t i = 0; i < length; i++)
                    if (row[i] == t.cfg.eos_token_id) {
                        pos = i;
                        break;
                    }
            }
        }
        at[b] = pos;
    }
    pthread_mutex_lock(&e->lock);
    gog_status st;
    {
        DeviceScope scope;
        st = scope.enter(e->device);
        if (st == GOG_OK) {
            st = encode_text_locked(e, ids, batch, length, at, embeds);
            if (st != GOG_OK) (void)finish(e, st, "encoding text");
        }
    }
    pthread_mutex_unlock(&e->lock);
    free(at);
    return st;
}

extern "C" GOG_API gog_status gog_cuda_encoder_encode_image_device(gog_cuda_encoder *e, const float *pixels_dev,
                                                                   int32_t batch, int32_t height, int32_t width,
                                                                   float *embeds_dev, float *dense_dev) {
    return image_call(e, pixels_dev && embeds_dev, batch, height, width, dense_dev != nullptr, [&](const ImageShape &sh) {
        gog_status st = check_device_pointer(e->device, pixels_dev, "pixels_dev");
        if (st == GOG_OK) st = check_device_pointer(e->device, embeds_dev, "embeds_dev");
        if (st == GOG_OK && dense_dev) st = check_device_pointer(e->device, dense_dev, "dense_dev");
        if (st == GOG_OK) st = encode_image_device_locked(e, pixels_dev, sh, embeds_dev, dense_dev);
        return st;
    });
}

extern "C" GOG_API gog_status gog_cuda_encoder_reserve(gog_cuda_encoder *e, int32_t max_batch, int32_t max_height,
                                                       int32_t max_width, int32_t max_text_batch,
                                                       int32_t max_text_length) {
    if (!e) return null_encoder();
    if (max_batch < 0 || max_batch > 65536)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "max_batch %d out of range [0, 65536]", max_batch);
    if (max_text_batch < 0 || max_text_batch > 65536)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "max_text_batch %d out of range [0, 65536]", max_text_batch);
    size_t ws_need = 0, pin_need = 0;
    if (max_batch > 0) {
        if (!e->has_vision) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "the encoder has no vision tower");
        ImageShape sh;
        ENC_TRY(gog_encoder_patch_grid(e->vision.cfg.patch_size, max_height, max_width, &sh.rows, &sh.cols));
        sh.batch = max_batch;
        sh.height = max_height;
        sh.width = max_width;
        sh.dense = true; /* the worst case: dense features requested */
        ImageBufs b;
        ENC_TRY(image_layout(e, sh, nullptr, &b, &ws_need, &pin_need));
    }
    if (max_text_batch > 0) {
        if (!e->has_text) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "the encoder has no text tower");
        if (max_text_length < 1 || max_text_length > e->text.cfg.max_positions)
            return gog_fail(GOG_ERR_INVALID_ARGUMENT, "max_text_length %d out of range [1, %d]", max_text_length,
                            e->text.cfg.max_positions);
        TextBufs b;
        size_t ws = 0, pin = 0;
        ENC_TRY(text_layout(e, max_text_batch, max_text_length, nullptr, &b, &ws, &pin));
        if (ws > ws_need) ws_need = ws;
        if (pin > pin_need) pin_need = pin;
    }
    if (ws_need == 0) return GOG_OK;
    pthread_mutex_lock(&e->lock);
    gog_status st;
    {
        DeviceScope scope;
        st = scope.enter(e->device);
        if (st == GOG_OK) st = reserve_workspace(e, ws_need);
        if (st == GOG_OK) st = reserve_pinned(e, pin_need);
    }
    pthread_mutex_unlock(&e->lock);
    return st;
}

extern "C" GOG_API gog_status gog_cuda_encoder_set_graphs(gog_cuda_encoder *e, int32_t enabled) {
    if (!e) return null_encoder();
    {
        cudaError_t err = cudaSuccess;
        if (count_devices(&err) == 0) return no_device(err);
    }
    pthread_mutex_lock(&e->lock);
    const bool on = enabled != 0;
    if (!on && e->graphs_on) {
        DeviceScope scope;
        if (scope.enter_quiet(e->device)) drop_graphs(e);
    }
    e->graphs_on = on;
    pthread_mutex_unlock(&e->lock);
    return GOG_OK;
}

extern "C" GOG_API gog_status gog_cuda_encoder_graph_info(gog_cuda_encoder *e, int32_t *graphs, int32_t *replays,
                                                          char *last_failure, size_t cap) {
    if (!e) return null_encoder();
    {
        cudaError_t err = cudaSuccess;
        if (count_devices(&err) == 0) return no_device(err);
    }
    pthread_mutex_lock(&e->lock);
    int32_t n = 0;
    for (const GraphEntry &g : e->graphs)
        if (g.used && g.exec) n++;
    if (graphs) *graphs = n;
    if (replays) *replays = e->replays > INT32_MAX ? INT32_MAX : (int32_t)e->replays;
    if (last_failure && cap > 0) snprintf(last_failure, cap, "%s", e->graph_failure);
    pthread_mutex_unlock(&e->lock);
    return GOG_OK;
}
