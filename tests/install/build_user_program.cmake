file(REMOVE_RECURSE ${WORKDIR})
file(MAKE_DIRECTORY ${WORKDIR})
set(_prefix ${WORKDIR}/prefix)
foreach(_step
    "${CMAKE_COMMAND};--install;${NEUHOM_BUILD_DIR};--prefix;${_prefix}"
    "${CMAKE_COMMAND};-S;${USER_SOURCE_DIR};-B;${WORKDIR}/build;-DCMAKE_PREFIX_PATH=${_prefix};-DCMAKE_BUILD_TYPE=Release"
    "${CMAKE_COMMAND};--build;${WORKDIR}/build"
    "${WORKDIR}/build/user-program;${USER_SOURCE_DIR}/user-program.prm")
  execute_process(COMMAND ${_step} WORKING_DIRECTORY ${WORKDIR}
    RESULT_VARIABLE _result
    OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
  if(NOT _result EQUAL 0)
    message(FATAL_ERROR "${_step} failed (${_result}):\n${_out}\n${_err}")
  endif()
endforeach()
if(NOT EXISTS ${WORKDIR}/output/summary.json)
  message(FATAL_ERROR "the user program wrote no summary.json")
endif()
message("${_out}")
