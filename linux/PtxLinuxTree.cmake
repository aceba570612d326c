# SPDX-License-Identifier: GPL-2.0-only
# ptx_linux_tree(NAME PATH): the kernel engine linux-NAME from the tree at PATH (a source directory
# or a linux-source-*.tar.xz), and one engine per mutant that applies to its pgtable.c. Only
# PTX_LINUX_FILES and the top Makefile (for the version) are taken from the tree, into
# <build>/linux/trees/NAME/src, once per tree (again when PATH changes).

# _ptx_linux_fetch(PATH DEST): copies or extracts PTX_LINUX_FILES and Makefile into DEST.
function(_ptx_linux_fetch path dest)
  set(stamp ${dest}.stamp)
  file(TIMESTAMP ${path} mtime)
  set(want "${path} ${mtime}")
  if(EXISTS ${stamp})
    file(READ ${stamp} have)
    if(have STREQUAL want)
      return()
    endif()
  endif()
  file(REMOVE_RECURSE ${dest})
  file(MAKE_DIRECTORY ${dest})
  if(IS_DIRECTORY ${path})
    foreach(f IN LISTS PTX_LINUX_FILES ITEMS Makefile)
      if(NOT EXISTS ${path}/${f})
        message(FATAL_ERROR "PTX_LINUX_TREES: ${path} has no ${f}: not a kernel source tree")
      endif()
      get_filename_component(d ${dest}/${f} DIRECTORY)
      file(COPY ${path}/${f} DESTINATION ${d})
    endforeach()
  else()
    message(STATUS "ptx: extracting ${PTX_LINUX_FILES} from ${path}")
    set(patterns "*/Makefile")
    foreach(f IN LISTS PTX_LINUX_FILES)
      list(APPEND patterns "*/${f}")
    endforeach()
    execute_process(COMMAND tar -xf ${path} -C ${dest} --strip-components=1 --wildcards
                            --no-wildcards-match-slash ${patterns}
                    RESULT_VARIABLE rc ERROR_VARIABLE err)
    foreach(f IN LISTS PTX_LINUX_FILES ITEMS Makefile)
      if(NOT EXISTS ${dest}/${f})
        message(FATAL_ERROR "PTX_LINUX_TREES: ${path}: no ${f} in it (tar: ${rc} ${err})")
      endif()
    endforeach()
  endif()
  file(WRITE ${stamp} "${want}")
endfunction()

