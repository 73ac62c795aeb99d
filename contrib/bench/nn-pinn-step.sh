#!/usr/bin/env bash
# Throughput of one PINN training step (4x128 tanh MLP, -div(a grad u) = f in
# 2D, float64, Adam) in neuhom (nested autograd and forward Laplacian) and in
# the usual PyTorch script, at batch 512 and 4096, same threads, same BLAS.
# Each configuration runs 5 times, interleaved; the table shows the best run
# of each (on a shared machine the fastest run is the one least disturbed).
#
# Usage: contrib/bench/nn-pinn-step.sh [build directory] [threads]
# (the build directory holds bin/nn-pinn-step-bench; default: build, 1 thread)
set -euo pipefail

build=${1:-build}
threads=${2:-1}
python=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
bench="$build/bin/nn-pinn-step-bench"
[ -x "$bench" ] || { echo "no $bench: build the project first"; exit 1; }

export OMP_NUM_THREADS=$threads
arch_dir=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
echo "CPU:     $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo "BLAS:    $(readlink -f "$arch_dir/libblas.so.3")"
echo "PyTorch: $($python -c 'import torch; print(torch.__version__)')"
echo "threads: $threads"
# The CPU's peak is not visible inside the VM; the rate of a large DGEMM at
# the same threads is the practical ceiling the GFLOP/s column compares with.
echo "DGEMM:   $($python -c "
import time, torch
torch.set_num_threads($threads)
a = torch.rand(1024, 1024, dtype=torch.float64)
torch.mm(a, a)
t = time.perf_counter()
for _ in range(10): torch.mm(a, a)
print(f'{10 * 2 * 1024**3 / (time.perf_counter() - t) / 1e9:.1f} GFLOP/s (1024^3, torch.mm)')
")"

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for batch in 512 4096; do
  steps=$(( batch == 512 ? 40 : 8 ))
  for repeat in 1 2 3 4 5; do
    "$bench" "$batch" "$steps" "$threads" >> "$results"
    "$python" "$here/nn-pinn-step.py" "$batch" "$steps" "$threads" >> "$results"
  done
done

echo
printf "%-16s %6s %14s %9s %12s\n" variant batch samples/s GFLOP/s vs-pytorch
for batch in 512 4096; do
  best() { grep "^$1 $batch " "$results" | sort -k3 -n | tail -n 1; }
  reference=$(best pytorch | cut -d' ' -f3)
  for variant in pytorch neuhom-autograd neuhom-forward; do
    best "$variant" | awk -v r="$reference" \
      '{printf "%-16s %6d %14d %9.2f %11.2fx\n", $1, $2, $3, $4, $3 / r}'
  done
done
