# CUDA: libgog_cuda is built when an nvcc is found (and GOG_BUILD_CUDA is ON). No GPU is
# needed to build it; its tests skip (exit 77) where no CUDA device is present.
#
# Sets GOG_HAVE_CUDA.
option(GOG_BUILD_CUDA "Build libgog_cuda when nvcc is found" ON)
set(GOG_HAVE_CUDA OFF)
if(GOG_BUILD_CUDA AND NOT GOG_SANITIZE)
  include(CheckLanguage)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    # Hopper SASS plus PTX for newer GPUs, and SASS for Ampere/Ada.
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
