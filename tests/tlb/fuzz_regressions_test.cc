// SPDX-License-Identifier: BSD-2-Clause
// Replays the seed corpus of tlb_fold_fuzz (tests/fuzz/corpus/tlb_fold/) and every input it found a
// problem with (tests/fuzz/regressions/tlb_fold/) through its oracle (fuzz/tlb_fold_oracle.h): the
// TLB pass against the brute-force model, the TPT check unchanged, a bounded stale set.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz/tlb_fold_oracle.h"
#include "tests/fuzz/replay_util.h"

namespace ptx {
namespace {

namespace fs = std::filesystem;

TEST(TlbFoldFuzz, SeedCorpusPassesTheOracle) {
  const std::vector<fs::path> files = test::fuzz_inputs("corpus", "tlb_fold");
  EXPECT_GE(files.size(), 5u);
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    const std::string bytes = test::file_bytes(f);
    EXPECT_GT(tlb::testing::stream_of_bytes(std::string_view(bytes).substr(1)).size(), 40u);
    EXPECT_EQ(fuzz::check_tlb_fold(bytes), "");
  }
}

TEST(TlbFoldFuzz, EveryFoundInputPassesTheOracle) {
  test::expect_oracle_holds("regressions", "tlb_fold", [](const std::string& bytes) { return fuzz::check_tlb_fold(bytes); });
}

// The oracle can tell: a pass with other options than the model's disagrees on some input.
TEST(TlbFoldFuzz, OracleSeesADifferentModel) {
  int differ = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const std::vector<armtrace::Event> events = tlb::testing::random_stream(seed);
    tlb::TlbOptions strict, ignore;
    ignore.deadline = tlb::Deadline::kEnd;
    tlb::testing::BruteTlb brute(ignore);
    for (const armtrace::Event& e : events) brute.add(e);
    brute.finish(events.size());
    differ += brute.findings() != tlb::testing::keys(tlb::testing::run_events(events, true, strict).findings);
  }
  EXPECT_GT(differ, 0);
}

// Any bytes make a well-formed stream: every byte value at every choice.
TEST(TlbFoldFuzz, EveryByteMakesAStream) {
  for (int b = 0; b < 256; ++b) {
    const std::string bytes(64, static_cast<char>(b));
    EXPECT_EQ(fuzz::check_tlb_fold(bytes), "") << b;
  }
}

}  // namespace
}  // namespace ptx
