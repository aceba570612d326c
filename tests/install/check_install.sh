#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The CTest test install_package (label install; registered by tests/install/CMakeLists.txt):
#   1. cmake --install <build dir> --prefix <tmp>/prefix
#   2. the layout: headers under include/ptx/<folder>/, the static libraries, the CMake package
#      files and ptx.pc, and no path of the source or build tree in the installed package files
#   3. tests/install/consumer configured with CMAKE_PREFIX_PATH=<tmp>/prefix (find_package(ptx
#      CONFIG REQUIRED), ptx::ptx), built and run; its compile commands must not name the sources
#   3b. examples/ built against the package (PTX_EXAMPLES_USE_PACKAGE) and its tests run
#   4. the same main.cc compiled with `pkg-config --cflags --libs ptx` and run (skipped, saying
#      so, when pkg-config is not installed)
# Temp dirs are removed on exit; a failing step prints its output and the script exits 1.
# Options (all --name=value): --cmake --build-dir --source-dir --config --generator --cxx
# --sanitize (PTX_SANITIZE of the build: the consumer is built with the same -fsanitize) --version
set -uo pipefail

CMAKE=cmake BUILD_DIR="" SOURCE_DIR="" CONFIG="" GENERATOR="" CXX_BIN=c++ SANITIZE="" VERSION=""
for arg in "$@"; do
  case "$arg" in
    --cmake=*) CMAKE=${arg#*=} ;;
    --build-dir=*) BUILD_DIR=${arg#*=} ;;
    --source-dir=*) SOURCE_DIR=${arg#*=} ;;
    --config=*) CONFIG=${arg#*=} ;;
    --generator=*) GENERATOR=${arg#*=} ;;
    --cxx=*) CXX_BIN=${arg#*=} ;;
    --sanitize=*) SANITIZE=${arg#*=} ;;
    --version=*) VERSION=${arg#*=} ;;
    *) echo "check_install: unknown argument $arg" >&2; exit 2 ;;
  esac
done
if [[ -z "$BUILD_DIR" || -z "$SOURCE_DIR" ]]; then
  echo "check_install: --build-dir and --source-dir are required" >&2
  exit 2
fi
BUILD_DIR=$(cd "$BUILD_DIR" && pwd -P)
SOURCE_DIR=$(cd "$SOURCE_DIR" && pwd -P)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ptx-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
PREFIX=$TMP/prefix
LOG=$TMP/step.log

# step <name> <command>...: runs the command with its output in $LOG; on failure prints the
# output and exits 1.
step() {
  local name=$1
  shift
  echo "--- $name"
  if ! "$@" >"$LOG" 2>&1; then
    echo "check_install: FAILED: $name" >&2
    echo "command: $*" >&2
    cat "$LOG" >&2
    exit 1
  fi
}

fail() {
  echo "check_install: FAILED: $*" >&2
  exit 1
}

CONFIG_ARGS=()
[[ -n "$CONFIG" ]] && CONFIG_ARGS=(--config "$CONFIG")
SAN_FLAGS=""
[[ -n "$SANITIZE" ]] && SAN_FLAGS="-fsanitize=$SANITIZE -fno-omit-frame-pointer"

# 1. install
step "install into $PREFIX" "$CMAKE" --install "$BUILD_DIR" --prefix "$PREFIX" "${CONFIG_ARGS[@]}"

# 2. the layout
for f in include/ptx/pagetable/engine.h include/ptx/explorer/explorer.h include/ptx/base/status.h \
         include/ptx/tools/html/page_model.h include/ptx/tools/draw/interleaving_dot.h \
         lib/cmake/ptx/ptxConfig.cmake lib/cmake/ptx/ptxConfigVersion.cmake \
         lib/cmake/ptx/ptxTargets.cmake lib/pkgconfig/ptx.pc; do
  [[ -f "$PREFIX/$f" ]] || fail "$f is not installed"
done
for lib in base armtrace pagetable explorer formats armcheck workload run draw html expect; do
  [[ -f "$PREFIX/lib/libptx_$lib.a" ]] || fail "lib/libptx_$lib.a is not installed"
