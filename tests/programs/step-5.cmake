# Program tests of step-5.
foreach(_ranks 1 2)
  neuhom_metrics_test(step-5 step-5-tiny ${_ranks})
endforeach()
neuhom_bad_input_test(step-5 step-5-tiny.prm)
neuhom_fuzz_test(step-5)
