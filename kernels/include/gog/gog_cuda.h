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

#ifdef __cplusplus
}
#endif

#endif /* GOG_CUDA_H */
