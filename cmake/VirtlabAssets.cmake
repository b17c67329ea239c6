# Guest programs are assembled (or compiled) at build time, never committed as binaries.

# virtlab_nasm(<target> SOURCE <file.asm> OUTPUT <relative/out> [FORMAT bin|elf32] [DEFINES D=V ...])
#   FORMAT bin   -> a flat binary (nasm -f bin)
#   FORMAT elf32 -> a static i386 Linux ELF (nasm -f elf32, then ld -m elf_i386)
# The output lands in ${CMAKE_BINARY_DIR}/assets/<relative/out>, where vl::builtAsset finds it.
function(virtlab_nasm target)
  cmake_parse_arguments(A "" "SOURCE;OUTPUT;FORMAT" "DEFINES;DEPENDS" ${ARGN})
  if(NOT A_FORMAT)
    set(A_FORMAT bin)
  endif()
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${A_SOURCE})
  set(out ${CMAKE_BINARY_DIR}/assets/${A_OUTPUT})
  get_filename_component(outdir ${out} DIRECTORY)
  get_filename_component(srcdir ${src} DIRECTORY)
  set(defs)
  foreach(d IN LISTS A_DEFINES)
    list(APPEND defs -D${d})
  endforeach()
  if(A_FORMAT STREQUAL "bin")
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${outdir}
      COMMAND ${NASM_EXECUTABLE} -f bin ${defs} -I ${srcdir}/ -o ${out} ${src}
      DEPENDS ${src} ${A_DEPENDS}
      COMMENT "NASM ${A_SOURCE} -> assets/${A_OUTPUT}" VERBATIM)
  elseif(A_FORMAT STREQUAL "elf32")
    find_program(LD_EXECUTABLE ld REQUIRED)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${outdir}
      COMMAND ${NASM_EXECUTABLE} -f elf32 ${defs} -I ${srcdir}/ -o ${out}.o ${src}
      COMMAND ${LD_EXECUTABLE} -m elf_i386 -static -o ${out} ${out}.o
      DEPENDS ${src} ${A_DEPENDS}
      COMMENT "NASM+ld ${A_SOURCE} -> assets/${A_OUTPUT}" VERBATIM)
  else()
    message(FATAL_ERROR "virtlab_nasm: unknown FORMAT ${A_FORMAT}")
  endif()
  add_custom_target(${target} ALL DEPENDS ${out})
endfunction()
