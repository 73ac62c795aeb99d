# Sourced by the benchmark scripts: the build directory ($1 or build/), the
# MPI/thread environment of a benchmark run (root allowed, one thread per
# rank), a scratch folder $work removed on exit, and one line each on the
# BLAS and CPU that ran.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$root/build}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "BLAS: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)${OPENBLAS_CORETYPE:+ (OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE)}"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(getconf _NPROCESSORS_ONLN) cores"
echo
