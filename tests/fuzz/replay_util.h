// SPDX-License-Identifier: BSD-2-Clause
// Helpers for the fuzz replay tests (tests/<library>/fuzz_regressions_test.cc): the inputs of a
// fuzz target's seed corpus (tests/fuzz/corpus/<target>/) and of its regressions
// (tests/fuzz/regressions/<target>/), which the tests run through the target's oracle
// (fuzz/<target>_oracle.h). Header-only.
#ifndef PTX_TESTS_FUZZ_REPLAY_UTIL_H_
#define PTX_TESTS_FUZZ_REPLAY_UTIL_H_

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/test_paths.h"

namespace ptx::test {

// The input files of tests/fuzz/<kind>/<target> (kind: "corpus" or "regressions"), sorted, without
// README.md; none when the directory does not exist.
inline std::vector<std::filesystem::path> fuzz_inputs(const std::string& kind, const std::string& target) {
  const std::filesystem::path dir = std::filesystem::path(::ptx::test::source_dir()) / "tests/fuzz" / kind / target;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().filename() != "README.md") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `oracle(bytes)` on every input of tests/fuzz/<kind>/<target>: each must return "" (the
// fuzz target's contract holds); a failure names the file. Returns how many inputs ran.
template <typename Oracle>
size_t expect_oracle_holds(const std::string& kind, const std::string& target, Oracle oracle) {
  size_t ran = 0;
  for (const std::filesystem::path& f : fuzz_inputs(kind, target)) {
    SCOPED_TRACE(f.string());
    EXPECT_EQ(oracle(file_bytes(f)), "");
    ++ran;
  }
  return ran;
}

// Seeds are named valid-* (the parser accepts them) or bad-* (it refuses them).
inline bool named_valid(const std::filesystem::path& p) { return p.filename().string().starts_with("valid-"); }
inline bool named_bad(const std::filesystem::path& p) { return p.filename().string().starts_with("bad-"); }

}  // namespace ptx::test

#endif  // PTX_TESTS_FUZZ_REPLAY_UTIL_H_
