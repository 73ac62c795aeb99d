#!/usr/bin/env bash
# Build neuhom with AddressSanitizer + UndefinedBehaviorSanitizer and run the
# unit tests (MPI tests on 1 and 2 ranks) and the small program tests.
#
#   contrib/sanitize.sh [extra ctest arguments]
#
# The build goes to build-sanitize/ (NEUHOM_SANITIZE_BUILD_DIR overrides).
# Only neuhom is instrumented: deal.II, Trilinos, OpenMPI and LibTorch are
# the Debian builds, so what they allocate and leak is theirs; the
# suppressions in contrib/sanitize/ name each of them and say why.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NEUHOM_SANITIZE_BUILD_DIR:-$root/build-sanitize}
jobs=$(getconf _NPROCESSORS_ONLN)

"$root/contrib/install-dependencies.sh"
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMP_NUM_THREADS=1

flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined"
cmake --build "$build" -j "$jobs"

# The Debian libraries are not instrumented and are loaded before libasan
# would be by default; the sanitizer runtime must come first.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_odr_violation=0:suppressions=$root/contrib/sanitize/asan.supp"
export LSAN_OPTIONS="suppressions=$root/contrib/sanitize/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$root/contrib/sanitize/ubsan.supp"
cd "$build"
start=$SECONDS
ctest -j "$jobs" --output-on-failure -LE fuzz -E 'install/' "$@"
echo "sanitized test suite: $((SECONDS - start)) s"
