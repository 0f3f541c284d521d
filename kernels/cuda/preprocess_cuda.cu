/*
 * libgog_cuda: device queries and the fused crop-resize-normalize on a CUDA device
 * (gog_cuda.h).
 *
 * One call of gog_cuda_preprocess:
 *   1. checks the device, validates exactly as gog_preprocess_run, and plans on the host
 *      (cuda_plan.c): Pillow coefficients of every item, the source region they read, one
 *      packed table (descriptors, normalisation LUT, all coefficients);
 *   2. stages the table and the region's rows in pinned host memory and copies them to the
 *      device, chunk by chunk so that the host copies overlap the DMA;
 *   3. launches pass 0 (horizontal, all items, grid items x rows x columns) and pass 1
 *      (vertical + fill + normalise + layout, grid items x output rows x columns);
 *   4. copies the output back through the same pinned staging, in chunks, each chunk handed
 *      to the caller's buffer as soon as its copy completes; then returns with the stream
 *      idle. gog_cuda_preprocess_device is the same call with pass 1 writing straight into
 *      the caller's device buffer and no step 4 (one implementation, run()).
 *
 * Resources and ownership. Each call runs on a "slot": a non-blocking stream, its events,
 * one pinned staging buffer and four device buffers (table, region, intermediate, output).
 * Slots are owned by the library and kept per device in a small mutex-guarded pool (up to
 * kIdleSlotsPerDevice idle slots per device; concurrent calls each take their own slot, so
 * calls from several threads run concurrently). Buffers only grow, to the largest call
 * seen; they are released when a slot is dropped from the pool, or at process exit. A slot
 * whose call failed is synchronised and destroyed rather than reused. Nothing the caller
 * passes is retained after the call returns.
 *
 * The caller's current device (cudaSetDevice) is restored before returning.
 */
#include <cuda_runtime.h>
#include <pthread.h>

#include <cstdint>
#include <cstring>
#include <new>

extern "C" {
#include "common/internal.h"
}
#include "cuda_common.cuh"
#include "cuda_internal.h"
#include "cuda_kernels.h"
#include "cuda_plan.h"
#include "gog/gog_cuda.h"

namespace {

using namespace gog_cu;

/* ----------------------------------------------------------------------------------------
 * Slots and the per-device pool
 * -------------------------------------------------------------------------------------- */

constexpr int kPooledDevices = 64;      /* higher ordinals get a fresh slot per call        */
constexpr int kIdleSlotsPerDevice = 4;  /* idle slots kept per device                       */
constexpr int kDownloadChunks = 8;      /* most pieces the output download is split into    */
constexpr size_t kUploadChunk = (size_t)1 << 20;   /* bytes of source rows per upload copy */
constexpr size_t kDownloadChunkMin = (size_t)1 << 20;
constexpr size_t kGrowStep = (size_t)1 << 20;      /* buffer sizes are rounded up to this  */

enum { EV_BEGIN, EV_UPLOADED, EV_HPASS, EV_VPASS, EV_END, EV_TIMED };

struct DeviceBuffer {
    void *ptr = nullptr;
    size_t cap = 0;
};

struct Slot {
    int32_t device = -1;
    cudaStream_t stream = nullptr;
    cudaEvent_t timed[EV_TIMED] = {};
    cudaEvent_t chunk[kDownloadChunks] = {};
    void *pinned = nullptr;
    size_t pinned_cap = 0;
    DeviceBuffer table, src, temp, out;
    Slot *next = nullptr;
};

struct Pool {
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    Slot *idle = nullptr;
    int n_idle = 0;
};

Pool g_pools[kPooledDevices];

/* Releases everything a slot holds (its device must be current). Waits for the stream
 * first, so that no copy or kernel still uses the memory; errors are ignored here (the
 * failure that led here has already been reported). */
void destroy_slot(Slot *s) {
    if (!s) return;
    if (s->stream) (void)cudaStreamSynchronize(s->stream);
    DeviceBuffer *bufs[] = {&s->table, &s->src, &s->temp, &s->out};
    for (DeviceBuffer *b : bufs)
        if (b->ptr) (void)cudaFree(b->ptr);
    if (s->pinned) (void)cudaFreeHost(s->pinned);
    for (cudaEvent_t e : s->timed)
        if (e) (void)cudaEventDestroy(e);
    for (cudaEvent_t e : s->chunk)
        if (e) (void)cudaEventDestroy(e);
    if (s->stream) (void)cudaStreamDestroy(s->stream);
    (void)cudaGetLastError();
    delete s;
}

gog_status create_slot(int32_t device, Slot **out) {
    Slot *s = new (std::nothrow) Slot;
    if (!s) return gog_fail(GOG_ERR_OUT_OF_MEMORY, "cannot allocate a CUDA stream slot");
    s->device = device;
    cudaError_t e = cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking);
    if (e != cudaSuccess) s->stream = nullptr;
    for (int i = 0; i < EV_TIMED && e == cudaSuccess; i++) {
        e = cudaEventCreateWithFlags(&s->timed[i], cudaEventDefault);
        if (e != cudaSuccess) s->timed[i] = nullptr;
    }
    for (int i = 0; i < kDownloadChunks && e == cudaSuccess; i++) {
        e = cudaEventCreateWithFlags(&s->chunk[i], cudaEventDisableTiming);
        if (e != cudaSuccess) s->chunk[i] = nullptr;
    }
    if (e != cudaSuccess) {
        const gog_status st = cuda_fail(e, "creating a CUDA stream and its events");
        destroy_slot(s);
        return st;
    }
    *out = s;
    return GOG_OK;
}

