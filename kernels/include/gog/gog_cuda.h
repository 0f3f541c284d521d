/*
 * gog_cuda.h — the public C ABI of libgog_cuda, the GoG engine's CUDA kernels.
 *
 * Same conventions as gog.h (statuses, gog_last_error() for the message, no abort/exit).
 * libgog_cuda links the CUDA runtime statically and needs only the NVIDIA driver at run
 * time; without a driver or device every entry point fails with GOG_ERR_NO_DEVICE.
 */
#ifndef GOG_CUDA_H
#define GOG_CUDA_H

#include "gog.h"
#include "gog_encoder.h"
#include "gog_gaze.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Number of usable CUDA devices; 0 when there is no driver or no device (never fails). */
GOG_API int32_t gog_cuda_device_count(void);

/* Name and compute capability of device `ordinal`, written to name (NUL-terminated,
 * truncated to name_capacity). */
GOG_API gog_status gog_cuda_device_info(int32_t ordinal, char *name, size_t name_capacity,
                                        int32_t *cc_major, int32_t *cc_minor);

/*
 * The fused crop-resize-normalize of gog_preprocess_run on a CUDA device, same parameters,
 * same output layout and the same definition (Pillow's resize, 8-bit intermediate). Results
 * are within +-1 per 8-bit channel of the CPU reference (GOG_ISA_SCALAR).
 *
 * Host-to-host convenience form: copies the image rows the items need to the device (once),
 * runs all items as one launch per pass, copies the output back. p->isa and p->band_rows
 * are ignored. `device` selects the ordinal.
 */
GOG_API gog_status gog_cuda_preprocess(int32_t device, const gog_image_view *image,
                                       const gog_preprocess_params *p,
                                       const gog_resize_item *items, int32_t n_items, void *out,
                                       size_t out_capacity);

/*
 * Device buffers owned by the caller, for the device-resident entry points below
 * (gog_cuda_preprocess_device, gog_cuda_encoder_encode_image_device,
 * gog_cuda_gaze_relevance_device). Every call checks the device first (GOG_ERR_NO_DEVICE
 * without a driver or device, GOG_ERR_INVALID_ARGUMENT for a bad ordinal), returns with its
 * work finished and restores the caller's current device.
 *
 * Pointers are checked with cudaPointerGetAttributes: a pointer where DEVICE memory of
 * `device` is expected must be device (or managed) memory of that device, so a host,
 * pinned-host or another device's pointer fails with GOG_ERR_INVALID_ARGUMENT; a pointer where
 * HOST memory is expected must not be device memory. Only the first byte is checked: the
 * caller vouches for the rest of the range. A size of 0 is a no-op (GOG_OK, nothing checked
 * after the device).
 */

/* Allocates `bytes` of device memory on `device` (cudaMalloc; 256-byte aligned) into *out,
 * owned by the caller (gog_cuda_free). bytes == 0 sets *out to NULL. Statuses: NO_DEVICE,
 * INVALID_ARGUMENT (out NULL, bad ordinal), OUT_OF_MEMORY, CUDA. On failure *out is NULL. */
GOG_API gog_status gog_cuda_malloc(int32_t device, size_t bytes, void **out);

/* Frees memory from gog_cuda_malloc on `device`; NULL is a no-op (GOG_OK, after the device
 * check). A pointer that is not device memory of `device` is GOG_ERR_INVALID_ARGUMENT. Not
 * while any call still uses the buffer. */
GOG_API gog_status gog_cuda_free(int32_t device, void *ptr);

/* Copies `bytes` from HOST memory src_host (pageable or pinned) to DEVICE memory dst_dev on
 * `device`. Returns when the copy is done (src_host may be reused). */
GOG_API gog_status gog_cuda_copy_to_device(int32_t device, void *dst_dev, const void *src_host,
                                           size_t bytes);

/* Copies `bytes` from DEVICE memory src_dev on `device` to HOST memory dst_host. Returns when
 * the copy is done. */
GOG_API gog_status gog_cuda_copy_to_host(int32_t device, void *dst_host, const void *src_dev,
                                         size_t bytes);

