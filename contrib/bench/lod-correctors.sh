#!/usr/bin/env bash
# Benchmark of classical LOD (step-2), 2D, random checkerboard coefficient on
# the 1/64-grid with values uniform in [1, 100]:
#  1. corrector computation for H = 1/32, h = 1/512 (r = 16), l = 2: 1024
#     patches of up to 5 x 5 coarse cells (6241 free fine nodes, 36 I_H
#     constraints), each one Cholesky factorization (symbolic analysis
#     shared per patch shape) + one blocked forward substitution for the
#     constraints + one blocked solve for the 4 correctors + the local PG
#     block; patches per second on 1 and 2 MPI ranks (CPU time is the number
#     to trust on a shared machine; the load average is printed);
#  2. parabolic problem, backward Euler, 100 steps of 0.001 on the same
#     meshes, Galerkin and Petrov-Galerkin LOD: LOD online seconds per step
#     against fine FEM seconds per step, and the LOD relative L2 error at T
#     against the fine FEM solution;
#  3. the coarse solvers for the Galerkin parabolic problem: replicated
#     Cholesky (from 2.) against the distributed Trilinos matrix with
#     Amesos KLU or CG + AMG.
# Prints markdown tables for doc/benchmarks.md.
#
#   contrib/bench/lod-correctors.sh [build directory]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

write_prm() { # output directory, problem type, LOD method, coarse solver
  cat <<PRM
set Output directory = $1
set Write vtu = false
subsection Mesh
  set Fine cells per direction = 512
end
subsection Coefficient
  set Type = random checkerboard
  set Epsilon = 0.015625
  subsection Random checkerboard
    set Minimum value = 1
    set Maximum value = 100
  end
end
subsection Time stepping
  set Scheme     = backward Euler
  set Final time = 0.1
  set Time step  = 0.001
end
subsection LOD
  set Coarse cells per direction = 32
  set Oversampling layers        = 2
  set Method                     = ${3:-Galerkin}
  set Coarse solver              = ${4:-replicated direct}
end
subsection Comparison
  set Problem type               = $2
  set Coarse cells per direction = 32
  set Oversampling layers        = 2
end
PRM
}

echo "Load before the corrector runs: $(uptime | sed 's/.*load average/load average/')"
echo
echo "| ranks | patches | corrector wall s | patches/s (wall) | patches/s per rank (wall) | parallel efficiency (wall) | corrector CPU s (slowest rank) | patches/s per core (CPU) | LOD rel. energy error |"
echo "|---|---|---|---|---|---|---|---|---|"
for ranks in 1 2; do
  write_prm "$work/elliptic-$ranks" elliptic > "$work/elliptic.prm"
  mpirun -np "$ranks" "$build/bin/step-2" "$work/elliptic.prm" > "$work/log-elliptic-$ranks" 2>&1
  /usr/bin/python3 - "$work" "$ranks" <<'PY'
import json, sys
work, ranks = sys.argv[1], int(sys.argv[2])
m = json.load(open(f"{work}/elliptic-{ranks}/summary.json"))["metrics"]
rate = m["n_patches"] / m["corrector_seconds"]
if ranks == 1:
    open(f"{work}/rate-1", "w").write(str(rate))
base = float(open(f"{work}/rate-1").read())
cpu_rate = m["n_patches"] / ranks / m["corrector_cpu_seconds"]
print(f"| {ranks} | {int(m['n_patches'])} | {m['corrector_seconds']:.2f} | {rate:.0f} | "
      f"{rate / ranks:.0f} | {rate / ranks / base:.2f} | {m['corrector_cpu_seconds']:.2f} | "
      f"{cpu_rate:.0f} | {m['lod_rel_energy_error_vs_fine']:.3e} |")
PY
done

echo
echo "| LOD method | ranks | fine FEM s/step | LOD online s/step | speed-up (wall) | fine FEM CPU s/step | LOD online CPU s/step | speed-up (CPU) | LOD rel. L2 error at T |"
echo "|---|---|---|---|---|---|---|---|---|"
for method in Galerkin Petrov-Galerkin; do
  for ranks in 1 2; do
    write_prm "$work/parabolic-$method-$ranks" parabolic $method > "$work/parabolic.prm"
    mpirun -np "$ranks" "$build/bin/step-2" "$work/parabolic.prm" > "$work/log-parabolic-$method-$ranks" 2>&1
    /usr/bin/python3 - "$work/parabolic-$method-$ranks/summary.json" "$method" "$ranks" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
print(f"| {sys.argv[2]} | {sys.argv[3]} | {m['fine_seconds_per_step']:.4f} | {m['lod_seconds_per_step']:.2e} | "
      f"{m['fine_seconds_per_step'] / m['lod_seconds_per_step']:.0f}x | {m['fine_cpu_seconds_per_step']:.4f} | "
      f"{m['lod_cpu_seconds_per_step']:.2e} | {m['fine_cpu_seconds_per_step'] / m['lod_cpu_seconds_per_step']:.0f}x | "
      f"{m['lod_rel_l2_error_vs_fine_at_T']:.2e} |")
PY
  done
done

echo
echo "| coarse solver | ranks | LOD online s/step | LOD online CPU s/step | LOD rel. L2 error at T |"
echo "|---|---|---|---|---|"
for solver in "replicated direct" "distributed direct" "distributed iterative"; do
  for ranks in 1 2; do
    out="$work/solver-${solver// /-}-$ranks"
    if [ "$solver" = "replicated direct" ]; then
      out="$work/parabolic-Galerkin-$ranks"
    else
      write_prm "$out" parabolic Galerkin "$solver" > "$work/solver.prm"
      mpirun -np "$ranks" "$build/bin/step-2" "$work/solver.prm" > "$out.log" 2>&1
    fi
    /usr/bin/python3 - "$out/summary.json" "$solver" "$ranks" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
print(f"| {sys.argv[2]} | {sys.argv[3]} | {m['lod_seconds_per_step']:.2e} | "
      f"{m['lod_cpu_seconds_per_step']:.2e} | {m['lod_rel_l2_error_vs_fine_at_T']:.2e} |")
PY
  done
done
echo
echo "Load at the end: $(uptime | sed 's/.*load average/load average/')"
