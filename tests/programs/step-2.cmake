# Program tests of step-2.
foreach(_ranks 1 2)
  neuhom_metrics_test(step-2 step-2-small ${_ranks})
endforeach()
# LOD metrics on 3 ranks against the same reference (rank invariance).
neuhom_metrics_test(step-2 step-2-small 3)
neuhom_bad_input_test(step-2 step-2-small.prm)
neuhom_fuzz_test(step-2)