/*
 * As gog_cuda_preprocess (same validation, statuses, results), but the output stays on the
 * device: out_dev is DEVICE memory of `device` (gog_cuda_malloc), owned by the caller, at
 * least out_capacity bytes, laid out as gog_preprocess_run's out. image, p and items are HOST
 * memory. Returns with the work finished (out_dev may be read by the next call at once). A
 * NULL out_dev is GOG_ERR_INVALID_ARGUMENT; one that is not device memory of `device` (host,
 * pinned or another device's memory) too. gog_cuda_preprocess is this call into a buffer of
 * the library's plus a copy back.
 */
GOG_API gog_status gog_cuda_preprocess_device(int32_t device, const gog_image_view *image,
                                              const gog_preprocess_params *p,
                                              const gog_resize_item *items, int32_t n_items,
                                              void *out_dev, size_t out_capacity);


/*
 * The CLIP / SigLIP encoder of gog_encoder.h on a CUDA device: the same configuration, tensor
 * names, forward, outputs, validation and statuses as the CPU encoder (gog_encoder_create,
 * gog_encoder_encode_image, gog_encoder_encode_text), with these differences:
 *
 *   - Numerics. GOG_COMPUTE_F32: fp32 weights and activations, every GEMM in fp32 (cuBLAS,
 *     CUBLAS_COMPUTE_32F), results within about 1e-4 of the CPU reference (GOG_ISA_SCALAR) on
 *     unit-length outputs. GOG_COMPUTE_BF16: the CPU's definition (linear-layer weights and
 *     inputs rounded to bf16, fp32 accumulation, fp32 activations; attention, LayerNorm and the
 *     rest in fp32). With the environment variable GOG_CUDA_TF32=1 at creation, fp32 GEMMs may
 *     use TF32 tensor cores (faster; inputs keep 10 mantissa bits, so results no longer meet
 *     the 1e-4 above; off by default).
 *   - cuBLAS is loaded at run time (libcublas.so.13, else libcublas.so.12). Without it
 *     gog_cuda_encoder_create fails with GOG_ERR_UNSUPPORTED and a message naming the library.
 *   - Memory. All weights, the token table included, are copied to the device at creation:
 *     the caller's tensor data may be freed or unmapped as soon as create returns (unlike the
 *     CPU encoder, which reads the token table in place). Activation buffers and pinned host
 *     staging grow to the largest call seen and are reused (gog_cuda_encoder_reserve grows
 *     them once up front). cuBLAS is given a fixed 32 MiB workspace of the encoder's.
 *     cfg->threads and cfg->isa are ignored.
 *   - Each encoder has its own stream; calls on one encoder are serialised by a lock, calls on
 *     different encoders may run at once. Every call returns with its work finished. The
 *     caller's current device (cudaSetDevice) is restored before returning.
 *
 * Statuses: GOG_ERR_NO_DEVICE without a driver or device (every entry point, before any other
 * check), GOG_ERR_INVALID_ARGUMENT for a bad device ordinal or argument, GOG_ERR_MODEL for a
 * bad config or tensor (the message names it), GOG_ERR_UNSUPPORTED (compute type, no cuBLAS),
 * GOG_ERR_OUT_OF_MEMORY (device or pinned memory), GOG_ERR_LIMIT_EXCEEDED (a batch too large
 * for one call), GOG_ERR_CUDA with the CUDA or cuBLAS error for a failure on the device. After
 * a GOG_ERR_CUDA the encoder should be destroyed (a device fault leaves the context unusable).
 */
typedef struct gog_cuda_encoder gog_cuda_encoder;

/* Builds an encoder on device `device` from cfg and the tensors (see gog_encoder_create). The
 * encoder is owned by the caller (gog_cuda_encoder_destroy). On failure *out is NULL. */
GOG_API gog_status gog_cuda_encoder_create(int32_t device, const gog_encoder_config *cfg,
                                           const gog_tensor_desc *tensors, int64_t n_tensors,
                                           gog_cuda_encoder **out);

