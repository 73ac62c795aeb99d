#!/usr/bin/env bash
# From a fresh Debian 12 machine to a first result: install what is missing,
# build neuhom, run step-1 with prm/step-1.prm on 2 MPI ranks.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NEUHOM_BUILD_DIR:-$root/build}

"$root/contrib/install-dependencies.sh"

# ccache hits across clones of the repository (CI builds a fresh clone).
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_NUM_THREADS=1

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$(getconf _NPROCESSORS_ONLN)"

cd "$root"
mpirun -np 2 "$build/bin/step-1" prm/step-1.prm
/usr/bin/python3 contrib/plot-step-1.py output/step-1
echo
echo "quickstart: results are in $root/output/step-1"
echo "  summary.json     metrics, parameters and timings"
echo "  coarse-fem.csv   the table above"
echo "  step-1.png       the figure (error vs H)"
echo "  *.pvtu           fields for ParaView"
