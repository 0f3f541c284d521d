#!/usr/bin/env bash
# The CUDA part in one command: configure a build directory, build libgog, libgog_cuda, the
# CUDA tests and the benchmarks, run the CTest label "cuda" (verbose) and the benchmarks
# (preprocess, then the encoder).
#
#   bash scripts/cuda-check.sh [runs] [encoder-runs]
#
# On a machine with an NVIDIA GPU the tests compare the device with the scalar CPU reference
# (preprocess, the CLIP / SigLIP encoder and Selective Gaze; the device-resident forms against
# the host forms, CUDA graphs against eager calls, reserve) and the benchmarks print timings
# (bench_cuda_encoder ends with the device-resident path, graphs off and on, at batch 1 and 8).
# Without one everything still builds; cuda_emulation runs (the kernels' per-thread code on the
# host), as do cuda_encoder_host (the cuBLAS loader and the no-device statuses) and
# cuda_gaze_host (the gaze entry points' no-device statuses), cuda_preprocess, cuda_encoder and
# cuda_gaze show as skipped, and the benchmarks say they skipped. The encoder needs cuBLAS
# 12 or 13 at run time (libcublas.so.13 / .12 on the loader's path, e.g. via LD_LIBRARY_PATH);
# without it cuda_encoder is skipped with a line saying so.
#
# Environment: GOG_CUDA_BUILD_DIR (default build/cuda-check), GOG_JOBS (default: nproc),
# CMAKE_CUDA_ARCHITECTURES (default: cmake/GogCuda.cmake's list), GOG_CMAKE_ARGS (more
# configure arguments, split on spaces).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[cuda-check] %s\n' "$*" >&2; }

build=${GOG_CUDA_BUILD_DIR:-build/cuda-check}
jobs=${GOG_JOBS:-$(nproc)}
runs=${1:-50}
encoder_runs=${2:-20}

if ! command -v nvcc >/dev/null; then
  for d in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
    if [ -x "$d/nvcc" ]; then export PATH="$d:$PATH"; break; fi
  done
fi
if ! command -v nvcc >/dev/null; then
  log "nvcc not found (put the CUDA toolkit's bin/ on PATH): libgog_cuda cannot be built"
  exit 1
fi
log "nvcc: $(command -v nvcc) ($(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'))"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=index,name,driver_version,compute_cap,memory.total --format=csv \
    || log "nvidia-smi failed"
else
  log "nvidia-smi not found: no NVIDIA driver here, the device test will skip"
fi

cmake_args=(-S kernels -B "$build" -DCMAKE_BUILD_TYPE=Release -DGOG_BUILD_CUDA=ON)
if [ -n "${CMAKE_CUDA_ARCHITECTURES:-}" ]; then
  cmake_args+=("-DCMAKE_CUDA_ARCHITECTURES=$CMAKE_CUDA_ARCHITECTURES")
fi
# shellcheck disable=SC2206
cmake_args+=(${GOG_CMAKE_ARGS:-})
cmake "${cmake_args[@]}"
cmake --build "$build" -j "$jobs" --target \
  gog gog_cuda test_cuda_preprocess test_cuda_emulation test_cuda_encoder test_cuda_encoder_host \
  test_cuda_gaze test_cuda_gaze_host bench_cuda_preprocess bench_cuda_encoder

log "nm -D libgog_cuda.so (exported):"
nm -D --defined-only "$build/libgog_cuda.so" | awk '$2 == "T" { print "  " $3 }'

log "ctest -L cuda"
ctest --test-dir "$build" -L cuda -V

log "bench_cuda_preprocess $runs"
"$build/tests/cuda/bench_cuda_preprocess" "$runs"

log "bench_cuda_encoder $encoder_runs"
"$build/tests/cuda/bench_cuda_encoder" "$encoder_runs"
