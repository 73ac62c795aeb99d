#!/usr/bin/env bash
# Benchmark of the Deep Ritz LOD online phase (step-3): for an unseen
# coefficient, the corrector update by the trained networks (one batched
# forward pass per patch configuration + assembly of the coarse matrices)
# against recomputing the classical correctors (one factorization and
# saddle-point solve per patch + the same assembly), measured in one run
# (best of "Timing repetitions"), on 1 rank. Uses prm/step-3.prm (Example 1
# reduced) unless a prm file is given as the second argument.
#
#   contrib/bench/deep-ritz-online.sh [build directory] [prm file]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
prm=${2:-$root/prm/step-3.prm}
sed "s#^set Output directory.*#set Output directory = $work/out#; s#Checkpoint file .*#Checkpoint file = $work/checkpoint.pt#" \
  "$prm" > "$work/bench.prm"
printf 'subsection Benchmark\n  set Timing repetitions = 5\nend\n' >> "$work/bench.prm"
echo "machine load: $(uptime | sed 's/.*load average: //')"
"$build/bin/step-3" "$work/bench.prm" > "$work/log" 2>&1
/usr/bin/python3 - "$work/out/summary.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
print("| online update s | classical recompute s | speedup | test basis error vs LOD | training s |")
print("|---|---|---|---|---|")
print(f"| {m['online_seconds']:.4g} | {m['lod_recompute_seconds']:.4g} | "
      f"{m['online_speedup_vs_lod_recompute']:.3g} | {m['test_rel_error_vs_lod_mean']:.3g} | "
      f"{m['training_seconds']:.4g} |")
PY
