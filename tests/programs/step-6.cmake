# Program tests of step-6.
foreach(_ranks 1 2)
  neuhom_metrics_test(step-6 step-6-tiny ${_ranks})
endforeach()
neuhom_bad_input_test(step-6 step-6-tiny.prm)
neuhom_fuzz_test(step-6)
