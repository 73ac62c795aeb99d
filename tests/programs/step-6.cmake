# Program tests of step-6.
foreach(_ranks 1 2)
  neuhom_metrics_test(step-6 step-6-tiny ${_ranks})
endforeach()
neuhom_bad_input_test(step-6 step-6-tiny.prm)
neuhom_fuzz_test(step-6)

# Kill and resume: SIGTERM or SIGKILL once the checkpoint of a training stage
# exists (the first cell problem, the L-BFGS stage of the homogenized
# problem, the transfer-learning run), then "Resume = true" in every
# training subsection: the metrics must equal those of an uninterrupted run.
set(_resume "subsection Cell problem/subsection Training/set Resume = true/end/end")
foreach(_section "Homogenized problem" "Vanilla PINN")
  string(APPEND _resume "/subsection ${_section}/subsection Training/set Resume = true/end/end")
endforeach()
foreach(_stage cell-1 homogenized-lbfgs transfer)
  neuhom_kill_and_resume_test(step-6 step-6-resume output/${_stage}.pt
    RESUME "${_resume}" SUFFIX ${_stage})
endforeach()
