/* See cublas_dl.h. */
#include "cublas_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/internal.h"

/* Appends printf-style text to buf (capacity cap, NUL-terminated), truncating silently. */
__attribute__((format(printf, 3, 4))) static void append(char *buf, size_t cap, const char *fmt, ...) {
    const size_t at = strlen(buf);
    if (at + 1 >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + at, cap - at, fmt, ap);
    va_end(ap);
}

typedef struct {
    const char *symbol;
    size_t offset; /* of the function pointer in gog_cublas_api */
    int required;
} entry;

static const entry kEntries[] = {
    {"cublasCreate_v2", offsetof(gog_cublas_api, create), 1},
    {"cublasDestroy_v2", offsetof(gog_cublas_api, destroy), 1},
    {"cublasSetStream_v2", offsetof(gog_cublas_api, set_stream), 1},
    {"cublasSetMathMode", offsetof(gog_cublas_api, set_math_mode), 1},
    {"cublasGemmEx", offsetof(gog_cublas_api, gemm_ex), 1},
    {"cublasGemmStridedBatchedEx", offsetof(gog_cublas_api, gemm_strided_batched_ex), 1},
    {"cublasGetStatusString", offsetof(gog_cublas_api, get_status_string), 0},
    {"cublasSetWorkspace_v2", offsetof(gog_cublas_api, set_workspace), 0},
};

gog_status gog_cublas_open(const char *const *names, int32_t n_names, gog_cublas_api *out) {
    if (!out) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "out is NULL");
    memset(out, 0, sizeof *out);
    if (!names || n_names < 1) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "no cuBLAS library name given");
    char why[448] = "";
    for (int32_t i = 0; i < n_names; i++) {
        const char *name = names[i];
        if (!name || !name[0]) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "cuBLAS library name %d is NULL or empty", (int)i);
        (void)dlerror(); /* clear */
        void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            const char *err = dlerror();
            append(why, sizeof why, "%s%s", why[0] ? "; " : "", err ? err : name);
            continue;
        }
        gog_cublas_api api;
        memset(&api, 0, sizeof api);
        int complete = 1;
        for (size_t e = 0; e < sizeof kEntries / sizeof kEntries[0]; e++) {
            (void)dlerror();
            void *fn = dlsym(lib, kEntries[e].symbol);
            if (!fn && kEntries[e].required) {
                append(why, sizeof why, "%s%s: no symbol %s", why[0] ? "; " : "", name,
                       kEntries[e].symbol);
                complete = 0;
                break;
            }
            /* A function pointer stored through its object representation: dlsym returns
             * the address as void * (POSIX guarantees the conversion is meaningful). */
            memcpy((char *)&api + kEntries[e].offset, &fn, sizeof fn);
        }
        if (!complete) {
            dlclose(lib);
            continue;
        }
        api.lib = lib;
        snprintf(api.name, sizeof api.name, "%s", name);
        *out = api;
        return GOG_OK;
    }
    return gog_fail(GOG_ERR_UNSUPPORTED,
                    "cuBLAS is not available (the CUDA encoder needs cuBLAS 12 or 13; install it "
                    "and make it visible to the dynamic loader, e.g. with LD_LIBRARY_PATH): %s",
                    why);
}

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static gog_cublas_api g_api;
static int g_loaded;

gog_status gog_cublas_get(const gog_cublas_api **out) {
    if (!out) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    static const char *const kNames[] = {"libcublas.so.13", "libcublas.so.12"};
    gog_status st = GOG_OK;
    pthread_mutex_lock(&g_lock);
    if (!g_loaded) {
        st = gog_cublas_open(kNames, 2, &g_api);
        g_loaded = st == GOG_OK;
    }
    pthread_mutex_unlock(&g_lock);
    if (st == GOG_OK) *out = &g_api;
    return st;
}

const char *gog_cublas_status_name(int32_t status) {
    switch (status) {
    case GOG_CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case GOG_CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case GOG_CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case GOG_CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case GOG_CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case GOG_CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case GOG_CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case GOG_CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case GOG_CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case GOG_CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: {
        static _Thread_local char unknown[40];
        snprintf(unknown, sizeof unknown, "CUBLAS_STATUS_%d", (int)status);
        return unknown;
    }
    }
}

gog_status gog_cublas_fail(const gog_cublas_api *api, int32_t status, const char *what) {
    const char *desc = api && api->get_status_string ? api->get_status_string(status) : NULL;
    const gog_status st = status == GOG_CUBLAS_STATUS_ALLOC_FAILED ? GOG_ERR_OUT_OF_MEMORY : GOG_ERR_CUDA;
    if (desc && desc[0]) {
        return gog_fail(st, "%s failed: %s (%s)", what, gog_cublas_status_name(status), desc);
    }
    return gog_fail(st, "%s failed: %s", what, gog_cublas_status_name(status));
}
