// SPDX-License-Identifier: BSD-2-Clause
// Replays the seed corpora of workload_file_fuzz and proc_maps_fuzz and every input they found a
// problem with (tests/fuzz/regressions/{workload_file,proc_maps}/) through the fuzz targets' own
// oracles (fuzz/workload_file_oracle.h, fuzz/proc_maps_oracle.h): each must end without a crash,
// with a result that keeps the parser's contract or a kBadInput/kIoError Status. Seeds named
// valid-* must be accepted, bad-* refused. Run under PTX_SANITIZE=address,undefined to check for
// memory errors too.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz/proc_maps_oracle.h"
#include "fuzz/workload_file_oracle.h"
#include "tests/formats/scratch_dir.h"
#include "tests/fuzz/replay_util.h"

namespace ptx::workload {
namespace {

namespace fs = std::filesystem;
using test::fuzz_inputs;

// Runs `check` (an oracle: "" or the broken rule; sets whether the input was accepted) on every
// input of `kind`/`target`; for the corpus also checks the valid-/bad- names. Returns the count.
template <class Check>
size_t replay(const std::string& kind, const std::string& target, Check check) {
  const std::vector<fs::path> files = fuzz_inputs(kind, target);
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    bool accepted = false;
    EXPECT_EQ(check(test::file_bytes(f), &accepted), "");
    if (kind != "corpus") continue;
    EXPECT_TRUE(test::named_valid(f) || test::named_bad(f));
    EXPECT_EQ(accepted, test::named_valid(f)) << (accepted ? "accepted" : "refused");
  }
  return files.size();
}

std::string check_workload(const std::string& data, bool* accepted) {
  return fuzz::check_workload_input(data, accepted);
}

TEST(WorkloadFileFuzz, SeedCorpusKeepsTheContract) {
  EXPECT_GE(replay("corpus", "workload_file", check_workload), 5u);
}

TEST(WorkloadFileFuzz, EveryFoundInputKeepsTheContract) {
  replay("regressions", "workload_file", check_workload);
}

TEST(ProcMapsFuzz, SeedCorpusKeepsTheContract) {
  test::ScratchDir dir;
  const auto check = [&dir](const std::string& data, bool* accepted) {
    return fuzz::check_proc_maps_input(data, dir.path().string(), accepted);
  };
  EXPECT_GE(replay("corpus", "proc_maps", check), 5u);
}

TEST(ProcMapsFuzz, EveryFoundInputKeepsTheContract) {
  test::ScratchDir dir;
  const auto check = [&dir](const std::string& data, bool* accepted) {
    return fuzz::check_proc_maps_input(data, dir.path().string(), accepted);
  };
  EXPECT_GE(replay("regressions", "proc_maps", check), 1u);
}

// The oracle's reference is the header's rules: the kernel's format, hexadecimal without prefix.
TEST(ProcMapsFuzz, ReferenceParserFollowsTheHeader) {
  const std::optional<ProcMapping> m = fuzz::reference_maps_line("7f2c0000-7f2c1000 r-xp 0 08:01 1 /lib/x");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->start, 0x7f2c0000u);
  EXPECT_EQ(m->end, 0x7f2c1000u);
  EXPECT_EQ(m->perms(), 5);
  for (const char* bad : {"0x1000-2000 r--p", "1000-2000z r--p", "1000-+2000 r--p", "1000-2000 r-", "-2000 r--p",
                          "10000000000000000-1 r--p", "1000:2000 r--p"}) {
    EXPECT_FALSE(fuzz::reference_maps_line(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace ptx::workload
