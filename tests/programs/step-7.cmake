# Program tests of step-7.
foreach(_ranks 1 2)
  neuhom_metrics_test(step-7 step-7-tiny ${_ranks})
endforeach()
neuhom_metrics_test(step-7 step-7-tiny-nonlinear 1)
neuhom_kill_and_resume_test(step-7 step-7-tiny output/checkpoint.pt)
neuhom_bad_input_test(step-7 step-7-tiny.prm)
neuhom_fuzz_test(step-7)
