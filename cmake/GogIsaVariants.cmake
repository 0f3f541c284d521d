# ISA variants: one source file compiled several times with different target flags and a
# suffix macro, all linked into the same library. The dispatcher (src/cpu/cpu_features.c)
# picks a variant at run time from CPUID/XGETBV.
#
#   gog_add_isa_variants(<target> <source> [<source> ...])
#
# compiles each source once per variant below with -DGOG_ISA_VARIANT=<n> and
# -DGOG_ISA_SUFFIX=<suffix>, so a kernel written as GOG_ISA_FN(resample_h) becomes
# resample_h_avx2, resample_h_avx512 and resample_h_avx512bf16.

set(GOG_ISA_VARIANTS avx2 avx512 avx512bf16)
set(GOG_ISA_FLAGS_avx2       -mavx2 -mfma -mf16c)
set(GOG_ISA_FLAGS_avx512     -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512dq -mavx512vl)
set(GOG_ISA_FLAGS_avx512bf16 -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512bf16)
set(GOG_ISA_ID_avx2 2)
set(GOG_ISA_ID_avx512 3)
set(GOG_ISA_ID_avx512bf16 4)

function(gog_add_isa_variants target)
  foreach(src IN LISTS ARGN)
    get_filename_component(_abs "${src}" ABSOLUTE)
    foreach(v IN LISTS GOG_ISA_VARIANTS)
      string(MAKE_C_IDENTIFIER "${target}_isa_${v}" _objlib)
      if(NOT TARGET ${_objlib})
        add_library(${_objlib} OBJECT)
        target_include_directories(${_objlib} PRIVATE
          $<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>)
        target_compile_options(${_objlib} PRIVATE ${GOG_ISA_FLAGS_${v}})
        target_compile_definitions(${_objlib} PRIVATE
          GOG_ISA_VARIANT=${GOG_ISA_ID_${v}} GOG_ISA_SUFFIX=${v})
        target_sources(${target} PRIVATE $<TARGET_OBJECTS:${_objlib}>)
      endif()
      target_sources(${_objlib} PRIVATE "${_abs}")
    endforeach()
  endforeach()
endfunction()
