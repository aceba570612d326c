#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs every Google Benchmark program of a build (BUILD_DIR/bench/bench_*) and writes one JSON
# file: each program's raw results and the goals of issue 12 computed from them (bench/goals.py),
# {name, measured, target, holds}; the goals table and each program's same-run ratio table are
# printed to stdout, progress to stderr.
#
#   bash bench/run.sh BUILD_DIR OUT.json
#
# Build the programs first: cmake --build BUILD_DIR -j2 --target bench (a Release build).
# Each program runs with --benchmark_repetitions=3 (goals use the medians), repetitions of
# different benchmarks interleaved at random (so that a change of load on a shared machine is
# spread over all of them instead of biasing one), and a modest --benchmark_min_time (benchmarks
# that set their own keep it). About 5 minutes on 2 cores. Environment: PTX_BENCH_REPETITIONS
# (3), PTX_BENCH_MIN_TIME (seconds, 0.1), PTX_BENCH_FILTER (a --benchmark_filter regex, all).
# A program that fails is reported and its goals come out missing (measured: null); run.sh
# still writes OUT.json, and exits 1 at the end.
set -uo pipefail

usage="usage: bash bench/run.sh BUILD_DIR OUT.json"
build=${1:?$usage}
out=${2:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
reps=${PTX_BENCH_REPETITIONS:-3}
min_time=${PTX_BENCH_MIN_TIME:-0.1}
filter=${PTX_BENCH_FILTER:-.}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

shopt -s nullglob
programs=("$build"/bench/bench_*)
if [[ ${#programs[@]} -eq 0 ]]; then
  echo "run.sh: no bench_* program in $build/bench (cmake --build $build -j2 --target bench)" >&2
  exit 2
fi

status=0
results=()
start_all=$SECONDS
for program in "${programs[@]}"; do
  [[ -f $program && -x $program ]] || continue
  name=$(basename "$program")
  echo "run.sh: $name ..." >&2
  start=$SECONDS
  if "$program" --benchmark_repetitions="$reps" --benchmark_display_aggregates_only=true \
      --benchmark_enable_random_interleaving=true --benchmark_min_time="$min_time" \
      --benchmark_filter="$filter" \
      --benchmark_out="$tmp/$name.json" --benchmark_out_format=json >"$tmp/$name.txt" 2>&1; then
    echo "run.sh: $name done in $((SECONDS - start)) s" >&2
  else
    echo "run.sh: $name FAILED (exit $?) after $((SECONDS - start)) s; its last lines:" >&2
    tail -n 20 "$tmp/$name.txt" >&2
    status=1
  fi
  echo "## $name"
  sed -n '/^Same-run ratios/,$p' "$tmp/$name.txt"
  echo
  [[ -s $tmp/$name.json ]] && results+=("$tmp/$name.json")
done
echo "run.sh: all programs in $((SECONDS - start_all)) s" >&2

echo "## goals (issue 12)"
python3 "$here/goals.py" --out "$out" --command "bash bench/run.sh $build $out" ${results[@]+"${results[@]}"} || status=1
echo "run.sh: wrote $out" >&2
exit $status
