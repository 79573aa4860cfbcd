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

# nulmeting_add_library(NAME DIR DEPS...) — a library from DIR/src/*.cpp with public headers in
# DIR/include/nulmeting/NAME. Sources are globbed so that parallel work in one folder does not
# collide on a list; CONFIGURE_DEPENDS picks new files up on the next build.
function(nulmeting_add_library name)
  cmake_parse_arguments(ARG "" "" "PUBLIC;PRIVATE" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp")
  add_library(nulmeting_${name} STATIC ${srcs})
  add_library(nulmeting::${name} ALIAS nulmeting_${name})
  target_include_directories(nulmeting_${name} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include"
                                               PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/src")
  target_link_libraries(nulmeting_${name} PUBLIC ${ARG_PUBLIC} PRIVATE nulmeting_options ${ARG_PRIVATE})
endfunction()
