#!/usr/bin/env bash
# Install what is missing, configure, build and run the whole ctest suite
# (unit tests, program tests, mpirun tests). Extra arguments go to ctest,
# e.g.  contrib/test.sh -R coefficients
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NEUHOM_BUILD_DIR:-$root/build}
jobs=$(getconf _NPROCESSORS_ONLN)

"$root/contrib/install-dependencies.sh"

# ccache hits across clones of the repository (CI builds a fresh clone).
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1

# OpenMPI refuses to run as root without these; tests with more ranks than
# cores need oversubscription. One thread per rank keeps the tests' runs
# reproducible and the 2-core machines responsive.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_NUM_THREADS=1

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$jobs"
cd "$build"
ctest -j "$jobs" --output-on-failure "$@"
