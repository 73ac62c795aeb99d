#!/usr/bin/env bash
# Benchmark of the Deep Ritz LOD online phase (step-3): for an unseen
# coefficient, the corrector update by the trained networks (one batched
# forward pass per patch configuration + assembly of the coarse matrices)
# against recomputing the classical correctors (one factorization and
# saddle-point solve per patch + the same assembly), measured in one run
# (best of "Timing repetitions"), on 1 rank. Uses prm/step-3.prm (Example 1
# reduced) unless a prm file is given as the second argument. A third
# argument overrides the training iterations: the timings do not depend on
# how well the networks are trained, only on the patch and network sizes.
# With a battery prm and "Conductivity amplitude > 0" the seconds per time
# step of the time-dependent case are printed too.
#
#   contrib/bench/deep-ritz-online.sh [build directory] [prm file] [iterations]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
prm=${2:-$root/prm/step-3.prm}
sed "s#^set Output directory.*#set Output directory = $work/out#; s#Checkpoint file .*#Checkpoint file = $work/checkpoint.pt#" \
  "$prm" > "$work/bench.prm"
printf 'subsection Benchmark\n  set Timing repetitions = 5\nend\n' >> "$work/bench.prm"
if [ -n "${3:-}" ]; then
  printf 'subsection Training\n  set Iterations = %s\n  set Checkpoint interval = 0\nend\n' "$3" >> "$work/bench.prm"
fi
echo "machine load: $(uptime | sed 's/.*load average: //')"
"$build/bin/step-3" "$work/bench.prm" > "$work/log" 2>&1
/usr/bin/python3 - "$work/out/summary.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
print("| correctors: networks s | correctors: classical s | speedup | "
      "with assembly: online s | classical s | speedup | test basis error vs LOD | training s |")
print("|---|---|---|---|---|---|---|---|")
print(f"| {m['online_corrector_seconds']:.4g} | {m['lod_corrector_seconds']:.4g} | "
      f"{m['corrector_speedup_vs_lod']:.3g} | "
      f"{m['online_seconds']:.4g} | {m['lod_recompute_seconds']:.4g} | "
      f"{m['online_speedup_vs_lod_recompute']:.3g} | {m['test_rel_error_vs_lod_mean']:.3g} | "
      f"{m['training_seconds']:.4g} |")
if "time_dependent_ann_seconds_per_step" in m:
    print()
    print("| time-dependent: LOD-ANN s/step | LOD recomputed s/step | fine FEM s/step |")
    print("|---|---|---|")
    print(f"| {m['time_dependent_ann_seconds_per_step']:.4g} | "
          f"{m['time_dependent_lod_seconds_per_step']:.4g} | "
          f"{m['time_dependent_fine_seconds_per_step']:.4g} |")
PY
echo "machine load after: $(uptime | sed 's/.*load average: //')"
