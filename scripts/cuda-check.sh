#!/usr/bin/env bash
# The CUDA part in one command: configure a build directory, build libgog, libgog_cuda, the
# CUDA tests and the benchmark, run the CTest label "cuda" (verbose) and the benchmark.
#
#   bash scripts/cuda-check.sh [runs]
#
# On a machine with an NVIDIA GPU the tests compare the device with the scalar CPU reference
# and the benchmark prints timings. Without one everything still builds; cuda_emulation
# runs (the kernels' per-thread code on the host), cuda_preprocess shows as skipped, and the
# benchmark says it skipped.
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
  gog gog_cuda test_cuda_preprocess test_cuda_emulation bench_cuda_preprocess

log "nm -D libgog_cuda.so (exported):"
nm -D --defined-only "$build/libgog_cuda.so" | awk '$2 == "T" { print "  " $3 }'

log "ctest -L cuda"
ctest --test-dir "$build" -L cuda -V

log "bench_cuda_preprocess $runs"
"$build/tests/cuda/bench_cuda_preprocess" "$runs"