/* Frees the encoder and its device memory; NULL is a no-op. Not concurrently with other calls
 * on it. */
GOG_API void gog_cuda_encoder_destroy(gog_cuda_encoder *enc);

/* gog_encoder_encode_image on the device: host_pixels [batch, C, height, width] fp32 in,
 * host_embeds [batch, E] and, unless NULL, host_dense [batch, rows * cols, E] out (host
 * memory, any alignment). */
GOG_API gog_status gog_cuda_encoder_encode_image(gog_cuda_encoder *enc, const float *host_pixels,
                                                 int32_t batch, int32_t height, int32_t width,
                                                 float *host_embeds, float *host_dense);

/* gog_encoder_encode_text on the device: host_ids [batch, length] in, host_embeds [batch, E]
 * out. */
GOG_API gog_status gog_cuda_encoder_encode_text(gog_cuda_encoder *enc, const int32_t *host_ids,
                                                int32_t batch, int32_t length,
                                                float *host_embeds);

/*
 * Grows the encoder's device workspace and pinned staging once to the worst case of image
 * calls up to max_batch images of at most max_height x max_width pixels (dense features
 * included) and text calls up to max_text_batch sequences of at most max_text_length tokens,
 * with the same size computation the calls use. Later calls within those shapes (host or
 * device form) allocate no workspace or staging; the only allocation left is a position table
 * for a patch grid other than the trained one, made once per grid on its first use (16 grids
 * kept). Memory only grows: a smaller reservation than the current one changes nothing.
 * max_batch == 0 (or max_text_batch == 0) leaves that tower out; its other two arguments are
 * then ignored. Growing the workspace drops the encoder's CUDA graphs.
 *
 * Statuses: NO_DEVICE; INVALID_ARGUMENT (NULL encoder, a negative or too large count, a size
 * that is not a valid image size for the patch grid, a text length outside [1,
 * max_position_embeddings], a tower the encoder lacks); LIMIT_EXCEEDED (too much scratch
 * memory, as a call of that shape); OUT_OF_MEMORY; CUDA.
 */
GOG_API gog_status gog_cuda_encoder_reserve(gog_cuda_encoder *enc, int32_t max_batch,
                                            int32_t max_height, int32_t max_width,
                                            int32_t max_text_batch, int32_t max_text_length);

/*
 * gog_cuda_encoder_encode_image with everything on the device and no host transfer:
 * pixels_dev [batch, C, height, width] fp32 in, embeds_dev [batch, E] and, unless NULL,
 * dense_dev [batch, rows * cols, E] out. All three are DEVICE memory of the encoder's device
 * (gog_cuda_malloc), owned by the caller; the work that wrote pixels_dev must have completed.
 * Returns with the work finished. Results are bit-identical to the host form's (the same
 * kernels on the same data: the host form is an upload, this forward, a download). A pointer
 * that is not device memory of the encoder's device is GOG_ERR_INVALID_ARGUMENT; otherwise
 * the statuses of gog_cuda_encoder_encode_image.
 */
GOG_API gog_status gog_cuda_encoder_encode_image_device(gog_cuda_encoder *enc,
                                                        const float *pixels_dev, int32_t batch,
                                                        int32_t height, int32_t width,
                                                        float *embeds_dev, float *dense_dev);

/*
 * CUDA graphs for the image forward (default off). When enabled, an image forward whose key
 * (batch, height, width, dense or not, the pixel / embedding / dense buffer addresses, the
 * encoder's workspace and position table) has been run eagerly once is captured on the
 * encoder's stream (thread-local capture mode) at its next call, instantiated and launched;
 * later calls with the same key replay the graph (cudaGraphLaunch), which saves the launch
 * overhead of the forward's many small kernels. The host form's buffers live in the
 * workspace, so a host-form call of a repeated shape replays too. Results are bit-identical
 * to eager calls. Up to 16 graphs are kept (least recently used dropped); all are dropped
 * when the workspace grows, when graphs are disabled and at destroy.
 *
 * A graph problem never fails a call: if capture, instantiation or launch fails, graphs are
 * disabled for that key, the reason is kept for gog_cuda_encoder_graph_info and the call runs
 * eagerly. Graphs need cublasSetWorkspace_v2 (cuBLAS 12+; the encoder gives cuBLAS a fixed
 * workspace of its own so that it allocates nothing during capture); without it graphs stay
 * off and graph_info says why. Text calls always run eagerly.
 *
 * Statuses: NO_DEVICE; INVALID_ARGUMENT for a NULL encoder.
 */
