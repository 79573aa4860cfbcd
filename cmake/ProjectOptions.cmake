# ProjectOptions.cmake — warnings and sanitizers as one interface target, nulmeting_options,
# that every nulmeting target links. Presets (CMakePresets.json) switch the options.
add_library(nulmeting_options INTERFACE)
target_compile_options(nulmeting_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  $<$<BOOL:${NULMETING_WARNINGS_AS_ERRORS}>:-Werror>)
if(NULMETING_SANITIZE)
  target_compile_options(nulmeting_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(nulmeting_options INTERFACE -fsanitize=address,undefined)
endif()

# nulmeting_add_library(NAME SOURCES src/a.cpp ... PUBLIC deps... PRIVATE deps...) — a library
# from the listed sources with public headers in DIR/include/nulmeting/NAME. Sources are listed,
# not globbed: what goes into a product library is a decision (a stray test helper in src/ once
# became product code).
function(nulmeting_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "nulmeting_add_library(${name}): list its SOURCES")
  endif()
  add_library(nulmeting_${name} STATIC ${ARG_SOURCES})
  add_library(nulmeting::${name} ALIAS nulmeting_${name})
  target_include_directories(nulmeting_${name} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include"
                                               PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/src")
  target_link_libraries(nulmeting_${name} PUBLIC ${ARG_PUBLIC} PRIVATE nulmeting_options ${ARG_PRIVATE})
endfunction()
