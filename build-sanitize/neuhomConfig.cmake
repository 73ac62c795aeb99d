## neuhom's CMake package: find_package(neuhom) gives the target neuhom::neuhom.
## A user's program calls find_package(deal.II), deal_ii_initialize_cached_variables()
## and project() as usual, then find_package(neuhom), deal_ii_setup_target(my_program)
## and target_link_libraries(my_program neuhom::neuhom); see
## tests/install/user-program/CMakeLists.txt.

####### Expanded from @PACKAGE_INIT@ by configure_package_config_file() #######
####### Any changes to this file will be overwritten by the next CMake run ####
####### The input file was neuhomConfig.cmake.in                            ########

get_filename_component(PACKAGE_PREFIX_DIR "${CMAKE_CURRENT_LIST_DIR}/../../../" ABSOLUTE)

macro(set_and_check _var _file)
  set(${_var} "${_file}")
  if(NOT EXISTS "${_file}")
    message(FATAL_ERROR "File or directory ${_file} referenced by variable ${_var} does not exist !")
  endif()
endmacro()

macro(check_required_components _NAME)
  foreach(comp ${${_NAME}_FIND_COMPONENTS})
    if(NOT ${_NAME}_${comp}_FOUND)
      if(${_NAME}_FIND_REQUIRED_${comp})
        set(${_NAME}_FOUND FALSE)
      endif()
    endif()
  endforeach()
endmacro()

####################################################################################

include(CMakeFindDependencyMacro)
find_dependency(deal.II 9.4.0)
# The LibTorch neuhom was built with, unless the user points elsewhere.
if(NOT Torch_DIR)
  set(Torch_DIR "/usr/lib/x86_64-linux-gnu/cmake/Torch")
endif()
find_dependency(Torch)
find_dependency(nlohmann_json 3.9)

include("${CMAKE_CURRENT_LIST_DIR}/neuhomTargets.cmake")
check_required_components(neuhom)
