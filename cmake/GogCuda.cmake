# CUDA: libgog_cuda is built when an nvcc is found (and GOG_BUILD_CUDA is ON). No GPU is
# needed to build it; its tests skip (exit 77) where no CUDA device is present.
#
# Architectures: SASS for Ampere (sm_80) and Ada (sm_89), SASS + PTX for Hopper (sm_90), so
# newer GPUs JIT the Hopper PTX. Override with -DCMAKE_CUDA_ARCHITECTURES=... (CUDA 13 builds
# for sm_75 and newer only).
#
# With GOG_SANITIZE the host code is instrumented as usual (the .cu host code is not); the CUDA
# tests set protect_shadow_gap=0, which ASan needs to coexist with a real device.
#
# Sets GOG_HAVE_CUDA.
option(GOG_BUILD_CUDA "Build libgog_cuda when nvcc is found" ON)
set(GOG_HAVE_CUDA OFF)
if(GOG_BUILD_CUDA)
  include(CheckLanguage)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES "80-real;89-real;90")
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(GOG_HAVE_CUDA ON)
    message(STATUS "GoG: building libgog_cuda with ${CMAKE_CUDA_COMPILER} for ${CMAKE_CUDA_ARCHITECTURES}")
  else()
    message(STATUS "GoG: nvcc not found, libgog_cuda is not built")
  endif()
endif()
