#!/usr/bin/env bash
# Fuzz the parameter handling of every step program: N mutated copies of its
# documented defaults (entries deleted, duplicated, misspelled, wrong types,
# negatives, zero, huge numbers, NaN, empty strings, missing paths,
# unbalanced subsections), each checked with --validate, some run for real.
#
#   contrib/fuzz-prm.sh [mutants per step (default 500)] [build directory]
# CI runs 200 per step through `ctest -L fuzz`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mutants=${1:-500}
build=${2:-$root/build}
status=0
for program in "$build"/bin/step-*; do
  echo "== $(basename "$program"): $mutants mutants"
  python3 "$root/tests/scripts/fuzz_prm.py" --program "$program" \
    --mutants "$mutants" --runs 20 --seed "$RANDOM" \
    --workdir "$build/fuzz-prm/$(basename "$program")" || status=1
done
exit $status