GOG_API gog_status gog_cuda_encoder_set_graphs(gog_cuda_encoder *enc, int32_t enabled);

/* Graph figures of the encoder, each output optional (NULL): *graphs the instantiated graphs
 * held now, *replays the graph launches so far that replayed an existing graph (the launch
 * right after a capture not counted), last_failure the reason of the last capture,
 * instantiation or launch failure, or why graphs are unavailable ("" when none),
 * NUL-terminated and truncated to cap bytes (cap 0: not written). Statuses: NO_DEVICE;
 * INVALID_ARGUMENT for a NULL encoder. */
GOG_API gog_status gog_cuda_encoder_graph_info(gog_cuda_encoder *enc, int32_t *graphs,
                                               int32_t *replays, char *last_failure,
                                               size_t cap);


/*
 * Selective Gaze (gog_gaze.h) on a CUDA device: the same definitions, arguments, validation
 * and statuses as gog_gaze_relevance and gog_gaze_decide (without the isa argument), with
 * GOG_ERR_NO_DEVICE without a driver or device (before any other check), GOG_ERR_INVALID_ARGUMENT
 * also for a bad device ordinal, GOG_ERR_OUT_OF_MEMORY for device memory and GOG_ERR_CUDA for a
 * failure on the device (a failed decide leaves *stats zeroed). Results match the scalar CPU
 * reference (GOG_ISA_SCALAR) within about 1e-5 relative on the map (the sums are in double on
 * both, in a different order); decide uses the CPU's double arithmetic in the CPU's order for
 * the integral image and the window scores, and the same deterministic tie-breaks, so on the
 * same map it takes the same boxes (at worst a score within 1e-5 of another may rank
 * differently). Every call returns with its work finished and the caller's current device
 * restored; calls may run concurrently.
 *
 * On the device: the cosines, smoothing, softmax, the integral image, the score of every
 * window and the connected-component labelling. On the host: the map statistics, the
 * selection (sort and suppression of the scored candidates), the mapping to pixels and the
 * decision.
 */

/* gog_gaze_relevance on the device. Every pointer is HOST memory: dense [rows * cols][dim],
 * text [dim], cosines [rows * cols] (may be NULL) and map [rows * cols], owned by the caller. */
GOG_API gog_status gog_cuda_gaze_relevance(int32_t device, const float *dense, int32_t rows,
                                           int32_t cols, int32_t dim, const float *text,
                                           const gog_gaze_config *cfg, float *cosines,
                                           float *map);

/* As gog_cuda_gaze_relevance, but dense_dev is DEVICE memory on `device` (for instance the
 * dense output of an encoder that stays on the GPU), row-major [rows * cols][dim] fp32, read
 * only; the work that wrote it must have completed (the call runs on its own stream). text,
 * cosines and map are HOST memory as above. A dense_dev that is not device memory of `device`
 * (host, pinned or another device's memory) fails with GOG_ERR_INVALID_ARGUMENT. */
GOG_API gog_status gog_cuda_gaze_relevance_device(int32_t device, const float *dense_dev,
                                                  int32_t rows, int32_t cols, int32_t dim,
                                                  const float *text, const gog_gaze_config *cfg,
                                                  float *cosines, float *map);

/* gog_gaze_decide on the device. map, geom, cfg, boxes and stats are HOST memory owned by the
 * caller; up to `capacity` boxes are written. */
GOG_API gog_status gog_cuda_gaze_decide(int32_t device, const float *map,
                                        const gog_gaze_geometry *geom, const gog_gaze_config *cfg,
                                        gog_gaze_box *boxes, int32_t capacity,
                                        gog_gaze_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* GOG_CUDA_H */