done
for dir in "$SOURCE_DIR" "$BUILD_DIR"; do
  if grep -rlF "$dir" "$PREFIX/lib/cmake" "$PREFIX/lib/pkgconfig" >"$LOG"; then
    fail "installed package files name $dir: $(cat "$LOG")"
  fi
done
echo "--- layout: $(find "$PREFIX/include/ptx" -name '*.h' | wc -l) headers, $(ls "$PREFIX"/lib/*.a | wc -l) libraries"

# 3. the consumer through CMake
GEN_ARGS=()
[[ -n "$GENERATOR" ]] && GEN_ARGS=(-G "$GENERATOR")
step "configure consumer (find_package(ptx))" "$CMAKE" -S "$SOURCE_DIR/tests/install/consumer" \
  -B "$TMP/consumer" "${GEN_ARGS[@]}" -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DCMAKE_BUILD_TYPE="${CONFIG:-Release}" -DCMAKE_CXX_COMPILER="$CXX_BIN" \
  -DCMAKE_CXX_FLAGS="$SAN_FLAGS" -DCMAKE_EXE_LINKER_FLAGS="$SAN_FLAGS" \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DPTX_EXPECTED_VERSION="$VERSION"
step "build consumer" "$CMAKE" --build "$TMP/consumer" "${CONFIG_ARGS[@]}"
# Apart from the consumer's own sources, its compile commands name neither tree of this build.
commands=$(<"$TMP/consumer/compile_commands.json")
commands=${commands//"$SOURCE_DIR/tests/install/consumer"/}
for dir in "$SOURCE_DIR" "$BUILD_DIR"; do
  [[ "$commands" != *"$dir"* ]] || fail "the consumer compiles against $dir: $commands"
done
exe=$(find "$TMP/consumer" -name ptx_consumer -type f -perm -u+x | head -n 1)
[[ -n "$exe" ]] || fail "no ptx_consumer executable in $TMP/consumer"
step "run consumer (CMake)" "$exe"
cat "$LOG"

# 3b. examples/ (the s2pt page table and its ptx tests, EXPECT_TRANSACTIONAL through a Recorder)
# built against the package, as a user's project would: the correct code passes, and each bug
# switch fails as its tests assert.
step "configure examples (find_package(ptx COMPONENTS gtest))" "$CMAKE" -S "$SOURCE_DIR/examples" \
  -B "$TMP/examples" "${GEN_ARGS[@]}" -DCMAKE_PREFIX_PATH="$PREFIX" -DPTX_EXAMPLES_USE_PACKAGE=ON \
  -DCMAKE_BUILD_TYPE="${CONFIG:-Release}" -DCMAKE_CXX_COMPILER="$CXX_BIN" \
  -DCMAKE_CXX_FLAGS="$SAN_FLAGS" -DCMAKE_C_FLAGS="$SAN_FLAGS" -DCMAKE_EXE_LINKER_FLAGS="$SAN_FLAGS"
step "build examples" "$CMAKE" --build "$TMP/examples" "${CONFIG_ARGS[@]}" -j2
step "run the examples' tests" ctest --test-dir "$TMP/examples" --output-on-failure
grep -q "_ptx\." "$LOG" || fail "the examples' ptx tests did not run: $(cat "$LOG")"
tail -n 3 "$LOG"

# 4. the same program through pkg-config
if ! command -v pkg-config >/dev/null 2>&1; then
  echo "--- SKIPPED pkg-config check: pkg-config is not installed (scripts/bootstrap.sh installs it)"
  exit 0
fi
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
step "pkg-config --cflags --libs ptx" pkg-config --cflags --libs ptx
PC_FLAGS=$(cat "$LOG")
echo "    $PC_FLAGS"
# shellcheck disable=SC2086 # the flags are words
step "compile with pkg-config" "$CXX_BIN" -std=c++20 $SAN_FLAGS \
  "$SOURCE_DIR/tests/install/consumer/main.cc" -o "$TMP/pc_consumer" $PC_FLAGS
step "run consumer (pkg-config)" "$TMP/pc_consumer"
cat "$LOG"
echo "check_install: passed"
