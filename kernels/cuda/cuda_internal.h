/*
 * Private exports of libgog_cuda: in its dynamic symbol table but not part of the public ABI
 * (gog_cuda.h). Used by the C-level benchmark to report where the time of a call goes.
 */
#ifndef GOG_CUDA_INTERNAL_H
#define GOG_CUDA_INTERNAL_H

#include <stdint.h>

#include "gog/gog.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Figures of one gog_cuda_preprocess call, measured with CUDA events on its stream. */
typedef struct gog_cuda_stats {
    float upload_ms;       /* call start -> source rows and tables on the device (includes
                              the host copies into pinned staging that overlap the DMA)    */
    float hpass_ms;        /* horizontal pass kernel                                        */
    float vpass_ms;        /* vertical pass + normalise + layout kernel                     */
    float download_ms;     /* output copy device -> pinned staging                          */
    uint64_t h2d_bytes;    /* bytes copied to the device (region + tables)                  */
    uint64_t d2h_bytes;    /* bytes copied back (the output)                                */
    uint64_t kernel_bytes; /* least bytes the two kernels read and write in device memory   */
} gog_cuda_stats;

/* Stats of the last gog_cuda_preprocess call on the calling thread. Fails with
 * GOG_ERR_NO_DEVICE without a CUDA device, and with GOG_ERR_INVALID_ARGUMENT when stats is
 * NULL or that call did not succeed (or there was none). */
__attribute__((visibility("default"))) gog_status gog_cuda_last_stats(gog_cuda_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* GOG_CUDA_INTERNAL_H */
