#!/usr/bin/env bash
# Online speed-up of neural operator compression (step-4): the classical
# PG-LOD local blocks of all coarse cells (one fine-scale patch problem per
# cell) against one batched forward pass of the paper's network
# (1600 -> 1600 -> 800 -> 800 -> 400 -> 400 -> 144 -> 144 -> 144, float32)
# over the same cells plus the assembly of the coarse matrix, measured in one
# run on the same coarse mesh (bin/operator-compression-bench: one untimed
# warm-up of each phase, then the best of the repetitions, slowest rank).
# Also the forward pass alone in float32 and float64.
#
# Usage: [FINE_REFINEMENT=k] contrib/bench/operator-compression.sh
#        [build directory] [ranks] [N r l ...]
# FINE_REFINEMENT: the classical patch problems on h = eps / k (default 1;
# the network's input stays the eps-grid).
# Default: 1 rank, H = 1/16 and H = 1/32 with r = 8 fine cells per coarse
# cell and l = 2 (the paper's patch of 40 x 40 coefficient values).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ranks=${2:-1}
shift $(( $# < 2 ? $# : 2 ))
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(16 8 2 32 8 2)
bench="$build/bin/operator-compression-bench"
[ -x "$bench" ] || { echo "no $bench: build the project first"; exit 1; }

echo "ranks: $ranks, threads per rank: 1 (OMP_NUM_THREADS=$OMP_NUM_THREADS), classical patch problems on h = eps/${FINE_REFINEMENT:-1}"
echo "times: best of 5 (classical: of 3) after a warm-up, slowest rank; wall and CPU seconds"
printf "%6s %3s %3s %7s %10s %10s %10s %10s %8s %8s %8s %8s %8s %s\n" \
  H r l patches classical surrogate forward assembly fwd64 fwd_GF/s gemm_GF/s speedup sp_cpu "load (1 min)"
for (( i = 0; i < ${#sizes[@]}; i += 3 )); do
  N=${sizes[i]} r=${sizes[i+1]} l=${sizes[i+2]}
  before=$(cut -d' ' -f1 /proc/loadavg)
  mpirun -np "$ranks" "$bench" "$N" "$r" "$l" 5 "${FINE_REFINEMENT:-1}" > "$work/out"
  after=$(cut -d' ' -f1 /proc/loadavg)
  get() { awk -v k="$1" '$1 == k { print $2 }' "$work/out"; }
  both() { printf "%.3g/%.3g" "$(get "$1"_seconds)" "$(get "$1"_cpu_seconds)"; }
  printf "%6s %3s %3s %7s %10s %10s %10s %10s %8s %8.3g %8.3g %8.1f %8.1f %s\n" \
    "1/$N" "$r" "$l" "$(get patches)" "$(both classical_blocks)" \
    "$(both surrogate)" "$(both forward_float32)" "$(both surrogate_assembly)" \
    "$(get forward_float64_cpu_seconds | xargs printf %.3g)" \
    "$(get forward_float32_cpu_gflops)" "$(get gemm_float32_cpu_gflops)" \
    "$(get speedup)" "$(get speedup_cpu)" "$before -> $after"
done
echo "network: the paper's, $(get network_parameters) parameters, float32 (fwd64: the same in float64, CPU s)"
echo "GF/s: GFLOP/s per CPU second of the forward pass (2 x parameters x patches) and of one"
echo "      float32 GEMM of the first layer's shape (the forward pass's ceiling)"