gog_status acquire_slot(int32_t device, Slot **out) {
    if (device < kPooledDevices) {
        Pool &pool = g_pools[device];
        pthread_mutex_lock(&pool.mu);
        Slot *s = pool.idle;
        if (s) {
            pool.idle = s->next;
            pool.n_idle--;
            s->next = nullptr;
        }
        pthread_mutex_unlock(&pool.mu);
        if (s) {
            *out = s;
            return GOG_OK;
        }
    }
    return create_slot(device, out);
}

/* Returns a slot to its pool (healthy: its last call succeeded and left the stream idle),
 * or destroys it. */
void release_slot(Slot *s, bool healthy) {
    if (healthy && s->device < kPooledDevices) {
        Pool &pool = g_pools[s->device];
        pthread_mutex_lock(&pool.mu);
        if (pool.n_idle < kIdleSlotsPerDevice) {
            s->next = pool.idle;
            pool.idle = s;
            pool.n_idle++;
            s = nullptr;
        }
        pthread_mutex_unlock(&pool.mu);
    }
    if (s) destroy_slot(s);
}

bool round_up(size_t bytes, size_t step, size_t *out) {
    size_t v;
    if (__builtin_add_overflow(bytes, step - 1, &v)) return false;
    *out = v / step * step;
    return true;
}

gog_status reserve_device(DeviceBuffer &b, size_t bytes, const char *what) {
    if (bytes <= b.cap && b.ptr) return GOG_OK;
    size_t want;
    if (!round_up(bytes == 0 ? 1 : bytes, kGrowStep, &want))
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "%s: %zu bytes is too large", what, bytes);
    if (b.ptr) {
        const cudaError_t e = cudaFree(b.ptr);
        b.ptr = nullptr;
        b.cap = 0;
        if (e != cudaSuccess) return cuda_fail(e, "cudaFree");
    }
    void *p = nullptr;
    const cudaError_t e = cudaMalloc(&p, want);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return gog_fail(status_of(e), "cudaMalloc of %zu bytes for the %s failed: %s (%s)", want,
                        what, cudaGetErrorName(e), cudaGetErrorString(e));
    }
    b.ptr = p;
    b.cap = want;
    return GOG_OK;
}

gog_status reserve_pinned(Slot *s, size_t bytes) {
    if (bytes <= s->pinned_cap && s->pinned) return GOG_OK;
    size_t want;
    if (!round_up(bytes == 0 ? 1 : bytes, kGrowStep, &want))
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "pinned staging: %zu bytes is too large", bytes);
    if (s->pinned) {
        const cudaError_t e = cudaFreeHost(s->pinned);
        s->pinned = nullptr;
        s->pinned_cap = 0;
        if (e != cudaSuccess) return cuda_fail(e, "cudaFreeHost");
    }
    void *p = nullptr;
    const cudaError_t e = cudaHostAlloc(&p, want, cudaHostAllocDefault);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return gog_fail(status_of(e), "cudaHostAlloc of %zu bytes of pinned staging failed: %s (%s)",
                        want, cudaGetErrorName(e), cudaGetErrorString(e));
    }
    s->pinned = p;
    s->pinned_cap = want;
    return GOG_OK;
}

