/*
 * cuBLAS reached at run time: dlopen("libcublas.so.13"), then "libcublas.so.12", and dlsym of
 * the few entry points the encoder needs. libgog_cuda therefore builds without cuBLAS headers
 * or libraries and loads on machines without cuBLAS; only the encoder needs it, and there a
 * missing library is a GOG_ERR_UNSUPPORTED status that names it.
 *
 * The declarations below are the project's own, written against cuBLAS 12/13's cublas_api.h
 * (checked against the cuBLAS 13.0 cublas_api.h, CUBLAS_VER_MAJOR 13, and the cuBLAS Library
 * documentation, "cuBLAS Datatypes Reference"): every enum value used is spelt out with the
 * name it has there. All cuBLAS enums are C enums, passed as int in the C calling convention,
 * so the function pointer types use int32_t for them. cudaDataType (CUDA_R_32F = 0,
 * CUDA_R_16BF = 14) comes from the CUDA runtime's library_types.h, which ships with nvcc.
 *
 * Internal to libgog_cuda (not installed; the functions are not exported from it).
 */
#ifndef GOG_CUBLAS_DL_H
#define GOG_CUBLAS_DL_H

#include <driver_types.h>  /* cudaStream_t */
#include <library_types.h> /* cudaDataType: CUDA_R_32F, CUDA_R_16BF */
#include <stddef.h>
#include <stdint.h>

#include "gog/gog.h"