# _ptx_linux_version(MAKEFILE OUT_VAR OUT_CODE): "6.12.118" and its KERNEL_VERSION(...) arguments.
function(_ptx_linux_version makefile out out_code)
  file(STRINGS ${makefile} lines REGEX "^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION) *=")
  foreach(l IN LISTS lines)
    if(l MATCHES "^([A-Z]+) *= *(.*)$")
      set(${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
    endif()
  endforeach()
  if(NOT VERSION MATCHES "^[0-9]+$" OR NOT PATCHLEVEL MATCHES "^[0-9]+$")
    message(FATAL_ERROR "PTX_LINUX_TREES: ${makefile} has no VERSION / PATCHLEVEL")
  endif()
  if(NOT SUBLEVEL MATCHES "^[0-9]+$")
    set(SUBLEVEL 0)
  endif()
  set(${out} "${VERSION}.${PATCHLEVEL}.${SUBLEVEL}${EXTRAVERSION}" PARENT_SCOPE)
  set(${out_code} "${VERSION}, ${PATCHLEVEL}, ${SUBLEVEL}" PARENT_SCOPE)
endfunction()

# _ptx_linux_engine(NAME ID MUTANT SRC_ROOT VERSION TREE_DIR GEN_DIR TLB_C): one engine library, from
# SRC_ROOT/arch/arm64/kvm/hyp/pgtable.c and TLB_C (the shim's stand-in for vhe/tlb.c, or a
# mutant's copy of it), whose only visible symbol is its table ptx_linux_engine_<ID>.
function(_ptx_linux_engine name id mutant root version tree gen tlb_c)
  set(sources ${root}/arch/arm64/kvm/hyp/pgtable.c ${tlb_c} ${PROJECT_SOURCE_DIR}/linux/shim/shim.c
              ${PROJECT_SOURCE_DIR}/linux/driver/mm.c ${PROJECT_SOURCE_DIR}/linux/driver/paths.c
              ${PROJECT_SOURCE_DIR}/linux/driver/engine.c)
  set(objects ptx_linux_objects_${id})
  add_library(${objects} OBJECT ${sources})
  target_include_directories(${objects} PRIVATE ${PROJECT_SOURCE_DIR}/linux/shim/include ${gen}
                                                ${tree}/arch/arm64/include ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${objects} PRIVATE PTX_ENGINE_SYMBOL=ptx_linux_engine_${id}
                             PTX_TREE_NAME="${name}" PTX_TREE_VERSION="${version}" PTX_MUTANT_NAME="${mutant}")
  # The kernel is gnu11 C built without -Wextra; __FILE__ is the path below the tree (or the shim).
  target_compile_options(${objects} PRIVATE -std=gnu11 -fvisibility=hidden -fno-strict-aliasing
                         -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers
                         -Wno-type-limits -Wno-unused-function -Wno-unused-variable -Wno-unused-but-set-variable
                         -fmacro-prefix-map=${root}/= -fmacro-prefix-map=${PROJECT_SOURCE_DIR}/linux/=linux/)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/engines/ptx_linux_engine_${id}.o)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/engines
    COMMAND ${CMAKE_LINKER} -r -o ${out}.all.o $<TARGET_OBJECTS:${objects}>
    COMMAND ${CMAKE_OBJCOPY} --localize-hidden ${out}.all.o ${out}
    DEPENDS ${objects} $<TARGET_OBJECTS:${objects}>
    COMMAND_EXPAND_LISTS
    COMMENT "Linking kernel engine linux-${name}${mutant} (hidden symbols localised)")
  set_source_files_properties(${out} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(ptx_linux_${id} STATIC ${out})
  set_target_properties(ptx_linux_${id} PROPERTIES LINKER_LANGUAGE C)
  set(PTX_LINUX_ENGINE_SYMBOLS ${PTX_LINUX_ENGINE_SYMBOLS} ptx_linux_engine_${id} PARENT_SCOPE)
  set(PTX_LINUX_ENGINE_LIBS ${PTX_LINUX_ENGINE_LIBS} ptx_linux_${id} PARENT_SCOPE)
endfunction()

function(ptx_linux_tree name path)
  if(NOT EXISTS ${path})
    message(FATAL_ERROR "PTX_LINUX_TREES: ${name}=${path}: no such file or directory")
  endif()
  set(base ${CMAKE_CURRENT_BINARY_DIR}/trees/${name})
  _ptx_linux_fetch(${path} ${base}/src)
  _ptx_linux_version(${base}/src/Makefile version code)
  file(CONFIGURE OUTPUT ${base}/gen/linux/version.h CONTENT "/* SPDX-License-Identifier: GPL-2.0-only */
/* Generated from ${name}'s Makefile: include/generated/uapi/linux/version.h. */
#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))
#define LINUX_VERSION_CODE KERNEL_VERSION(${code})
")
  string(MAKE_C_IDENTIFIER ${name} id)
  set(tlb_c ${PROJECT_SOURCE_DIR}/linux/shim/tlb.c)
  _ptx_linux_engine(${name} ${id} "" ${base}/src ${version} ${base}/src ${base}/gen ${tlb_c})
  set(names "linux-${name}")
  # Mutants: mutants/NAME.VERSION.patch; the first of a NAME's patches that applies exactly (no
  # fuzz) to this tree's pgtable.c and the shim's tlb.c (as arch/arm64/kvm/hyp/vhe/tlb.c, the file
  # it stands for) is the engine linux-NAME+MUTANT.
  file(GLOB patches CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/linux/mutants/*.patch)
  set(hyp arch/arm64/kvm/hyp)
  # A change to a patch or to the shim's tlb.c reconfigures (the mutants' copies are made here).
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${patches} ${tlb_c})
  set(made "")
  foreach(patch IN LISTS patches)
    get_filename_component(mutant ${patch} NAME_WE)
    if(mutant IN_LIST made)
      continue()
    endif()
    set(mdir ${base}/mutants/${mutant})
    set(scratch ${base}/mutants/.scratch)
    file(REMOVE_RECURSE ${scratch})
    file(MAKE_DIRECTORY ${scratch}/${hyp}/vhe)
    file(COPY ${base}/src/${hyp}/pgtable.c DESTINATION ${scratch}/${hyp})
    file(COPY ${tlb_c} DESTINATION ${scratch}/${hyp}/vhe)
    execute_process(COMMAND patch --quiet --forward --fuzz=0 --no-backup-if-mismatch -p1 -r - -i ${patch}
                    WORKING_DIRECTORY ${scratch} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
    if(NOT rc EQUAL 0)
      continue()  # a patch for another version's code
    endif()
    # Copied only when it changed, so that a reconfigure does not rebuild the mutant.
    foreach(f IN ITEMS pgtable.c vhe/tlb.c)
      configure_file(${scratch}/${hyp}/${f} ${mdir}/${hyp}/${f} COPYONLY)
    endforeach()
    list(APPEND made ${mutant})
    string(MAKE_C_IDENTIFIER "${name}_${mutant}" mid)
    _ptx_linux_engine(${name} ${mid} "${mutant}" ${mdir} ${version} ${base}/src ${base}/gen ${mdir}/${hyp}/vhe/tlb.c)
    list(APPEND names "linux-${name}+${mutant}")
  endforeach()
  message(STATUS "ptx: kernel engines ${names} (Linux ${version})")
  set(PTX_LINUX_ENGINE_SYMBOLS ${PTX_LINUX_ENGINE_SYMBOLS} PARENT_SCOPE)
  set(PTX_LINUX_ENGINE_LIBS ${PTX_LINUX_ENGINE_LIBS} PARENT_SCOPE)
  set(PTX_LINUX_ENGINE_NAMES ${PTX_LINUX_ENGINE_NAMES} ${names} PARENT_SCOPE)
endfunction()