/* ----------------------------------------------------------------------------------------
 * Kernels (the per-thread work is in cuda_kernels.h)
 * -------------------------------------------------------------------------------------- */

__device__ __forceinline__ gog_cu_idx idx3(const uint3 v) { return gog_cu_idx{v.x, v.y, v.z}; }
__device__ __forceinline__ gog_cu_idx idx3(const dim3 v) { return gog_cu_idx{v.x, v.y, v.z}; }

__global__ void __launch_bounds__(GOG_CU_BLOCK_X * GOG_CU_BLOCK_Y)
    hpass_kernel(const __grid_constant__ gog_cu_args a) {
    gog_cu_hpass_thread(&a, idx3(blockIdx), idx3(threadIdx), idx3(gridDim), idx3(blockDim));
}

__global__ void __launch_bounds__(GOG_CU_BLOCK_X * GOG_CU_BLOCK_Y)
    vpass_kernel(const __grid_constant__ gog_cu_args a) {
    /* The normalisation LUT in shared memory: lookups by pixel value diverge across a warp,
     * which constant memory would serialise. */
    __shared__ float lut[3 * 256];
    if (a.dtype != GOG_DTYPE_U8) {
        const unsigned n = blockDim.x * blockDim.y * blockDim.z;
        const unsigned t = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
        for (unsigned k = t; k < 3 * 256; k += n) lut[k] = a.lut[k];
    }
    __syncthreads();
    gog_cu_vpass_thread(&a, lut, idx3(blockIdx), idx3(threadIdx), idx3(gridDim), idx3(blockDim));
}

gog_status launch(int pass, const gog_cu_plan *plan, const gog_cu_args &args, cudaStream_t stream) {
    gog_cu_idx g, b;
    gog_cu_plan_grid(plan, pass, GOG_CU_MAX_GRID, &g, &b);
    (void)cudaGetLastError(); /* so that the check below sees this launch only */
    if (pass == 0)
        hpass_kernel<<<dim3(g.x, g.y, g.z), dim3(b.x, b.y, b.z), 0, stream>>>(args);
    else
        vpass_kernel<<<dim3(g.x, g.y, g.z), dim3(b.x, b.y, b.z), 0, stream>>>(args);
    GOG_CU_TRY(pass == 0 ? "launching the horizontal pass" : "launching the vertical pass",
               cudaGetLastError());
    return GOG_OK;
}

/* ----------------------------------------------------------------------------------------
 * One call on one slot
 * -------------------------------------------------------------------------------------- */

/* The one implementation of both forms. The output goes to out_dev (DEVICE memory, the
 * device form) or, when out_dev is NULL, to the slot's output buffer and from there back to
 * host_out (the host form). Returns with the slot's stream idle. */
