# Program tests of step-7.
foreach(_ranks 1 2)
  neuhom_metrics_test(step-7 step-7-tiny ${_ranks})
endforeach()
foreach(_ranks 1 2)
  neuhom_metrics_test(step-7 step-7-tiny-nonlinear ${_ranks})
endforeach()
# Resumed once more at its end: the errors again, no rates or walker
# statistics (nothing ran).
neuhom_kill_and_resume_test(step-7 step-7-tiny output/checkpoint.pt
  FINISHED_ABSENT "seconds_per_iteration,cpu_seconds_per_iteration,walkers_per_second,walker_steps_per_second,mean_girsanov_weight,exited_walker_fraction")
neuhom_bad_input_test(step-7 step-7-tiny.prm)
neuhom_fuzz_test(step-7)
