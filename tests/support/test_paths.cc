// SPDX-License-Identifier: BSD-2-Clause
#include "tests/support/test_paths.h"

namespace ptx::test {

const std::string& source_dir() {
  static const std::string dir = PTX_TEST_SOURCE_DIR;
  return dir;
}

const std::string& ptx_binary() {
  static const std::string path = PTX_TEST_PTX_BINARY;
  return path;
}

}  // namespace ptx::test
