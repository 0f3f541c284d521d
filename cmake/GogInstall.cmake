# Installs what the per-platform jar carries into one flat folder:
#   libgog.so, libgog_cuda.so (if built), the shared libjpeg and libpng that libgog needs
#   (named by their SONAME, found through libgog's $ORIGIN RUNPATH), and gog-native.list,
#   the files in load order, read by the Java loader.
#
# Debian ships libjpeg.a and libpng16.a without -fPIC, so they cannot be linked into a
# shared object; bundling the shared libraries is the portable alternative. zlib, which
# libpng needs, is part of every Linux base system and is not bundled.

install(TARGETS gog LIBRARY DESTINATION .)
if(TARGET gog_cuda)
  install(TARGETS gog_cuda LIBRARY DESTINATION .)
endif()

install(CODE [[
  file(GET_RUNTIME_DEPENDENCIES
    LIBRARIES "$<TARGET_FILE:gog>"
    RESOLVED_DEPENDENCIES_VAR _deps
    UNRESOLVED_DEPENDENCIES_VAR _missing)
  set(_list "")
  foreach(_dep IN LISTS _deps)
    get_filename_component(_name "${_dep}" NAME)
    if(_name MATCHES "^lib(jpeg|png)")
      file(REAL_PATH "${_dep}" _real)
      file(COPY_FILE "${_real}" "${CMAKE_INSTALL_PREFIX}/${_name}" ONLY_IF_DIFFERENT)
      string(APPEND _list "${_name}\n")
      message(STATUS "Bundled ${_name} (from ${_real})")
    endif()
  endforeach()
  string(APPEND _list "libgog.so\n")
  if(EXISTS "${CMAKE_INSTALL_PREFIX}/libgog_cuda.so")
    string(APPEND _list "libgog_cuda.so\n")
  endif()
  file(WRITE "${CMAKE_INSTALL_PREFIX}/gog-native.list" "${_list}")
]])
