/* Internal helpers shared by every libgog source file. Not installed. */
#ifndef GOG_INTERNAL_H
#define GOG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "gog/gog.h"

#define GOG_INTERNAL __attribute__((visibility("hidden")))

/* Private exports: functions libgog_cuda (which links libgog.so) needs from libgog. They are
 * in libgog's dynamic symbol table but are not part of the public ABI in gog.h. */
#define GOG_PRIVATE_API __attribute__((visibility("default")))

/* Records a printf-style message as this thread's last error and returns `status`.
 * Usage: return gog_fail(GOG_ERR_INVALID_ARGUMENT, "box %d is empty", i); */
GOG_PRIVATE_API gog_status gog_fail(gog_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears this thread's last error (called on entry to public functions is not required). */
GOG_INTERNAL void gog_clear_error(void);

/* Resolves GOG_ISA_AUTO to the default variant and checks that `isa` can run here.
 * Returns GOG_OK and stores the variant in *resolved, or fails with GOG_ERR_UNSUPPORTED /
 * GOG_ERR_INVALID_ARGUMENT. */
GOG_INTERNAL gog_status gog_resolve_isa(int32_t isa, int32_t *resolved);

/* Overflow-checked size arithmetic: returns 0 on overflow, else 1 and *out = a * b. */
static inline int gog_mul_size(size_t a, size_t b, size_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}

/* Name mangling for ISA-variant sources (see cmake/GogIsaVariants.cmake). */
#define GOG_CAT_(a, b) a##_##b
#define GOG_CAT(a, b) GOG_CAT_(a, b)
#ifdef GOG_ISA_SUFFIX
#define GOG_ISA_FN(name) GOG_CAT(name, GOG_ISA_SUFFIX)
#endif

#endif /* GOG_INTERNAL_H */
