// SPDX-License-Identifier: BSD-2-Clause
// Bounded memory (issue "Reliability", item 2): `ptx check` streams a ptx trace and spools its
// report, so its peak RSS does not grow with the trace (only with the page tables it rebuilds).
// A trace of a workload that keeps remapping the same pages is recorded on the fly (never stored
// in the repository) at two lengths, 15x apart; each is checked with --report-all on two
// threads in a child process whose peak RSS (getrusage via wait4) must stay under a fixed budget
// and must not grow with the trace. Before streaming, `check` held the whole trace: about 170 MB
// per million sections.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"
#include "tests/support/sanitized.h"

namespace ptx::clitest {
namespace {

using test::kSanitized;  // shadow memory: larger and slower
constexpr long kBudgetMb = kSanitized ? 512 : 64;  // the fixed budget the check must stay under
// What 15x more sections may add at most. Under sanitizers the allocator keeps freed memory on
// purpose (ASan's quarantine is 256 MiB, TSan keeps shadow for every page once touched), so there
// the bound is the quarantine plus the Release bound.
constexpr long kGrowthMb = kSanitized ? 256 + 128 : 16;
constexpr int kLargeRounds = kSanitized ? 30 : 300;  // 60k or 600k sections

struct Measured {
  int exit_code = -1;
  long peak_rss_mb = 0;
};

// Runs the `ptx` binary with `args` in a child and measures its peak RSS.
Measured run_measured(const std::vector<std::string>& args, const ScratchDir& dir) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen((dir / "child.out").c_str(), "w", stdout);
    std::freopen((dir / "child.err").c_str(), "w", stderr);
    exec_ptx(args);
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  return Measured{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), usage.ru_maxrss / 1024};
}

// A workload whose page tables stay small however long it runs: 2 VMs, each mapping, remapping
// and unmapping the same 1000 pages for `rounds` rounds (2000 sections a round). Written line by
// line: this process stays small, since a forked child's peak RSS starts at its parent's.
void write_churn_workload(const std::filesystem::path& path, int rounds) {
  std::ofstream w(path);
  for (int r = 0; r < rounds; ++r) {
    for (uint32_t vm = 1; vm <= 2; ++vm) {
      for (uint64_t p = 0; p < 1000; ++p) {
        const uint64_t ipa = 0x40000000 + p * 0x1000;
        if (r % 3 == 2) {
          w << fmt::format("unmap {} {:#x} 3\n", vm, ipa);
        } else {
          w << fmt::format("map {} {:#x} 3 {:#x}\n", vm, ipa, (uint64_t{vm} << 32 | (p + 1000 * (r % 3)) << 12) | 0x7ff);
        }
      }
    }
  }
}

// Section records in a report (one per line, each starting with '{'), counted line by line.
uint64_t report_sections(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  uint64_t n = 0;
  for (std::getline(in, line); std::getline(in, line);) n += !line.empty() && line[0] == '{';
  return n;
}

// Records the churn workload's trace and checks it with the report of every section; returns the
// check's peak RSS.
long check_rss_mb(const ScratchDir& dir, int rounds) {
  write_churn_workload(dir.path() / "w.txt", rounds);
  const Result rec = run_ptx({"record", "--workload", dir / "w.txt", "--quiet", "--out", dir / "t.jsonl"}, dir);
  EXPECT_EQ(rec.exit_code, 0) << describe(rec);
  const Measured m = run_measured({"check", dir / "t.jsonl", "--threads", "2", "--quiet", "--report-all", "--report",
                                   dir / "r.json"}, dir);
  EXPECT_EQ(m.exit_code, 0) << read_file(dir.path() / "child.err");
  // Every round is a section per op; the remaps of rounds 1, 4, 7, ... are two each (sekvm's
  // break-before-make: the unmap, then the map).
  EXPECT_EQ(report_sections(dir.path() / "r.json"), 2000u * static_cast<unsigned>(rounds + (rounds + 1) / 3))
      << "--report-all lists every section";
  for (const char* f : {"w.txt", "t.jsonl", "r.json"}) std::filesystem::remove(dir.path() / f);
  return m.peak_rss_mb;
}

TEST(CliBoundedMemory, CheckingALongTraceStaysUnderAFixedBudget) {
  ScratchDir dir;
  const long small = check_rss_mb(dir, kLargeRounds / 15);
  const long large = check_rss_mb(dir, kLargeRounds);
  RecordProperty("peak_rss_mb_small", std::to_string(small));
  RecordProperty("peak_rss_mb_large", std::to_string(large));
  EXPECT_LT(large, kBudgetMb) << "sections: " << 2000 * kLargeRounds;
  EXPECT_LT(large, small + kGrowthMb) << "small " << small << " MB, large " << large << " MB";
}

}  // namespace
}  // namespace ptx::clitest
