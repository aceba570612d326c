#!/usr/bin/env bash
# Builds ptx and runs every test with CTest.
#   scripts/test.sh [BUILD_DIR] [extra cmake arguments...]
# e.g. scripts/test.sh build-tsan -DPTX_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
BUILD_DIR=${1:-build}
shift || true
JOBS=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$BUILD_DIR" "$@" ${PTX_CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$JOBS"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" --timeout 900
