#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds ptx and runs every test with CTest.
#   scripts/test.sh [BUILD_DIR] [extra cmake arguments...]
# e.g. scripts/test.sh build-tsan -DPTX_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo
# Environment: PTX_CMAKE_ARGS (more cmake arguments), PTX_BUILD_TARGET (build only this target,
# e.g. thread_tests), PTX_CTEST_ARGS (more ctest arguments, e.g. "-L threads" or "-LE install").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
BUILD_DIR=${1:-build}
shift || true
JOBS=$(nproc 2>/dev/null || echo 2)
# A compiler cache when there is one (scripts/bootstrap.sh installs ccache): paths under this
# checkout are hashed relative to it, so another clone of the same commit (CI's) hits the cache.
LAUNCHER=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
  LAUNCHER=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$BUILD_DIR" "${LAUNCHER[@]}" "$@" ${PTX_CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$JOBS" ${PTX_BUILD_TARGET:+--target "$PTX_BUILD_TARGET"}
# shellcheck disable=SC2086  # PTX_CTEST_ARGS is a list of arguments
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" --timeout 900 ${PTX_CTEST_ARGS:-}
