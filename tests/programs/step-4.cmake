# Program tests of step-4.
foreach(_ranks 1 2)
  neuhom_metrics_test(step-4 step-4-small ${_ranks})
endforeach()
neuhom_bad_input_test(step-4 step-4-small.prm)
neuhom_fuzz_test(step-4)
