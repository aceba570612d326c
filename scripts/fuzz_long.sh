#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Long, random-seed fuzzing, which developers run before they stop (CI fuzzes a fixed count from a
# fixed seed instead: scripts/fuzz.sh ci). Runs tlb_fold_fuzz for TLB_SECONDS (default 1800) and
# every other target for SECONDS (default 600), each from a fresh random seed, in BUILD_DIR
# (default build-fuzz), and prints each target's executions and seed.
#   scripts/fuzz_long.sh [BUILD_DIR] [SECONDS] [TLB_SECONDS]
# A finding stops with the input under BUILD_DIR/fuzz-results/<target>/artifacts/: reduce it, fix
# the side that is wrong, add the reduced case as a unit test in tests/<library>/ and the raw input
# to tests/fuzz/regressions/<target>/ (README.md there says what each input showed).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build-fuzz}
SECONDS_EACH=${2:-600}
TLB_SECONDS=${3:-1800}
PTX_FUZZ_TARGETS="casemate_reader workload_file ptx_trace proc_maps number scenario shard_merge" \
  bash scripts/fuzz.sh "$BUILD_DIR" "$SECONDS_EACH"
PTX_FUZZ_TARGETS="tlb_fold" bash scripts/fuzz.sh "$BUILD_DIR" "$TLB_SECONDS"
