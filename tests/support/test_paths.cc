// SPDX-License-Identifier: BSD-2-Clause
#include "tests/support/test_paths.h"

#include <fstream>
#include <sstream>

namespace ptx::test {

const std::string& source_dir() {
  static const std::string dir = PTX_TEST_SOURCE_DIR;
  return dir;
}

const std::string& ptx_binary() {
  static const std::string path = PTX_TEST_PTX_BINARY;
  return path;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace ptx::test
