# Program tests of step-4.
foreach(_ranks 1 2)
  neuhom_metrics_test(step-4 step-4-small ${_ranks})
  neuhom_metrics_test(step-4 step-4-registered ${_ranks})
endforeach()
neuhom_bad_input_test(step-4 step-4-small.prm)
neuhom_fuzz_test(step-4)

# Kill and resume (float64, 1 thread, bit for bit): the training, stopped
# once its first checkpoint exists and resumed with "Resume = true" ...
neuhom_kill_and_resume_test(step-4 step-4-resume output/checkpoint.pt)
# ... and the data generation, stopped once the sample file exists and
# completed by running the same prm again (an empty subsection is appended).
foreach(_signal TERM KILL)
  add_test(NAME programs/step-4-resume.generation-kill-${_signal}
    COMMAND ${Python3_EXECUTABLE} ${NEUHOM_TEST_SCRIPTS}/kill_and_resume.py
      --program $<TARGET_FILE:step-4>
      --prm ${CMAKE_CURRENT_SOURCE_DIR}/step-4-resume.prm
      --workdir ${CMAKE_CURRENT_BINARY_DIR}/step-4-resume.generation-kill-${_signal}
      --signal ${_signal} --checkpoint output/samples.bin --delay 0.05
      --resume-lines "subsection Data/end")
endforeach()

# The shipped prm files are complete and valid (--validate: parsing and
# checks only, no data, no training).
foreach(_prm step-4 step-4-long step-4-reduced step-4-paper step-4-paper-short
    benchmark-operator-compression)
  add_test(NAME programs/step-4.validate-${_prm}
    COMMAND $<TARGET_FILE:step-4> --validate ${CMAKE_SOURCE_DIR}/prm/${_prm}.prm)
endforeach()
