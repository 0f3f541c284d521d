# Compiler flags shared by every native target of the GoG engine.
#
# Nothing here targets the build machine's CPU (no native-arch or native-tune flags). The
# baseline is plain x86-64; SIMD code is built per ISA variant (see GogIsaVariants.cmake)
# and chosen at run time.

set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(CMAKE_C_VISIBILITY_PRESET hidden)
set(CMAKE_CXX_VISIBILITY_PRESET hidden)
set(CMAKE_VISIBILITY_INLINES_HIDDEN ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

add_compile_options(
  "$<$<COMPILE_LANGUAGE:C,CXX>:-Wall;-Wextra;-Wno-unused-parameter;-Wshadow=local;-fno-strict-aliasing>"
  "$<$<AND:$<COMPILE_LANGUAGE:C,CXX>,$<CONFIG:Release>>:-O3>")

option(GOG_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
if(GOG_SANITIZE)
  set(_gog_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${_gog_san}>")
  add_link_options(${_gog_san})
endif()
