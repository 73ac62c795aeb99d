#!/usr/bin/env bash
# Strong scaling on 1, 2 and 4 MPI ranks (one thread each; ranks beyond the
# machine's cores are oversubscribed and marked so) of
#  1. fine FEM (step-1): -div(a grad u) = 1, Q1 on 1024^2 cells (1.05M
#     DoFs), the benchmark checkerboard (eps = 1/128, contrast 1:100), CG +
#     AMG to 1e-8; seconds of setup + assembly + solve;
#  2. LOD correctors (step-2): the same coefficient, h = 1/512, H = 1/32,
#     l = 2 (1024 patches); wall and CPU seconds of the corrector loop;
#  3. data-parallel training (step-7, Brownian walkers): a fixed global
#     number of interior points and walkers split over the ranks, 40
#     iterations of Adam; seconds per iteration.
# Prints the markdown tables of doc/benchmarks.md.
#
#   contrib/bench/scaling.sh [build directory] [rank counts, default "1 2 4"]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
rank_counts=${2:-1 2 4}
cores=$(getconf _NPROCESSORS_ONLN)
export OMPI_MCA_rmaps_base_oversubscribe=1

checkerboard='subsection Coefficient
  set Type = random checkerboard
  set Epsilon = 0.0078125
  subsection Random checkerboard
    set Minimum value = 1
    set Maximum value = 100
  end
end'

run() { # program, prm file, output directory, ranks
  mpirun -np "$4" "$build/bin/$1" "$2" > "$3.log" 2>&1 ||
    { echo "$1 failed, see $3.log"; cat "$3.log"; exit 1; }
}
json() { # summary.json, python expression of s (the summary)
  /usr/bin/python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$1"
}
marker() { [ "$1" -gt "$cores" ] && echo " (oversubscribed: $cores cores)" || true; }

echo "load before: $(uptime | sed 's/.*load average: //')"
echo
echo "Fine FEM (step-1), 1,050,625 DoFs:"
echo
echo "| ranks | setup + assembly + solve s | speed-up | efficiency |"
echo "|---|---|---|---|"
base=""
for ranks in $rank_counts; do
  cat > "$work/fem.prm" <<PRM
set Output directory = $work/fem-$ranks
set Write vtu = false
subsection Mesh
  set Fine cells per direction = 1024
end
$checkerboard
subsection Linear solver
  set Relative tolerance = 1e-8
end
subsection Coarse FEM
  set Coarse cells per direction = 4
end
PRM
  run step-1 "$work/fem.prm" "$work/fem-$ranks" "$ranks"
  seconds=$(json "$work/fem-$ranks/summary.json" \
    "s['timings']['FEM setup'] + s['timings']['FEM assembly'] + s['timings']['FEM solve']")
  base=${base:-$seconds}
  /usr/bin/python3 -c "b,s,r=$base,$seconds,$ranks; print(f'| {r}$(marker "$ranks") | {s:.2f} | {b/s:.2f} | {b/s/r:.2f} |')"
done

echo
echo "LOD correctors (step-2), H = 1/32, h = 1/512, l = 2, 1024 patches:"
echo
echo "| ranks | corrector wall s | corrector CPU s (slowest rank) | patches/s | speed-up (wall) | efficiency (wall) |"
echo "|---|---|---|---|---|---|"
base=""
for ranks in $rank_counts; do
  cat > "$work/lod.prm" <<PRM
set Output directory = $work/lod-$ranks
set Write vtu = false
subsection Mesh
  set Fine cells per direction = 512
end
$checkerboard
subsection LOD
  set Coarse cells per direction = 32
  set Oversampling layers = 2
end
subsection Comparison
  set Problem type = elliptic
  set Coarse cells per direction = 32
  set Oversampling layers = 2
end
PRM
  run step-2 "$work/lod.prm" "$work/lod-$ranks" "$ranks"
  seconds=$(json "$work/lod-$ranks/summary.json" "s['metrics']['corrector_seconds']")
  cpu=$(json "$work/lod-$ranks/summary.json" "s['metrics']['corrector_cpu_seconds']")
  base=${base:-$seconds}
  /usr/bin/python3 -c "b,s,c,r=$base,$seconds,$cpu,$ranks; print(f'| {r}$(marker "$ranks") | {s:.2f} | {c:.2f} | {1024/s:.0f} | {b/s:.2f} | {b/s/r:.2f} |')"
done

echo
echo "Data-parallel training (step-7, walkers), 400 interior points x 64 walkers, 40 iterations:"
echo
echo "| ranks | seconds per iteration | CPU s per iteration (slowest rank) | speed-up | efficiency |"
echo "|---|---|---|---|---|"
base=""
for ranks in $rank_counts; do
  cat > "$work/walkers.prm" <<PRM
set Output directory = $work/walkers-$ranks
set Write vtu = false
subsection Mesh
  set Fine cells per direction = 100
end
subsection Coefficient
  set Type    = periodic expression
  set Epsilon = 0.05
  subsection Periodic expression
    set Function expression = 1 + 0.9*sin(2*pi*x/eps)*cos(2*pi*y/eps)
  end
end
subsection Problem
  set Right-hand side = 10
end
subsection Walkers
  set Interior points   = 400
  set Walkers per point = 64
  set Boundary points   = 100
end
subsection Training
  set Iterations          = 40
  set Validation interval = 40
  set Checkpoint interval = 0
end
PRM
  run step-7 "$work/walkers.prm" "$work/walkers-$ranks" "$ranks"
  seconds=$(json "$work/walkers-$ranks/summary.json" "s['metrics']['seconds_per_iteration']")
  cpu=$(json "$work/walkers-$ranks/summary.json" "s['metrics']['cpu_seconds_per_iteration']")
  base=${base:-$seconds}
  /usr/bin/python3 -c "b,s,c,r=$base,$seconds,$cpu,$ranks; print(f'| {r}$(marker "$ranks") | {s:.4f} | {c:.4f} | {b/s:.2f} | {b/s/r:.2f} |')"
done
echo
echo "load after: $(uptime | sed 's/.*load average: //')"
