/* Argument validation shared by every gog_preprocess_run backend (CPU variants and CUDA). */
#ifndef GOG_PREPROCESS_VALIDATE_H
#define GOG_PREPROCESS_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/internal.h"

/* Largest out_width / out_height. */
#define GOG_PREPROCESS_MAX_SIDE 16384

/* Checks everything gog_preprocess_run is given except the output pointer and the tile
 * range:
 *   - image, p and items non-null, n_items >= 1, image->data non-null, image dims >= 1,
 *     stride >= width * 3;
 *   - p: out dims 1..16384, filter / dtype / isa in range, std > 0 and finite, mean finite
 *     (mean and std are checked for every dtype), reserved == 0;
 *   - every item: box finite with 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height,
 *     dst_w, dst_h >= 1 and the dst rectangle inside the out_width x out_height frame;
 *   - the output size does not overflow, and out_capacity >= gog_preprocess_output_bytes
 *     (else GOG_ERR_BUFFER_TOO_SMALL).
 * Returns GOG_OK or the failing status with a message naming the argument (and item). */
GOG_PRIVATE_API gog_status gog_preprocess_validate(const gog_image_view *image,
                                                   const gog_preprocess_params *p,
                                                   const gog_resize_item *items, int32_t n_items,
                                                   size_t out_capacity);

/* The parameter checks of gog_preprocess_validate alone (p non-null, fields as above,
 * n_items >= 1), and the full output size in bytes, overflow-checked, in *bytes (may be
 * NULL). Used by gog_preprocess_tile_count / gog_preprocess_output_bytes. */
GOG_INTERNAL gog_status gog_preprocess_validate_params(const gog_preprocess_params *p,
                                                       int32_t n_items, size_t *bytes);

/* Bytes per output element of a dtype (4, 2, 1), 0 for an unknown dtype. */
static inline size_t gog_preprocess_elem_size(int32_t dtype) {
    return dtype == GOG_DTYPE_F32 ? 4 : dtype == GOG_DTYPE_BF16 ? 2 : dtype == GOG_DTYPE_U8 ? 1 : 0;
}

#endif /* GOG_PREPROCESS_VALIDATE_H */
