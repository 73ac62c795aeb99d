# Program tests of step-5.
foreach(_ranks 1 2)
  neuhom_metrics_test(step-5 step-5-tiny ${_ranks})
endforeach()
neuhom_bad_input_test(step-5 step-5-tiny.prm)
neuhom_fuzz_test(step-5)
# Stopped in the second of its four runs (after that run's first
# checkpoint): the first run is resumed complete, the second from its
# checkpoint, the others start; metrics and histories must be the same.
neuhom_kill_and_resume_test(step-5 step-5-resume
  output/checkpoint-hybrid_ms_pinn-seed2.pt
  RESUME "subsection Ms-PINN/subsection Training/set Resume = true/end/end"
  FILES "[cfh]*.csv")
