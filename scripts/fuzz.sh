#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds ptx's libFuzzer targets (fuzz/) with clang and runs them, in one of two modes:
#
#   scripts/fuzz.sh [BUILD_DIR] ci              (CI; the default mode)
#     Reproducible: each target replays its regression inputs (tests/fuzz/regressions/<t>/) and
#     seed corpus, then fuzzes a fixed number of inputs from a fixed seed (-seed=, -runs=, one
#     process, no corpus reload, no address-space randomization: setarch -R, which libFuzzer's
#     compare tracing needs to repeat itself), so two runs of one commit run the same inputs: the script prints
#     each target's executions and a digest of the corpus it ended with, which are equal between
#     runs. A red CI run is then a property of the commit, not of luck.
#   scripts/fuzz.sh [BUILD_DIR] SECONDS [SEED]  (developers, before they stop: scripts/fuzz_long.sh)
#     Each target for SECONDS from a random seed (or SEED), as long fuzzing finds new inputs.
#
# BUILD_DIR defaults to build-fuzz. Each target <t>_fuzz runs on a copy of its seed corpus
# tests/fuzz/corpus/<t>/ (with fuzz/<t>.dict when there is one) in BUILD_DIR/fuzz-results/<t>/.
# The script exits non-zero when a target crashed, leaked, hung (-timeout=10), ran out of memory
# (-rss_limit_mb=1024) or broke its oracle's contract; the input that did it stays in
# BUILD_DIR/fuzz-results/<t>/artifacts/ (replay: BUILD_DIR/fuzz/<t>_fuzz FILE). Once fixed, copy it
# to tests/fuzz/regressions/<t>/ (which CI and the library's fuzz_regressions_test replay) and add
# a unit test of the reduced case to tests/<library>/.
# Environment: PTX_FUZZ_TARGETS="t1 t2" runs only those targets.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build-fuzz}
MODE=${2:-ci}
SEED=${3:-}
# target:max_len (bytes; enough for several lines of each format):ci_runs (inputs CI fuzzes,
# about 15 s each on the 2-core machine in the sanitizer build)
TARGETS=(casemate_reader:4096:150000 workload_file:4096:150000 ptx_trace:8192:40000 proc_maps:4096:60000
         number:64:1500000 scenario:1024:100000 shard_merge:16384:20000
         tlb_fold:1024:600)
CI_SEED=20261206

bash scripts/bootstrap.sh
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (scripts/bootstrap.sh installs it)" >&2; exit 2; }
if [ "$MODE" != ci ] && ! [[ "$MODE" =~ ^[0-9]+$ ]]; then
  echo "fuzz.sh: mode '$MODE' is neither 'ci' nor a number of seconds" >&2
  exit 2
fi
JOBS=$(nproc 2>/dev/null || echo 2)
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DPTX_FUZZ=ON -DPTX_BUILD_BENCH=OFF -DPTX_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo ${PTX_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target fuzz_targets

# Scratch files of the targets that go through files (fuzz/fuzz_util.h), on tmpfs when there is one.
PTX_FUZZ_SCRATCH=$(mktemp -d /dev/shm/ptx_fuzz.XXXXXX 2>/dev/null || mktemp -d)
export PTX_FUZZ_SCRATCH
trap 'rm -rf "$PTX_FUZZ_SCRATCH"' EXIT

# fail TARGET WORK RC: prints where the finding is; returns 1.
fail() {
  echo "fuzz: $1 FAILED (exit $3); log $2/log, input(s):" >&2
  ls -1 "$2/artifacts" | sed "s|^|  $2/artifacts/|" >&2
  grep -E 'ERROR|contract broken|SUMMARY' "$2/log" | head -5 >&2 || true
  return 1
}

# Replays target $1's regression inputs and seed corpus (one execution each) in $2.
replay() {
  local t=$1 work=$2 rc=0 files=()
  mapfile -t files < <(find tests/fuzz/regressions/"$t" tests/fuzz/corpus/"$t" -type f ! -name README.md | sort)
  UBSAN_OPTIONS=print_stacktrace=1 "$BUILD_DIR/fuzz/${t}_fuzz" -timeout=10 -rss_limit_mb=1024 \
    -artifact_prefix="$work/artifacts/" "${files[@]}" >"$work/replay.log" 2>&1 || rc=$?
  printf 'fuzz: %-16s %12s regression and seed inputs replayed\n' "$t" "${#files[@]}"
  [ "$rc" -eq 0 ] || { cp "$work/replay.log" "$work/log"; fail "$t" "$work" "$rc"; }
}

# Runs target $1 with max_len $2 and CI count $3 in $4; prints its executions (and, in CI mode,
# the digest of its final corpus); returns non-zero on a finding.
run_target() {
  local t=$1 max_len=$2 ci_runs=$3 work=$4 rc=0 dict=() bound=() execs digest=""
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
  if [ "$MODE" = ci ]; then replay "$t" "$work" || return 1; fi
  cp tests/fuzz/corpus/"$t"/* "$work/corpus/"
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  local norandom=()
  if [ "$MODE" = ci ]; then
    bound=(-seed="$CI_SEED" -runs="$ci_runs" -reload=0)
    # Without address-space randomization: libFuzzer's compare tracing feeds the operands of the
    # target's compares (pointers among them) back into its mutations, so under ASLR two runs of
    # one seed drift apart after some thousand inputs.
    setarch "$(uname -m)" -R true 2>/dev/null && norandom=(setarch "$(uname -m)" -R)
  else
    bound=(-max_total_time="$MODE")
    [ -n "$SEED" ] && bound+=(-seed="$SEED")
  fi
  UBSAN_OPTIONS=print_stacktrace=1 "${norandom[@]}" "$BUILD_DIR/fuzz/${t}_fuzz" "${dict[@]}" "${bound[@]}" \
    -timeout=10 -rss_limit_mb=1024 -max_len="$max_len" -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$work/log" | tail -1 | tr -d '#')
  if [ "$MODE" = ci ]; then
    digest="corpus $(ls "$work/corpus" | wc -l) inputs, digest $(ls "$work/corpus" | sort | sha256sum | cut -c1-16)"
    printf 'fuzz: %-16s %12s executions from seed %s, %s\n' "$t" "${execs:-0}" "$CI_SEED" "$digest"
  else
    printf 'fuzz: %-16s %12s executions in %s s (%s)\n' "$t" "${execs:-0}" "$MODE" \
      "$(grep -o 'Seed: [0-9]*' "$work/log" | head -1)"
  fi
  if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then fail "$t" "$work" "$rc"; fi
}

failed=()
for entry in "${TARGETS[@]}"; do
  IFS=: read -r t max_len ci_runs <<<"$entry"
  if [ -n "${PTX_FUZZ_TARGETS:-}" ] && [[ " $PTX_FUZZ_TARGETS " != *" $t "* ]]; then continue; fi
  run_target "$t" "$max_len" "$ci_runs" "$BUILD_DIR/fuzz-results/$t" || failed+=("$t")
done
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]} (inputs under $BUILD_DIR/fuzz-results/<target>/artifacts/)" >&2
  exit 1
fi
if [ "$MODE" = ci ]; then
  echo "fuzz: every target's regressions replayed and a fixed count fuzzed from seed $CI_SEED, no finding"
else
  echo "fuzz: every target for ${MODE} s, no finding"
fi
