#!/usr/bin/env bash
# Benchmark of the fine-scale solver: -div(a grad u) = 1 on the unit square,
# Q1 on 1024 x 1024 cells (1.05M DoFs), random checkerboard coefficient on
# the 1/128-grid with contrast 1:100 and 1:10^4, on 1 and 2 MPI ranks.
# Prints a markdown table (setup / assembly / solve seconds, CG iterations,
# DoFs per second of the solve) for doc/benchmarks.md.
#
#   contrib/bench/fine-fem.sh [build directory]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
echo "| contrast | ranks | DoFs | setup s | assembly s | solve s | CG its | DoFs/s (solve) |"
echo "|---|---|---|---|---|---|---|---|"
for contrast in 100 10000; do
  for ranks in 1 2; do
    cat > "$work/bench.prm" <<PRM
set Output directory = $work/out-$contrast-$ranks
set Write vtu = false
subsection Mesh
  set Fine cells per direction = 1024
end
subsection Coefficient
  set Type = random checkerboard
  set Epsilon = 0.0078125
  subsection Random checkerboard
    set Minimum value = 1
    set Maximum value = $contrast
  end
end
subsection Linear solver
  set Relative tolerance = 1e-8
end
subsection Coarse FEM
  set Coarse cells per direction = 4
end
PRM
    mpirun -np "$ranks" "$build/bin/step-1" "$work/bench.prm" > "$work/log-$contrast-$ranks" 2>&1
    /usr/bin/python3 - "$work/out-$contrast-$ranks/summary.json" "$contrast" "$ranks" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
m, t = s["metrics"], s["timings"]
print(f"| 1:{sys.argv[2]} | {sys.argv[3]} | {int(m['fine_dofs'])} | {t['FEM setup']:.2f} | "
      f"{t['FEM assembly']:.2f} | {t['FEM solve']:.2f} | {int(m['fine_solve_cg_iterations'])} | "
      f"{m['fine_dofs'] / t['FEM solve']:.3g} |")
PY
  done
done
