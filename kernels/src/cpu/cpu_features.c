/*
 * Run-time ISA selection: CPUID for the instruction sets, XGETBV for the register state the
 * OS saves (an AVX-512 CPU under an OS that does not save ZMM state must not use AVX-512).
 * The environment variable GOG_ISA (scalar|avx2|avx512|avx512bf16), read once, caps the
 * variant that GOG_ISA_AUTO resolves to.
 */
#include <cpuid.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../common/internal.h"

static int32_t best_isa = GOG_ISA_SCALAR;
static int32_t default_isa = GOG_ISA_SCALAR;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint64_t xgetbv0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static int32_t detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return GOG_ISA_SCALAR;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1,
              f16c = (c >> 29) & 1;
    if (!osxsave || !avx) return GOG_ISA_SCALAR;
    const uint64_t xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return GOG_ISA_SCALAR; /* XMM and YMM state */
    if (__get_cpuid_max(0, 0) < 7) return GOG_ISA_SCALAR;
    __cpuid_count(7, 0, a, b, c, d);
    const int avx2 = (b >> 5) & 1;
    if (!(avx2 && fma && f16c)) return GOG_ISA_SCALAR;
    const int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512bw = (b >> 30) & 1,
              avx512vl = (b >> 31) & 1;
    const int zmm_state = (xcr0 & 0xe6) == 0xe6; /* opmask, ZMM_Hi256, Hi16_ZMM */
    if (!(avx512f && avx512dq && avx512bw && avx512vl && zmm_state)) return GOG_ISA_AVX2;
    __cpuid_count(7, 1, a, b, c, d);
    const int avx512bf16 = (a >> 5) & 1;
    return avx512bf16 ? GOG_ISA_AVX512_BF16 : GOG_ISA_AVX512;
}

static int32_t parse_isa(const char *s) {
    if (!s) return 0;
    if (!strcmp(s, "scalar")) return GOG_ISA_SCALAR;
    if (!strcmp(s, "avx2")) return GOG_ISA_AVX2;
    if (!strcmp(s, "avx512")) return GOG_ISA_AVX512;
    if (!strcmp(s, "avx512bf16")) return GOG_ISA_AVX512_BF16;
    return 0;
}

static void init(void) {
    best_isa = detect();
    default_isa = best_isa;
    const int32_t cap = parse_isa(getenv("GOG_ISA"));
    if (cap && cap < default_isa) default_isa = cap;
}

int32_t gog_cpu_best_isa(void) {
    pthread_once(&once, init);
    return best_isa;
}

int32_t gog_cpu_default_isa(void) {
    pthread_once(&once, init);
    return default_isa;
}

int32_t gog_cpu_supports(int32_t isa) {
    return isa >= GOG_ISA_SCALAR && isa <= gog_cpu_best_isa();
}

const char *gog_isa_name(int32_t isa) {
    switch (isa) {
    case GOG_ISA_AUTO: return "auto";
    case GOG_ISA_SCALAR: return "scalar";
    case GOG_ISA_AVX2: return "avx2";
    case GOG_ISA_AVX512: return "avx512";
    case GOG_ISA_AVX512_BF16: return "avx512bf16";
    default: return "unknown";
    }
}

gog_status gog_resolve_isa(int32_t isa, int32_t *resolved) {
    if (isa == GOG_ISA_AUTO) {
        *resolved = gog_cpu_default_isa();
        return GOG_OK;
    }
    if (isa < GOG_ISA_SCALAR || isa > GOG_ISA_AVX512_BF16)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "unknown ISA variant %d", (int)isa);
    if (!gog_cpu_supports(isa))
        return gog_fail(GOG_ERR_UNSUPPORTED, "this CPU cannot run the %s variant (best: %s)",
                        gog_isa_name(isa), gog_isa_name(gog_cpu_best_isa()));
    *resolved = isa;
    return GOG_OK;
}
