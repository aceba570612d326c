// SPDX-License-Identifier: BSD-2-Clause
// Where a test finds the source tree (its data files) and the `ptx` binary it runs; reading a file.
//
// The paths are compiled into one small library (tests/support/test_paths.cc, from CMake's
// PROJECT_SOURCE_DIR and $<TARGET_FILE:ptx>) instead of into every test: each test's compile
// line is then the same in every checkout, which lets a compiler cache (ccache, used by
// scripts/test.sh when installed) serve the tests of one clone to another.
#ifndef PTX_TESTS_SUPPORT_TEST_PATHS_H_
#define PTX_TESTS_SUPPORT_TEST_PATHS_H_

#include <string>

namespace ptx::test {

// The absolute path of the source tree (the directory of the top-level CMakeLists.txt).
const std::string& source_dir();

// The absolute path of the `ptx` binary of this build (tools/ptx/ptx).
const std::string& ptx_binary();

// The bytes of the file at `path` ("" when it cannot be read), e.g. a trace of tests/data.
std::string file_bytes(const std::string& path);

}  // namespace ptx::test

#endif  // PTX_TESTS_SUPPORT_TEST_PATHS_H_