#ifdef __cplusplus
extern "C" {
#endif

/* cublasHandle_t: a pointer to cuBLAS's opaque struct cublasContext. */
typedef struct cublasContext *gog_cublas_handle;

/* cublasStatus_t values (cublas_api.h). */
enum {
    GOG_CUBLAS_STATUS_SUCCESS = 0,
    GOG_CUBLAS_STATUS_NOT_INITIALIZED = 1,
    GOG_CUBLAS_STATUS_ALLOC_FAILED = 3,
    GOG_CUBLAS_STATUS_INVALID_VALUE = 7,
    GOG_CUBLAS_STATUS_ARCH_MISMATCH = 8,
    GOG_CUBLAS_STATUS_MAPPING_ERROR = 11,
    GOG_CUBLAS_STATUS_EXECUTION_FAILED = 13,
    GOG_CUBLAS_STATUS_INTERNAL_ERROR = 14,
    GOG_CUBLAS_STATUS_NOT_SUPPORTED = 15,
    GOG_CUBLAS_STATUS_LICENSE_ERROR = 16
};

/* cublasOperation_t: CUBLAS_OP_N = 0, CUBLAS_OP_T = 1. */
enum { GOG_CUBLAS_OP_N = 0, GOG_CUBLAS_OP_T = 1 };

/* cublasMath_t: CUBLAS_DEFAULT_MATH = 0 (no TF32 for fp32 routines unless the compute type
 * asks for it). */
enum { GOG_CUBLAS_DEFAULT_MATH = 0 };

/* cublasComputeType_t: CUBLAS_COMPUTE_32F = 68 (fp32 accumulation, inputs not down-converted),
 * CUBLAS_COMPUTE_32F_FAST_TF32 = 77 (fp32 inputs may be rounded to TF32 on tensor cores). */
enum { GOG_CUBLAS_COMPUTE_32F = 68, GOG_CUBLAS_COMPUTE_32F_FAST_TF32 = 77 };

/* cublasGemmAlgo_t: CUBLAS_GEMM_DEFAULT = -1 (cuBLAS's heuristic). */
enum { GOG_CUBLAS_GEMM_DEFAULT = -1 };

typedef int32_t (*gog_cublasCreate_v2_fn)(gog_cublas_handle *handle);
typedef int32_t (*gog_cublasDestroy_v2_fn)(gog_cublas_handle handle);
typedef int32_t (*gog_cublasSetStream_v2_fn)(gog_cublas_handle handle, cudaStream_t stream);
typedef int32_t (*gog_cublasSetMathMode_fn)(gog_cublas_handle handle, int32_t mode);
/* C = alpha op(A) op(B) + beta C, column-major; alpha and beta point to host floats (the
 * handle's default pointer mode) when the compute type is a 32F one. */
typedef int32_t (*gog_cublasGemmEx_fn)(gog_cublas_handle handle, int32_t transa, int32_t transb,
                                       int m, int n, int k, const void *alpha, const void *A,
                                       cudaDataType Atype, int lda, const void *B,
                                       cudaDataType Btype, int ldb, const void *beta, void *C,
                                       cudaDataType Ctype, int ldc, int32_t compute_type,
                                       int32_t algo);
/* The same over batch_count matrices, matrix i of A at A + i * strideA elements, etc. */
typedef int32_t (*gog_cublasGemmStridedBatchedEx_fn)(
    gog_cublas_handle handle, int32_t transa, int32_t transb, int m, int n, int k,
    const void *alpha, const void *A, cudaDataType Atype, int lda, long long strideA,
    const void *B, cudaDataType Btype, int ldb, long long strideB, const void *beta, void *C,
    cudaDataType Ctype, int ldc, long long strideC, int batch_count, int32_t compute_type,
    int32_t algo);
typedef const char *(*gog_cublasGetStatusString_fn)(int32_t status);
/* Gives the handle a fixed device workspace (256-byte aligned) instead of its own pool, so
 * that cuBLAS allocates nothing during stream capture. cublasSetStream_v2 resets it to the
 * default pool: set it after the stream. */
typedef int32_t (*gog_cublasSetWorkspace_v2_fn)(gog_cublas_handle handle, void *workspace,
                                                size_t workspace_bytes);

/* The loaded library: every pointer is set except get_status_string and set_workspace, which
 * older cuBLAS releases lack (NULL then). */
typedef struct gog_cublas_api {
    void *lib;         /* dlopen handle                                          */
    char name[64];     /* the name it was opened under, e.g. "libcublas.so.13"    */
    gog_cublasCreate_v2_fn create;
    gog_cublasDestroy_v2_fn destroy;
    gog_cublasSetStream_v2_fn set_stream;
    gog_cublasSetMathMode_fn set_math_mode;
    gog_cublasGemmEx_fn gemm_ex;
    gog_cublasGemmStridedBatchedEx_fn gemm_strided_batched_ex;
    gog_cublasGetStatusString_fn get_status_string;
    gog_cublasSetWorkspace_v2_fn set_workspace;
} gog_cublas_api;

/* Opens the first of `names` (dlopen names or paths, tried in order) that loads and exports
 * every required entry point, and fills *out (zeroed on failure; a library that lacked an
 * entry point is closed again). Fails with GOG_ERR_UNSUPPORTED and a message naming each
 * library tried and why it was refused (the dlopen or dlsym error), or GOG_ERR_INVALID_ARGUMENT
 * for NULL or empty arguments. The caller owns out->lib (dlclose) but must not close a
 * library while cuBLAS handles from it exist. */
gog_status gog_cublas_open(const char *const *names, int32_t n_names, gog_cublas_api *out);

/* The process-wide cuBLAS: "libcublas.so.13", else "libcublas.so.12", opened on first use
 * (thread-safe) and never closed. A failure is not remembered: the next call tries again.
 * Returns GOG_OK and *out, or the status of gog_cublas_open. */
gog_status gog_cublas_get(const gog_cublas_api **out);

/* Name of a cublasStatus_t value ("CUBLAS_STATUS_NOT_SUPPORTED"; "CUBLAS_STATUS_<n>" for an
 * unknown value, in static storage reused by the next unknown value on the thread). */
const char *gog_cublas_status_name(int32_t status);

/* Records "<what> failed: <status name> (<cuBLAS's description when it has one>)" and returns
 * GOG_ERR_OUT_OF_MEMORY for CUBLAS_STATUS_ALLOC_FAILED, GOG_ERR_CUDA otherwise. api may be
 * NULL. */
gog_status gog_cublas_fail(const gog_cublas_api *api, int32_t status, const char *what);

#ifdef __cplusplus
}
#endif

#endif /* GOG_CUBLAS_DL_H */
