#!/usr/bin/env bash
# Builds ptx's libFuzzer targets (fuzz/) with clang and runs each for a bounded time.
#   scripts/fuzz.sh [BUILD_DIR] [SECONDS_PER_TARGET]        (defaults: build-fuzz, 60)
# Each target <t>_fuzz runs on a copy of its seed corpus tests/fuzz/corpus/<t>/ (with
# fuzz/<t>.dict when there is one) in BUILD_DIR/fuzz-results/<t>/; the script prints how many
# inputs each one ran. It exits non-zero when a target crashed, leaked, hung (-timeout=10), ran
# out of memory (-rss_limit_mb=1024) or broke its oracle's contract; the input that did it stays
# in BUILD_DIR/fuzz-results/<t>/artifacts/ (replay: BUILD_DIR/fuzz/<t>_fuzz FILE). Once fixed,
# copy it to tests/fuzz/regressions/<t>/, which the library's fuzz_regressions_test replays.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build-fuzz}
SECONDS_PER_TARGET=${2:-60}
# target:max_len (bytes; enough for several lines of each format)
TARGETS=(casemate_reader:4096 workload_file:4096 ptx_trace:8192 proc_maps:4096 number:64 tlb_fold:1024)

bash scripts/bootstrap.sh
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (scripts/bootstrap.sh installs it)" >&2; exit 2; }
JOBS=$(nproc 2>/dev/null || echo 2)
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DPTX_FUZZ=ON -DPTX_BUILD_BENCH=OFF -DPTX_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo ${PTX_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target fuzz_targets

# Scratch files of the targets that go through files (fuzz/fuzz_util.h), on tmpfs when there is one.
PTX_FUZZ_SCRATCH=$(mktemp -d /dev/shm/ptx_fuzz.XXXXXX 2>/dev/null || mktemp -d)
export PTX_FUZZ_SCRATCH
trap 'rm -rf "$PTX_FUZZ_SCRATCH"' EXIT

# Runs target $1 with max_len $2 in $3; prints its executions; returns non-zero on a finding.
run_target() {
  local t=$1 max_len=$2 work=$3 rc=0 dict=() execs
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
  cp tests/fuzz/corpus/"$t"/* "$work/corpus/"
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  UBSAN_OPTIONS=print_stacktrace=1 "$BUILD_DIR/fuzz/${t}_fuzz" "${dict[@]}" -max_total_time="$SECONDS_PER_TARGET" \
    -timeout=10 -rss_limit_mb=1024 -max_len="$max_len" -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$work/log" | tail -1 | tr -d '#')
  printf 'fuzz: %-16s %12s executions in %s s\n' "$t" "${execs:-0}" "$SECONDS_PER_TARGET"
  if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
    echo "fuzz: $t FAILED (exit $rc); log $work/log, input(s):" >&2
    ls -1 "$work/artifacts" | sed "s|^|  $work/artifacts/|" >&2
    grep -E 'ERROR|contract broken|SUMMARY' "$work/log" | head -5 >&2 || true
    return 1
  fi
}

failed=()
for entry in "${TARGETS[@]}"; do
  t=${entry%%:*}
  run_target "$t" "${entry#*:}" "$BUILD_DIR/fuzz-results/$t" || failed+=("$t")
done
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]} (inputs under $BUILD_DIR/fuzz-results/<target>/artifacts/)" >&2
  exit 1
fi
echo "fuzz: ${#TARGETS[@]} targets, ${SECONDS_PER_TARGET} s each, no finding"
