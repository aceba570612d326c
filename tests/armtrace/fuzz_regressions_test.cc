// SPDX-License-Identifier: BSD-2-Clause
// Replays the casemate reader fuzzer's seed corpus and every input it found a problem with
// (tests/fuzz/regressions/casemate_reader/) through CasemateReader, exactly as the fuzz target
// does: each must end, at the end of the trace or with a kBadInput Status, without crashing.
// Run under PTX_SANITIZE=address,undefined to check for memory errors too.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "read_util.h"
#include "tests/support/test_paths.h"

namespace ptx::armtrace {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().filename() != "README.md") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads `path` to the end or an error; returns the result.
testing::ReadResult replay(const fs::path& path) {
  SCOPED_TRACE(path.string());
  const testing::ReadResult r = testing::read_all(contents(path), path.filename().string());
  if (!r.status.ok()) {
    EXPECT_EQ(r.status.code(), StatusCode::kBadInput);
    EXPECT_FALSE(r.status.message().empty());
    EXPECT_GE(r.status.position().line, 1u);
    EXPECT_GE(r.status.position().column, 1u);
  }
  EXPECT_LT(r.events.size(), 1'000'000u);  // the cap of read_all was not hit
  return r;
}

TEST(FuzzRegressions, EveryFoundInputEndsWithoutCrashing) {
  const std::vector<fs::path> files = inputs_in(::ptx::test::source_dir() + "/tests/fuzz/regressions/casemate_reader");
  for (const fs::path& f : files) replay(f);
}

TEST(FuzzCorpus, ValidSeedsReadCleanlyAndNearValidOnesAreRejected) {
  const std::vector<fs::path> files = inputs_in(::ptx::test::source_dir() + "/tests/fuzz/corpus/casemate_reader");
  ASSERT_GE(files.size(), 8u);
  for (const fs::path& f : files) {
    const testing::ReadResult r = replay(f);
    // Seeds are named valid-*.trace or bad-*.trace.
    const std::string name = f.filename().string();
    if (name.starts_with("valid-")) {
      EXPECT_TRUE(r.status.ok()) << name << ": " << r.status.to_string();
      EXPECT_FALSE(r.events.empty()) << name;
    } else {
      EXPECT_TRUE(name.starts_with("bad-")) << name;
      EXPECT_FALSE(r.status.ok()) << name;
    }
  }
}

}  // namespace
}  // namespace ptx::armtrace
