# Program tests of step-3.
foreach(_ranks 1 2)
  neuhom_metrics_test(step-3 step-3-small ${_ranks})
endforeach()
neuhom_metrics_test(step-3 step-3-battery-small 1)
neuhom_bad_input_test(step-3 step-3-small.prm)
neuhom_fuzz_test(step-3)
neuhom_kill_and_resume_test(step-3 step-3-resume output/checkpoint.pt)
