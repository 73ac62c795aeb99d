## `step-N --print-parameters` must print a complete parameter file that
## the program accepts: print it, then validate it by parsing it again.
file(REMOVE_RECURSE ${WORKDIR})
file(MAKE_DIRECTORY ${WORKDIR})
execute_process(COMMAND ${PROGRAM} --print-parameters
  OUTPUT_FILE ${WORKDIR}/default.prm RESULT_VARIABLE _result)
if(NOT _result EQUAL 0)
  message(FATAL_ERROR "--print-parameters failed: ${_result}")
endif()
file(READ ${WORKDIR}/default.prm _text)
if(NOT _text MATCHES "set Output directory")
  message(FATAL_ERROR "--print-parameters printed no parameter file")
endif()
execute_process(COMMAND ${PROGRAM} --validate ${WORKDIR}/default.prm
  WORKING_DIRECTORY ${WORKDIR} RESULT_VARIABLE _result
  OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(NOT _result EQUAL 0 OR NOT _out MATCHES "is valid")
  message(FATAL_ERROR "the printed defaults are not valid: ${_out} ${_err}")
endif()
message(STATUS "${_out}")
