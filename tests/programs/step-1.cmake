# Program tests of step-1.
foreach(_ranks 1 2)
  neuhom_metrics_test(step-1 step-1-small ${_ranks})
  neuhom_metrics_test(step-1 step-1-parabolic ${_ranks})
  neuhom_metrics_test(step-1 step-1-3d ${_ranks})
  neuhom_metrics_test(step-1 step-1-1d ${_ranks})
endforeach()
# FEM metrics on 3 ranks against the same reference (rank invariance), and
# the same run twice: bit for bit the same metrics (determinism).
neuhom_metrics_test(step-1 step-1-small 3)
neuhom_repeat_test(step-1 step-1-small 2)
neuhom_bad_input_test(step-1 step-1-small.prm)
neuhom_fuzz_test(step-1)