gog_status run(Slot *s, const gog_cu_plan *plan, const gog_image_view *image, void *host_out,
               void *out_dev, gog_cuda_stats *stats) {
    /* Pinned staging: [region rows][pad to 256][packed table] going up, then (host form) the
     * output coming back over the same bytes. Safe: the host fills it before the uploads are
     * queued, and the download is queued behind the uploads and the kernels on the same
     * stream. */
    const bool to_host = out_dev == nullptr;
    size_t table_at, in_bytes;
    if (!round_up(plan->src_bytes, 256, &table_at) ||
        __builtin_add_overflow(table_at, plan->table_bytes, &in_bytes))
        return gog_fail(GOG_ERR_OUT_OF_MEMORY, "source region and tables are too large");
    const size_t stage_bytes = to_host && plan->out_bytes > in_bytes ? plan->out_bytes : in_bytes;
    gog_status st;
    if ((st = reserve_pinned(s, stage_bytes)) != GOG_OK) return st;
    if ((st = reserve_device(s->table, plan->table_bytes, "coefficient tables")) != GOG_OK) return st;
    if ((st = reserve_device(s->src, plan->src_bytes, "source region")) != GOG_OK) return st;
    if ((st = reserve_device(s->temp, plan->temp_bytes, "intermediate images")) != GOG_OK) return st;
    if (to_host && (st = reserve_device(s->out, plan->out_bytes, "output")) != GOG_OK) return st;

    uint8_t *const pin = static_cast<uint8_t *>(s->pinned);
    uint8_t *const d_src = static_cast<uint8_t *>(s->src.ptr);
    uint8_t *const d_out = static_cast<uint8_t *>(to_host ? s->out.ptr : out_dev);
    const cudaStream_t stream = s->stream;

    GOG_CU_TRY("cudaEventRecord", cudaEventRecord(s->timed[EV_BEGIN], stream));

    /* Upload: the table, then the region's rows in chunks of about kUploadChunk bytes. */
    gog_cu_plan_pack(plan, pin + table_at);
    GOG_CU_TRY("cudaMemcpyAsync (tables to the device)",
               cudaMemcpyAsync(s->table.ptr, pin + table_at, plan->table_bytes,
                               cudaMemcpyHostToDevice, stream));
    const size_t pitch = (size_t)plan->src_pitch;
    const int32_t rows = plan->y1 - plan->y0;
    const int32_t chunk_rows = pitch >= kUploadChunk ? 1 : (int32_t)(kUploadChunk / pitch);
    for (int32_t r0 = 0; r0 < rows;) {
        const int32_t r1 = rows - r0 > chunk_rows ? r0 + chunk_rows : rows;
        uint8_t *const h = pin + (size_t)r0 * pitch;
        gog_cu_plan_copy_rows(plan, image, r0, r1, h);
        GOG_CU_TRY("cudaMemcpyAsync (image rows to the device)",
                   cudaMemcpyAsync(d_src + (size_t)r0 * pitch, h, (size_t)(r1 - r0) * pitch,
                                   cudaMemcpyHostToDevice, stream));
        r0 = r1;
    }
    GOG_CU_TRY("cudaEventRecord", cudaEventRecord(s->timed[EV_UPLOADED], stream));

    gog_cu_args args;
    gog_cu_plan_args(plan, s->table.ptr, d_src, static_cast<uint32_t *>(s->temp.ptr), d_out, &args);
    if ((st = launch(0, plan, args, stream)) != GOG_OK) return st;
    GOG_CU_TRY("cudaEventRecord", cudaEventRecord(s->timed[EV_HPASS], stream));
    if ((st = launch(1, plan, args, stream)) != GOG_OK) return st;
    GOG_CU_TRY("cudaEventRecord", cudaEventRecord(s->timed[EV_VPASS], stream));

    /* Download in up to kDownloadChunks pieces; each piece goes on to the caller's buffer as
     * soon as its copy is done, while the next one is still in flight. */
    const size_t total = to_host ? plan->out_bytes : 0;
    size_t chunk = (total + kDownloadChunks - 1) / kDownloadChunks;
    if (chunk < kDownloadChunkMin) chunk = kDownloadChunkMin;
    int n_chunks = 0;
    for (size_t off = 0; off < total; off += chunk, n_chunks++) {
        const size_t len = total - off < chunk ? total - off : chunk;
        GOG_CU_TRY("cudaMemcpyAsync (output to the host)",
                   cudaMemcpyAsync(pin + off, d_out + off, len, cudaMemcpyDeviceToHost, stream));
        GOG_CU_TRY("cudaEventRecord", cudaEventRecord(s->chunk[n_chunks], stream));
    }
    GOG_CU_TRY("cudaEventRecord", cudaEventRecord(s->timed[EV_END], stream));
    for (int k = 0; k < n_chunks; k++) {
        const size_t off = (size_t)k * chunk;
        const size_t len = total - off < chunk ? total - off : chunk;
        GOG_CU_TRY("preprocessing on the device (cudaEventSynchronize)",
                   cudaEventSynchronize(s->chunk[k]));
        memcpy(static_cast<uint8_t *>(host_out) + off, pin + off, len);
    }
    GOG_CU_TRY("preprocessing on the device (cudaStreamSynchronize)", cudaStreamSynchronize(stream));

    float ms[EV_TIMED - 1];
    for (int i = 0; i + 1 < EV_TIMED; i++)
        GOG_CU_TRY("cudaEventElapsedTime", cudaEventElapsedTime(&ms[i], s->timed[i], s->timed[i + 1]));
    stats->upload_ms = ms[0];
    stats->hpass_ms = ms[1];
    stats->vpass_ms = ms[2];
    stats->download_ms = ms[3];
    stats->h2d_bytes = (uint64_t)plan->src_bytes + (uint64_t)plan->table_bytes;
    stats->d2h_bytes = (uint64_t)total;
    stats->kernel_bytes = plan->kernel_bytes;
    return GOG_OK;
}

