/*
 * Error handling and device selection shared by the CUDA sources of libgog_cuda (preprocess,
 * encoder): CUDA errors become gog statuses with gog_fail messages, and DeviceScope makes a
 * device current for a scope. Internal: inline functions in namespace gog_cu.
 */
#ifndef GOG_CUDA_COMMON_CUH
#define GOG_CUDA_COMMON_CUH

#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>

extern "C" {
#include "common/internal.h"
}

namespace gog_cu {

inline gog_status status_of(cudaError_t e) {
    switch (e) {
    case cudaErrorMemoryAllocation: return GOG_ERR_OUT_OF_MEMORY;
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver: return GOG_ERR_NO_DEVICE;
    default: return GOG_ERR_CUDA;
    }
}

/* Reports a failed CUDA call (and clears the runtime's last error so that a later check does
 * not report it again). */
inline gog_status cuda_fail(cudaError_t e, const char *what) {
    (void)cudaGetLastError();
    return gog_fail(status_of(e), "%s failed: %s (%s)", what, cudaGetErrorName(e), cudaGetErrorString(e));
}

#define GOG_CU_TRY(what, call)                                                          \
    do {                                                                                  \
        const cudaError_t e_ = (call);                                                    \
        if (e_ != cudaSuccess) return cuda_fail(e_, what);                                \
    } while (0)


/* Number of devices; 0 (the runtime's error in *err) without a driver or device. */
inline int32_t count_devices(cudaError_t *err) {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (err) *err = e;
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return 0;
    }
    return n > 0 ? (int32_t)n : 0;
}

inline gog_status no_device(cudaError_t e) {
    if (e == cudaErrorInsufficientDriver)
        return gog_fail(GOG_ERR_NO_DEVICE,
                        "no CUDA device: the NVIDIA driver is missing or older than CUDA runtime "
                        "%d.%d needs (cudaGetDeviceCount: %s)",
                        CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10, cudaGetErrorName(e));
    if (e != cudaSuccess)
        return gog_fail(GOG_ERR_NO_DEVICE, "no CUDA device (cudaGetDeviceCount: %s: %s)",
                        cudaGetErrorName(e), cudaGetErrorString(e));
    return gog_fail(GOG_ERR_NO_DEVICE, "no CUDA device");
}

inline gog_status check_device(int32_t device) {
    cudaError_t e = cudaSuccess;
    const int32_t n = count_devices(&e);
    if (n == 0) return no_device(e);
    if (device < 0 || device >= n)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "device %d is not a CUDA device ordinal (0..%d)",
                        (int)device, (int)(n - 1));
    return GOG_OK;
}

/* GOG_OK when ptr is device (or managed) memory of `device`, else GOG_ERR_INVALID_ARGUMENT
 * with a message naming `what` (host, pinned-host, unknown or another device's memory). Only
 * the address itself is checked. */
inline gog_status check_device_pointer(int32_t device, const void *ptr, const char *what) {
    if (!ptr) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "%s is NULL", what);
    cudaPointerAttributes a;
    memset(&a, 0, sizeof a);
    const cudaError_t e = cudaPointerGetAttributes(&a, ptr);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "%s (%p) is not CUDA memory (%s)", what, ptr,
                        cudaGetErrorName(e));
    }
    if (a.type != cudaMemoryTypeDevice && a.type != cudaMemoryTypeManaged)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "%s (%p) is %s memory, not device memory of CUDA device %d",
                        what, ptr, a.type == cudaMemoryTypeHost ? "pinned host" : "host", (int)device);
    if (a.device != device)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "%s (%p) is memory of CUDA device %d, not of device %d",
                        what, ptr, a.device, (int)device);
    return GOG_OK;
}

/* GOG_OK when ptr (not NULL) is not device memory: host memory, pageable or pinned, or
 * managed memory; else GOG_ERR_INVALID_ARGUMENT naming `what`. */
inline gog_status check_host_pointer(const void *ptr, const char *what) {
    if (!ptr) return gog_fail(GOG_ERR_INVALID_ARGUMENT, "%s is NULL", what);
    cudaPointerAttributes a;
    memset(&a, 0, sizeof a);
    const cudaError_t e = cudaPointerGetAttributes(&a, ptr);
    if (e != cudaSuccess) { /* not known to CUDA at all: ordinary host memory */
        (void)cudaGetLastError();
        return GOG_OK;
    }
    if (a.type == cudaMemoryTypeDevice)
        return gog_fail(GOG_ERR_INVALID_ARGUMENT, "%s (%p) is device memory of CUDA device %d, not host memory",
                        what, ptr, a.device);
    return GOG_OK;
}

/* Makes a device current for the scope and restores the caller's afterwards. */
class DeviceScope {
public:
    DeviceScope() = default;
    DeviceScope(const DeviceScope &) = delete;
    DeviceScope &operator=(const DeviceScope &) = delete;
    ~DeviceScope() {
        if (switched_) {
            (void)cudaSetDevice(previous_);
            (void)cudaGetLastError();
        }
    }
    /* Reports failures (gog_fail). */
    gog_status enter(int32_t device) {
        int current = 0;
        GOG_CU_TRY("cudaGetDevice", cudaGetDevice(&current));
        if (current != device) {
            GOG_CU_TRY("cudaSetDevice", cudaSetDevice(device));
            previous_ = current;
            switched_ = true;
        }
        return GOG_OK;
    }
    /* Records nothing: for clean-up paths that must keep the message of an earlier failure. */
    bool enter_quiet(int32_t device) {
        int current = 0;
        if (cudaGetDevice(&current) != cudaSuccess) {
            (void)cudaGetLastError();
            return false;
        }
        if (current != device) {
            if (cudaSetDevice(device) != cudaSuccess) {
                (void)cudaGetLastError();
                return false;
            }
            previous_ = current;
            switched_ = true;
        }
        return true;
    }

private:
    int previous_ = 0;
    bool switched_ = false;
};

}  // namespace gog_cu

#endif /* GOG_CUDA_COMMON_CUH */
