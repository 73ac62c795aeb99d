#!/usr/bin/env bash
# Cost of the 3D LOD correctors and the estimate for the cluster problem
# prm/benchmark-lod-3d-cluster.prm. Measures step-2 in 3D (random
# checkerboard, contrast 1:100) on H = 1/8 with r = h/H and l chosen so
# that the patches grow from about 10^3 to 2*10^4 fine nodes, fits the
# seconds per patch against the fine nodes per patch (a power law, as
# sparse Cholesky in 3D costs about n^2 flops with nested dissection), and
# extrapolates to the interior patches of the cluster problem.
#
#   contrib/bench/lod-3d-estimate.sh [build directory] [MPI ranks, default 2]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ranks=${2:-2}
echo "load before: $(uptime | sed 's/.*load average: //'), $ranks MPI ranks"
echo
echo "| H | h | l | patches | mean fine nodes per patch | corrector wall s | CPU s per patch (slowest rank x ranks / patches) |"
echo "|---|---|---|---|---|---|---|"
: > "$work/fit.csv"
for case in "8 2 2" "8 3 2" "8 4 2" "8 8 1"; do
  read -r coarse r layers <<< "$case"
  fine=$((coarse * r))
  cat > "$work/3d.prm" <<PRM
set Dimension = 3
set Output directory = $work/out-$coarse-$r-$layers
set Write vtu = false
subsection Mesh
  set Fine cells per direction = $fine
  set Minimum fine cells per eps = 1
end
subsection Coefficient
  set Type = random checkerboard
  set Epsilon = $(/usr/bin/python3 -c "print(1/$fine)")
  subsection Random checkerboard
    set Minimum value = 1
    set Maximum value = 100
  end
end
subsection LOD
  set Coarse cells per direction = $coarse
  set Oversampling layers = $layers
end
subsection Comparison
  set Problem type = elliptic
  set Coarse cells per direction = $coarse
  set Oversampling layers = $layers
end
PRM
  mpirun -np "$ranks" "$build/bin/step-2" "$work/3d.prm" > "$work/log" 2>&1 ||
    { cat "$work/log"; exit 1; }
  /usr/bin/python3 - "$work/out-$coarse-$r-$layers/summary.json" "$coarse" "$r" "$layers" "$ranks" >> "$work/fit.csv" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]
N, r, l, ranks = map(int, sys.argv[2:6])
# Mean number of fine nodes of the patch boxes (clipped at the boundary).
per_direction = [(min(i + l, N - 1) - max(i - l, 0) + 1) * r + 1 for i in range(N)]
mean_1d = sum(per_direction) / N
nodes = mean_1d ** 3
cpu_per_patch = m["corrector_cpu_seconds"] * ranks / m["n_patches"]
print(f"{N},{r},{l},{int(m['n_patches'])},{nodes:.0f},{m['corrector_seconds']:.3f},{cpu_per_patch:.5f}")
PY
  tail -1 "$work/fit.csv" | awk -F, '{printf "| 1/%s | 1/%d | %s | %s | %s | %s | %s |\n", $1, $1*$2, $3, $4, $5, $6, $7}'
done
echo
/usr/bin/python3 - "$work/fit.csv" "$root/prm/benchmark-lod-3d-cluster.prm" <<'PY'
import math, re, sys
rows = [list(map(float, line.split(","))) for line in open(sys.argv[1])]
x = [math.log(r[4]) for r in rows]
y = [math.log(r[6]) for r in rows]
n = len(x)
mx, my = sum(x) / n, sum(y) / n
slope = sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)
c = math.exp(my - slope * mx)
prm = open(sys.argv[2]).read()
fine = int(re.search(r"Fine cells per direction\s*=\s*(\d+)", prm).group(1))
coarse = int(re.search(r"Coarse cells per direction\s*=\s*(\d+)", prm).group(1))
layers = int(re.search(r"Oversampling layers\s*=\s*(\d+)", prm).group(1))
r = fine // coarse
per_direction = [(min(i + layers, coarse - 1) - max(i - layers, 0) + 1) * r + 1 for i in range(coarse)]
nodes = (sum(per_direction) / coarse) ** 3
patches = coarse ** 3
seconds = c * nodes ** slope
print(f"Fit: CPU seconds per patch = {c:.3g} * nodes^{slope:.2f}")
print(f"Cluster problem (prm/benchmark-lod-3d-cluster.prm): H = 1/{coarse}, h = 1/{fine}, l = {layers}, "
      f"{patches} patches of {nodes:.0f} fine nodes on average")
print(f"  estimated {seconds:.3g} CPU s per patch, {patches * seconds / 3600:.3g} core-hours in all, "
      f"{patches * seconds / 3600 / 256:.3g} h on 256 cores (the patches are independent)")
PY
echo
echo "load after: $(uptime | sed 's/.*load average: //')"
