#!/usr/bin/env bash
# The common benchmark problem of doc/benchmarks.md: one multiscale elliptic
# and one parabolic problem (prm/benchmark-elliptic.prm,
# prm/benchmark-parabolic.prm: random checkerboard, eps = 1/128, contrast
# 1:100, fine mesh h = 1/512), solved by fine FEM (the reference), coarse
# FEM and classical LOD (Galerkin and Petrov-Galerkin, several H and l; for
# the time-dependent coefficient with all correctors recomputed at every
# step or only those whose patch coefficient changed), operator
# compression (prm/benchmark-operator-compression.prm, trained on contrast
# 1:100) and Deep Ritz LOD (prm/benchmark-deep-ritz.prm, trained on the
# parabolic coefficient at six times). Writes
# output/benchmark/common-problem.csv, prints the markdown table of
# doc/benchmarks.md and draws doc/figures/benchmark-error-vs-cost.png.
# Methods that do not apply to this problem, or that are not run on it yet,
# are listed with the reason.
#
#   contrib/bench/common-problem.sh [build directory] [MPI ranks, default 2]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ranks=${2:-2}
out=$root/output/benchmark
mkdir -p "$out"
echo "load before: $(uptime | sed 's/.*load average: //'), $ranks MPI ranks, 1 thread each"

run_step2() { # prm, output name, extra prm lines
  sed "s#^set Output directory.*#set Output directory = $out/$2#" "$root/prm/$1" > "$work/$2.prm"
  printf '%b' "${3:-}" >> "$work/$2.prm"
  mpirun -np "$ranks" "$build/bin/step-2" "$work/$2.prm" > "$out/$2.log" 2>&1 ||
    { echo "step-2 failed on $1, see $out/$2.log"; exit 1; }
}
run_step2 benchmark-elliptic.prm elliptic-galerkin
run_step2 benchmark-elliptic.prm elliptic-petrov-galerkin \
  'subsection LOD\n  set Method = Petrov-Galerkin\nend\n'
run_step2 benchmark-parabolic.prm parabolic
# The learned methods: data generation and training are part of the offline
# cost, so nothing of an earlier run (sample file, checkpoint) is reused.
run_learned() { # step, prm, output name
  rm -rf "$out/$3"
  sed -e "s#^set Output directory.*#set Output directory = $out/$3#" \
    -e "s#set Checkpoint file .*#set Checkpoint file = $out/$3/checkpoint.pt#" \
    "$root/prm/$2" > "$work/$3.prm"
  mpirun -np "$ranks" "$build/bin/$1" "$work/$3.prm" > "$out/$3.log" 2>&1 ||
    { echo "$1 failed on $2, see $out/$3.log"; exit 1; }
}
run_learned step-4 benchmark-operator-compression.prm elliptic-operator-compression
run_learned step-3 benchmark-deep-ritz.prm parabolic-deep-ritz
echo "load after: $(uptime | sed 's/.*load average: //')"
echo

/usr/bin/python3 "$root/contrib/bench/common-problem-table.py" "$out" \
  "$root/doc/figures/benchmark-error-vs-cost.png"
