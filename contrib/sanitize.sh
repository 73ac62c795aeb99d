#!/usr/bin/env bash
# Build neuhom with AddressSanitizer + UndefinedBehaviorSanitizer and run the
# unit tests (MPI tests on 1 and 2 ranks) and the small program tests.
#
#   contrib/sanitize.sh [extra ctest arguments]
#
# The build goes to build-sanitize/ (NEUHOM_SANITIZE_BUILD_DIR overrides);
# NEUHOM_SANITIZE_JOBS sets the build and ctest parallelism (default: cores).
# Only the unit tests (for instance, what reliability.md records):
#   contrib/sanitize.sh -E 'programs/|install/' --timeout 3600
# Only neuhom is instrumented: deal.II, Trilinos, OpenMPI and LibTorch are
# the Debian builds, so what they allocate and leak is theirs; the
# suppressions in contrib/sanitize/ name each of them and say why.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NEUHOM_SANITIZE_BUILD_DIR:-$root/build-sanitize}
jobs=${NEUHOM_SANITIZE_JOBS:-$(getconf _NPROCESSORS_ONLN)}

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

# The Debian libraries are not instrumented (no frame pointers): the slow
# unwinder is needed to attribute their allocations to them, and OpenMPI must
# keep its dlopen'ed components loaded, otherwise their frames show up as
# "<unknown module>" at exit and no suppression can name them.
export OMPI_MCA_mca_base_component_disable_dlclose=1
export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:abort_on_error=1:suppressions=$root/contrib/sanitize/asan.supp"
export LSAN_OPTIONS="suppressions=$root/contrib/sanitize/lsan.supp:print_suppressions=1:fast_unwind_on_malloc=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$root/contrib/sanitize/ubsan.supp"
cd "$build"
start=$SECONDS
ctest -j "$jobs" --output-on-failure -LE fuzz -E 'install/' "$@"
echo "sanitized test suite: $((SECONDS - start)) s"
