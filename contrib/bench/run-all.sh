#!/usr/bin/env bash
# Every benchmark of doc/benchmarks.md, one after the other, on an otherwise
# idle machine. Each script's markdown output goes to
# output/benchmark/<script>.md (the tables pasted into doc/benchmarks.md);
# the figures are written into doc/figures/ directly. Prints the seconds
# each script took.
#
#   contrib/bench/run-all.sh [build directory] [scripts, default: all]
#
# e.g. contrib/bench/run-all.sh build "common-problem scaling"
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
scripts=${2:-common-problem scaling lod-3d-estimate fine-fem lod-correctors nn-pinn-step walkers-time-steps deep-ritz-online operator-compression}
out=$root/output/benchmark
mkdir -p "$out"

uptime
start=$SECONDS
for script in $scripts; do
  [ -x "$here/$script.sh" ] || { echo "no contrib/bench/$script.sh"; exit 1; }
  echo "== $script"
  t0=$SECONDS
  "$here/$script.sh" "$build" > "$out/$script.md" 2>&1 ||
    { echo "$script failed:"; tail -20 "$out/$script.md"; exit 1; }
  echo "   $((SECONDS - t0)) s -> output/benchmark/$script.md"
done
echo "all benchmarks: $((SECONDS - start)) s"