thread_local gog_cuda_stats t_stats;
thread_local bool t_stats_valid = false;

} // namespace

/* ------------------------------------------------------------------------------------------
 * Public entry points
 * ---------------------------------------------------------------------------------------- */

extern "C" GOG_API int32_t gog_cuda_device_count(void) { return count_devices(nullptr); }

extern "C" GOG_API gog_status gog_cuda_device_info(int32_t ordinal, char *name, size_t name_capacity,
                                                   int32_t *cc_major, int32_t *cc_minor) {
    gog_status st = check_device(ordinal);
    if (st != GOG_OK) return st;
    if (!name || name_capacity == 0)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "name is NULL or name_capacity is 0");
    if (!cc_major || !cc_minor)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "cc_major or cc_minor is NULL");
    cudaDeviceProp prop;
    memset(&prop, 0, sizeof prop);
    GOG_CU_TRY("cudaGetDeviceProperties", cudaGetDeviceProperties(&prop, ordinal));
    size_t n = strnlen(prop.name, sizeof prop.name);
    if (n > name_capacity - 1) n = name_capacity - 1;
    memcpy(name, prop.name, n);
    name[n] = '\0';
    *cc_major = prop.major;
    *cc_minor = prop.minor;
    return GOG_OK;
}

namespace {

/* Both public forms: exactly one of host_out / out_dev is used (out_dev non-NULL: device
 * form). */
gog_status preprocess_call(int32_t device, const gog_image_view *image, const gog_preprocess_params *p,
                           const gog_resize_item *items, int32_t n_items, void *host_out, void *out_dev,
                           bool device_form, size_t out_capacity) {
    t_stats_valid = false;
    gog_status st = check_device(device);
    if (st != GOG_OK) return st;

    gog_cu_plan plan;
    st = gog_cu_plan_build(image, p, items, n_items, out_capacity, &plan);
    if (st == GOG_OK && !device_form && !host_out) st = gog_fail(GOG_ERR_INVALID_ARGUMENT, "out is NULL");
    if (st == GOG_OK && device_form && !out_dev) st = gog_fail(GOG_ERR_INVALID_ARGUMENT, "out_dev is NULL");
    if (st != GOG_OK || plan.n_items == 0) {
        gog_cu_plan_free(&plan);
        return st;
    }

    gog_cuda_stats stats;
    memset(&stats, 0, sizeof stats);
    {
        DeviceScope scope;
        st = scope.enter(device);
        if (st == GOG_OK && device_form) st = check_device_pointer(device, out_dev, "out_dev");
        Slot *slot = nullptr;
        if (st == GOG_OK) st = acquire_slot(device, &slot);
        if (st == GOG_OK) {
            st = run(slot, &plan, image, host_out, device_form ? out_dev : nullptr, &stats);
            release_slot(slot, st == GOG_OK);
        }
    }
    gog_cu_plan_free(&plan);
    if (st == GOG_OK) {
        t_stats = stats;
        t_stats_valid = true;
    }
    return st;
}

} // namespace

extern "C" GOG_API gog_status gog_cuda_preprocess(int32_t device, const gog_image_view *image,
                                                  const gog_preprocess_params *p,
                                                  const gog_resize_item *items, int32_t n_items,
                                                  void *out, size_t out_capacity) {
    return preprocess_call(device, image, p, items, n_items, out, nullptr, false, out_capacity);
}

