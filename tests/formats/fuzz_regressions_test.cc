// SPDX-License-Identifier: BSD-2-Clause
// Replays the seed corpus of ptx_trace_fuzz and every input it found a problem with
// (tests/fuzz/regressions/ptx_trace/) through the fuzz target's own oracle
// (fuzz/ptx_trace_oracle.h): each must end without a crash, with a trace that keeps trace.h's
// contract and reads back equal once written, or a kBadInput/kIoError Status. Seeds named valid-*
// must be accepted, bad-* refused.
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz/ptx_trace_oracle.h"
#include "tests/formats/scratch_dir.h"
#include "tests/fuzz/replay_util.h"

namespace ptx::formats {
namespace {

namespace fs = std::filesystem;

TEST(PtxTraceFuzz, SeedCorpusKeepsTheContract) {
  test::ScratchDir dir;
  const std::vector<fs::path> files = test::fuzz_inputs("corpus", "ptx_trace");
  EXPECT_GE(files.size(), 5u);
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    bool accepted = false;
    EXPECT_EQ(fuzz::check_trace_input(test::file_bytes(f), dir.path().string(), &accepted), "");
    EXPECT_TRUE(test::named_valid(f) || test::named_bad(f));
    EXPECT_EQ(accepted, test::named_valid(f)) << (accepted ? "accepted" : "refused");
  }
}

TEST(PtxTraceFuzz, EveryFoundInputKeepsTheContract) {
  test::ScratchDir dir;
  test::expect_oracle_holds("regressions", "ptx_trace", [&dir](const std::string& bytes) {
    return fuzz::check_trace_input(bytes, dir.path().string());
  });
}

// The stream overload is what read_trace(path) runs: same trace, the name standing for the path.
TEST(PtxTraceFuzz, StreamAndPathReadersAgree) {
  test::ScratchDir dir;
  const std::string text = test::file_bytes(test::fuzz_inputs("corpus", "ptx_trace").front());
  test::write_file(dir / "t.trace", text);
  const StatusOr<Trace> by_path = read_trace(dir / "t.trace");
  std::istringstream in(text);
  const StatusOr<Trace> by_stream = read_trace(in, dir / "t.trace");
  ASSERT_EQ(by_path.ok(), by_stream.ok());
  EXPECT_EQ(by_path.status(), by_stream.status());
}

}  // namespace
}  // namespace ptx::formats
