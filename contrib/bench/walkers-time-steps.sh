#!/bin/bash
# The micro/macro time-step study of Han & Lee (figs. 2 and 3), reduced, and
# the cost per iteration against eps:
#   micro: Dt = 1e-3 fixed, dt/Dt = 2^0, 2^-2, ..., 2^-8, eps = 0.1, 0.05;
#   macro: dt = (eps/12)^2/kappa^2, K = Dt/dt = 1, 4, 16, 64, 256,
#          eps = 0.05, 0.01;
#   cost:  automatic dt and K = 72 for eps = 0.1, 0.05, 0.02, 0.01,
#          20 iterations each, same walkers: seconds per iteration, with
#          the coefficient read from one period (study "cost") and from the
#          table of the square ("cost-square", Walkers/Periodic table = false).
# Problem of the study: a = 2 + sin(2 pi x/eps) cos(2 pi y/eps), f = 10; the
# error is the network's relative L2 error against the homogenized solution
# (one trial per point; the paper averages 20). Writes walkers-time-steps.csv
# and the plot doc/figures/step-7-time-steps.png.
#   contrib/bench/walkers-time-steps.sh [BUILD_DIR] [ITERATIONS] [STUDIES]
# STUDIES: any of micro, macro, cost (default: all three); the rows of the
# studies not run are kept from the CSV.
source "$(dirname "$0")/common.sh"
iterations=${2:-300}
studies=${3:-micro macro cost}
csv=$root/contrib/bench/walkers-time-steps.csv
previous=$work/previous.csv
[[ -f $csv ]] && cp "$csv" "$previous" || touch "$previous"
echo "study,eps,micro_step,micro_steps,macro_step,rel_l2_error_vs_homogenized,rel_l2_error_vs_fine,seconds_per_iteration,cpu_seconds_per_iteration" > "$csv"
for study in micro macro cost; do
  [[ $studies == *$study* ]] || grep "^$study[,-]" "$previous" >> "$csv" || true
done
echo "load: $(uptime)"

run() { # study eps micro_step K iterations [periodic table: true|false]
  local dir=$work/$1-$2-$3-$4
  cat > "$work/case.prm" <<PRM
set Output directory = $dir
set Write vtu        = false
subsection Mesh
  set Fine cells per direction   = 400
  set Minimum fine cells per eps = 2
end
subsection Coefficient
  set Type    = periodic expression
  set Epsilon = $2
  subsection Periodic expression
    set Function expression = 2 + sin(2*pi*x/eps)*cos(2*pi*y/eps)
  end
end
subsection Problem
  set Right-hand side = 10
  set Boundary values = 0
end
subsection Walkers
  set Interior points   = 100
  set Walkers per point = 50
  set Boundary points   = 100
  set Periodic table    = ${6:-true}
end
subsection Time steps
  set Micro step                 = $3
  set Micro steps per macro step = $4
end
subsection Network
  set Hidden layers = 3
  set Width         = 64
  set Activation    = relu
end
subsection Training
  set Iterations    = $5
  set Learning rate = 1e-3
  set Schedule      = exponential
  set Decay rate    = 0.3
  set Decay steps   = $5
end
subsection References
  set Homogenized cells per direction = 100
  set Evaluation cells per direction  = 100
  set Validation cells per direction  = 10
end
PRM
  nice -n 5 "$build/bin/step-7" "$work/case.prm" > "$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
  /usr/bin/python3 - "$dir/summary.json" "$1" "$2" >> "$csv" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
print(f"{sys.argv[2]},{sys.argv[3]},{m['micro_step']},{int(m['micro_steps_per_macro_step'])},"
      f"{m['macro_step']},{m['rel_l2_error_vs_homogenized']},{m['rel_l2_error_vs_fine']},"
      f"{m['seconds_per_iteration']},{m['cpu_seconds_per_iteration']}")
PY
  tail -1 "$csv"
}

[[ $studies == *micro* ]] && for eps in 0.1 0.05; do
  for p in 0 2 4 6 8; do
    K=$((1 << p))
    run micro $eps $(/usr/bin/python3 -c "print(1e-3/$K)") $K $iterations
  done
done
[[ $studies == *macro* ]] && for eps in 0.05 0.01; do
  dt=$(/usr/bin/python3 -c "import math; print(($eps/12)**2*2/math.pi)")
  for K in 1 4 16 64 256; do
    run macro $eps $dt $K $iterations
  done
done
[[ $studies == *cost* ]] && for eps in 0.1 0.05 0.02 0.01; do
  run cost $eps 0 0 20
  run cost-square $eps 0 0 20 false
done
echo "load: $(uptime)"
/usr/bin/python3 "$root/contrib/bench/plot-walkers-time-steps.py" "$csv" \
  "$root/doc/figures/step-7-time-steps.png"
