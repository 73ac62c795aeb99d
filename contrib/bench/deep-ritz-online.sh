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
# Runs twice: inference in the networks' precision (float64) and in float32
# ("Neural correctors/Inference precision"), with the same training.
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
for precision in network float32; do
  cp "$work/bench.prm" "$work/run.prm"
  printf 'subsection Neural correctors\n  set Inference precision = %s\nend\n' "$precision" >> "$work/run.prm"
  "$build/bin/step-3" "$work/run.prm" > "$work/log-$precision" 2>&1
  cp "$work/out/summary.json" "$work/summary-$precision.json"
done
/usr/bin/python3 - "$work/summary-network.json" "$work/summary-float32.json" <<'PY'
import json, sys
print("| inference | correctors: networks s | correctors: classical s | speedup | "
      "with assembly: online s | classical s | speedup | test basis error vs LOD | training s |")
print("|---|---|---|---|---|---|---|---|---|")
for name, path in zip(["network precision", "float32"], sys.argv[1:]):
    m = json.load(open(path))["metrics"]
    print(f"| {name} | {m['online_corrector_seconds']:.4g} | {m['lod_corrector_seconds']:.4g} | "
          f"{m['corrector_speedup_vs_lod']:.3g} | "
          f"{m['online_seconds']:.4g} | {m['lod_recompute_seconds']:.4g} | "
          f"{m['online_speedup_vs_lod_recompute']:.3g} | {m['test_rel_error_vs_lod_mean']:.3g} | "
          f"{m['training_seconds']:.4g} |")
for name, path in zip(["network precision", "float32"], sys.argv[1:]):
    m = json.load(open(path))["metrics"]
    if "time_dependent_ann_seconds_per_step" in m:
        print()
        print(f"time-dependent, {name} inference:")
        print("| LOD-ANN s/step | LOD recomputed s/step | fine FEM s/step | LOD-ANN error vs LOD at T |")
        print("|---|---|---|---|")
        print(f"| {m['time_dependent_ann_seconds_per_step']:.4g} | "
              f"{m['time_dependent_lod_seconds_per_step']:.4g} | "
              f"{m['time_dependent_fine_seconds_per_step']:.4g} | "
              f"{m['time_dependent_solution_rel_error_vs_lod']:.4g} |")
PY
echo "machine load after: $(uptime | sed 's/.*load average: //')"
