# SPDX-License-Identifier: BSD-2-Clause
# The installable CMake package of ptx (included by the top-level CMakeLists.txt).
#
#   ptx_export_libraries(<folder>...)   each folder's library ptx_<name> (name: the folder's last
#                                       component, tools/draw -> draw) becomes ptx::<name>, in the
#                                       build tree (ALIAS) and installed (export set ptxTargets).
#   ptx_export_libraries(<folder>... COMPONENT <c> DEPENDENCIES <package>...)
#                                       the same in the optional component <c> (export set
#                                       ptx_<c>Targets), loaded by find_package(ptx COMPONENTS <c>),
#                                       which then also finds <package>... (e.g. gtest / GTest).
#   ptx_install_package()               once, after the last library: the umbrella ptx::ptx, the
#                                       export files, ptxConfig.cmake, ptxConfigVersion.cmake, ptx.pc.
#
# Folders are listed in dependency order (each library uses only libraries listed before it), as
# in the README's table: ptx.pc's Libs link them in the reverse order, and a library that uses a
# later one is an error here. Installed layout under the prefix P:
#   P/include/ptx/<folder>/*.h       every header of each library folder, so that users include
#                                    "pagetable/engine.h" as the sources do (P/include/ptx is on
#                                    every target's INTERFACE include dirs and in ptx.pc's Cflags)
#   P/lib/libptx_<name>.a
#   P/lib/cmake/ptx/ptxConfig.cmake, ptxConfigVersion.cmake, ptxTargets*.cmake
#   P/lib/pkgconfig/ptx.pc
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PTX_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/ptx)
set(PTX_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ptx)

# _ptx_check_link_order(<target>): every ptx_* library <target> links was exported before it.
function(_ptx_check_link_order target)
  get_property(exported GLOBAL PROPERTY PTX_EXPORTED_TARGETS)
  get_target_property(links ${target} LINK_LIBRARIES)
  get_target_property(interface_links ${target} INTERFACE_LINK_LIBRARIES)
  foreach(dep IN LISTS links interface_links)
    if(dep MATCHES "^ptx_" AND NOT dep IN_LIST exported)
      message(FATAL_ERROR "ptx_export_libraries: ${target} links ${dep}, which is not exported "
                          "before it; list the folders in dependency order (cmake/PtxPackage.cmake)")
    endif()
  endforeach()
endfunction()

# _ptx_export_library(<folder> <export set>): ALIAS, include dirs, headers and install rules.
function(_ptx_export_library folder export_set)
  get_filename_component(name ${folder} NAME)
  set(target ptx_${name})
  if(NOT TARGET ${target})
    message(FATAL_ERROR "ptx_export_libraries: no library ${target} for folder ${folder}")
  endif()
  # A plain ${PROJECT_SOURCE_DIR} in the interface would leak the source tree into the installed
  # package (CMake refuses to export it): the include dirs below replace it.
  get_target_property(includes ${target} INTERFACE_INCLUDE_DIRECTORIES)
  if(includes AND PROJECT_SOURCE_DIR IN_LIST includes)
    message(FATAL_ERROR "${target}: drop target_include_directories(${target} PUBLIC "
                        "\${PROJECT_SOURCE_DIR}); ptx_export_libraries() sets the include dirs")
  endif()
  _ptx_check_link_order(${target})
  set_property(GLOBAL APPEND PROPERTY PTX_EXPORTED_TARGETS ${target})
  if(export_set STREQUAL "ptxTargets")
    set_property(GLOBAL APPEND PROPERTY PTX_UMBRELLA_TARGETS ${target})
  endif()

  add_library(ptx::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<INSTALL_INTERFACE:${PTX_INSTALL_INCLUDEDIR}>)
  target_compile_features(${target} PUBLIC cxx_std_20)

  file(GLOB headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${folder}/*.h)
  install(FILES ${headers} DESTINATION ${PTX_INSTALL_INCLUDEDIR}/${folder})
  install(TARGETS ${target} EXPORT ${export_set}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endfunction()

function(ptx_export_libraries)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "COMPONENT" "DEPENDENCIES")
  set(export_set ptxTargets)
  if(arg_COMPONENT)
    set(export_set ptx_${arg_COMPONENT}Targets)
    set_property(GLOBAL APPEND PROPERTY PTX_COMPONENTS ${arg_COMPONENT})
    set_property(GLOBAL PROPERTY PTX_COMPONENT_${arg_COMPONENT}_DEPENDENCIES ${arg_DEPENDENCIES})
  endif()
  foreach(folder IN LISTS arg_UNPARSED_ARGUMENTS)
    _ptx_export_library(${folder} ${export_set})
  endforeach()
endfunction()

# ptx.pc, relocatable: the prefix is found from the file's own place (${pcfiledir}).
function(_ptx_install_pkg_config)
  get_property(targets GLOBAL PROPERTY PTX_UMBRELLA_TARGETS)
  list(REVERSE targets)
  list(TRANSFORM targets PREPEND "-l" OUTPUT_VARIABLE PTX_PC_LIBS)
  list(JOIN PTX_PC_LIBS " " PTX_PC_LIBS)
  file(RELATIVE_PATH PTX_PC_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  string(REGEX REPLACE "/$" "" PTX_PC_PREFIX "${PTX_PC_PREFIX}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/ptx.pc.in ${PROJECT_BINARY_DIR}/ptx.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/ptx.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()

function(ptx_install_package)
  get_property(targets GLOBAL PROPERTY PTX_UMBRELLA_TARGETS)
  # The umbrella: ptx::ptx links every library of the main export set.
  add_library(ptx_all INTERFACE)
  set_target_properties(ptx_all PROPERTIES EXPORT_NAME ptx)
  target_link_libraries(ptx_all INTERFACE ${targets})
  add_library(ptx::ptx ALIAS ptx_all)
  install(TARGETS ptx_all EXPORT ptxTargets)

  install(EXPORT ptxTargets NAMESPACE ptx:: DESTINATION ${PTX_INSTALL_CMAKEDIR})
  get_property(components GLOBAL PROPERTY PTX_COMPONENTS)
  set(PTX_COMPONENT_DEPENDENCIES "")
  foreach(component IN LISTS components)
    install(EXPORT ptx_${component}Targets NAMESPACE ptx:: DESTINATION ${PTX_INSTALL_CMAKEDIR})
    get_property(deps GLOBAL PROPERTY PTX_COMPONENT_${component}_DEPENDENCIES)
    string(APPEND PTX_COMPONENT_DEPENDENCIES "set(_ptx_${component}_dependencies ${deps})\n")
  endforeach()

  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ptxConfig.cmake.in
    ${PROJECT_BINARY_DIR}/ptxConfig.cmake
    INSTALL_DESTINATION ${PTX_INSTALL_CMAKEDIR})
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/ptxConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/ptxConfig.cmake ${PROJECT_BINARY_DIR}/ptxConfigVersion.cmake
    DESTINATION ${PTX_INSTALL_CMAKEDIR})
  _ptx_install_pkg_config()
endfunction()