extern "C" GOG_API gog_status gog_cuda_preprocess_device(int32_t device, const gog_image_view *image,
                                                         const gog_preprocess_params *p,
                                                         const gog_resize_item *items, int32_t n_items,
                                                         void *out_dev, size_t out_capacity) {
    return preprocess_call(device, image, p, items, n_items, nullptr, out_dev, true, out_capacity);
}

/* ------------------------------------------------------------------------------------------
 * Caller-owned device buffers
 * ---------------------------------------------------------------------------------------- */

extern "C" GOG_API gog_status gog_cuda_malloc(int32_t device, size_t bytes, void **out) {
    if (out) *out = nullptr;
    gog_status st = check_device(device);
    if (st != GOG_OK) return st;
    if (!out) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "out is NULL");
    if (bytes == 0) return GOG_OK;
    DeviceScope scope;
    if ((st = scope.enter(device)) != GOG_OK) return st;
    void *p = nullptr;
    const cudaError_t e = cudaMalloc(&p, bytes);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return gog_fail(status_of(e), "cudaMalloc of %zu bytes on CUDA device %d failed: %s (%s)", bytes,
                        (int)device, cudaGetErrorName(e), cudaGetErrorString(e));
    }
    *out = p;
    return GOG_OK;
}

extern "C" GOG_API gog_status gog_cuda_free(int32_t device, void *ptr) {
    gog_status st = check_device(device);
    if (st != GOG_OK || !ptr) return st;
    DeviceScope scope;
    if ((st = scope.enter(device)) != GOG_OK) return st;
    if ((st = check_device_pointer(device, ptr, "ptr")) != GOG_OK) return st;
    const cudaError_t e = cudaFree(ptr);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return gog_fail(e == cudaErrorInvalidValue || e == cudaErrorInvalidDevicePointer ? GOG_ERR_INVALID_ARGUMENT
                                                                                         : status_of(e),
                        "cudaFree(%p) on CUDA device %d failed: %s (%s)", ptr, (int)device, cudaGetErrorName(e),
                        cudaGetErrorString(e));
    }
    return GOG_OK;
}

namespace {

gog_status copy_sync(int32_t device, void *dst, const void *src, size_t bytes, bool to_device) {
    gog_status st = check_device(device);
    if (st != GOG_OK || bytes == 0) return st;
    DeviceScope scope;
    if ((st = scope.enter(device)) != GOG_OK) return st;
    if (to_device) {
        if ((st = check_device_pointer(device, dst, "dst_dev")) != GOG_OK) return st;
        if ((st = check_host_pointer(src, "src_host")) != GOG_OK) return st;
    } else {
        if ((st = check_host_pointer(dst, "dst_host")) != GOG_OK) return st;
        if ((st = check_device_pointer(device, src, "src_dev")) != GOG_OK) return st;
    }
    /* A private stream: the copy neither waits for nor delays the caller's other work. */
    cudaStream_t s = nullptr;
    GOG_CU_TRY("cudaStreamCreateWithFlags", cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    cudaError_t e = cudaMemcpyAsync(dst, src, bytes, to_device ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost, s);
    const cudaError_t e2 = cudaStreamSynchronize(s);
    if (e == cudaSuccess) e = e2;
    (void)cudaStreamDestroy(s);
    if (e != cudaSuccess)
        return cuda_fail(e, to_device ? "copying to the device (cudaMemcpyAsync)" : "copying to the host (cudaMemcpyAsync)");
    return GOG_OK;
}

} // namespace

extern "C" GOG_API gog_status gog_cuda_copy_to_device(int32_t device, void *dst_dev, const void *src_host,
                                                      size_t bytes) {
    return copy_sync(device, dst_dev, src_host, bytes, true);
}

extern "C" GOG_API gog_status gog_cuda_copy_to_host(int32_t device, void *dst_host, const void *src_dev,
                                                    size_t bytes) {
    return copy_sync(device, dst_host, src_dev, bytes, false);
}

extern "C" __attribute__((visibility("default"))) gog_status gog_cuda_last_stats(gog_cuda_stats *stats) {
    if (count_devices(nullptr) == 0) return gog_fail(GOG_ERR_NO_DEVICE, "no CUDA device");
    if (!stats) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "stats is NULL");
    if (!t_stats_valid)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT,
                        "no successful gog_cuda_preprocess call on this thread");
    *stats = t_stats;
    return GOG_OK;
}
