// SPDX-License-Identifier: BSD-2-Clause
// The mutants of Linux's pgtable.c (linux/mutants/): each a bug real page-table code could have,
// each with the verdict it must give on qemu-virt with the KVM steps, where the unmodified code
// gives transient faults and stale-permission warnings only (kernel_run_test.cc).
#include <gtest/gtest.h>

#include "tests/kernel/kernel_util.h"

namespace ptx::kernel {
namespace {

struct Want {
  uint64_t conflicts = 0, stale_mappings = 0, freed = 0, kernel_warns = 0;  // at least these many
  tlb::Cause cause = tlb::Cause::kNone;  // a stale mapping of this cause, when set
  uint64_t wrong_translations = 0;       // TPT violations of class wrong-translation, at least
};

void expect_mutant(const std::string& name, const Want& want) {
  PTX_REQUIRE_ENGINE(e, name);
  ASSERT_TRUE(e->mutant());
  const testing::Run r = testing::run_qemu(*e, 1, 3000, 1);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  const tlb::TlbSummary& t = r.result.tlb_summary;
  EXPECT_GE(t.conflicts, want.conflicts) << name;
  EXPECT_GE(t.stale_mappings, want.stale_mappings) << name;
  EXPECT_GE(t.freed, want.freed) << name;
  EXPECT_GE(r.findings.count("kernel-warn") ? r.findings.at("kernel-warn") : 0, want.kernel_warns) << name;
  EXPECT_GE(r.result.totals.wrong_translations, want.wrong_translations) << name;
  EXPECT_GT(t.errors + r.result.findings.size() + r.result.totals.wrong_translations, 0u)
      << name << ": the mutant went unnoticed";
  if (want.cause == tlb::Cause::kNone) return;
  bool seen = false;
  for (const tlb::TlbFinding& f : r.result.tlb_findings) seen |= f.verdict == tlb::Verdict::kStaleMapping && f.cause == want.cause;
  EXPECT_TRUE(seen) << name << ": no stale mapping of cause " << enum_name(tlb::kCauseNames, want.cause);
}

// Linux's own bug (36e008323926): the table's walk-cache entry survives the hinted TLBI, and the
// table page is freed while it may be cached.
TEST(Mutants, TableTtl) {
  expect_mutant("linux-6.12+table-ttl", Want{0, 0, 1, 0, tlb::Cause::kNone});
  expect_mutant("linux-6.1+table-ttl", Want{0, 0, 1, 0, tlb::Cause::kNone});
}

TEST(Mutants, NoBbmTlbi) {
  expect_mutant("linux-6.12+no-bbm-tlbi", Want{1, 1, 0, 0, tlb::Cause::kNoTlbi});
  expect_mutant("linux-6.1+no-bbm-tlbi", Want{1, 1, 0, 0, tlb::Cause::kNoTlbi});
}

// The TLBI runs while the entry is still live: it removes nothing, and after the break no TLBI
// comes: cause no-tlbi.
TEST(Mutants, TlbiBeforeBreak) {
  expect_mutant("linux-6.12+tlbi-before-break", Want{1, 1, 0, 0, tlb::Cause::kNoTlbi});
  expect_mutant("linux-6.1+tlbi-before-break", Want{1, 1, 0, 0, tlb::Cause::kNoTlbi});
}

TEST(Mutants, NoBreak) { expect_mutant("linux-6.12+no-break", Want{1, 1, 0, 0, tlb::Cause::kNone}); }

TEST(Mutants, FreeBeforeTlbi) {
  expect_mutant("linux-6.12+free-before-tlbi", Want{0, 0, 1, 0, tlb::Cause::kNone});
  expect_mutant("linux-6.1+free-before-tlbi", Want{0, 0, 1, 0, tlb::Cause::kNone});
}

TEST(Mutants, NoGetPage) {
  expect_mutant("linux-6.12+no-get-page", Want{0, 0, 1, 1, tlb::Cause::kNone});
  expect_mutant("linux-6.1+no-get-page", Want{0, 0, 1, 1, tlb::Cause::kNone});
}

// A walker through the new table entry may see the recycled page's old entry: a mapping that is
// neither the before nor the after mapping.
TEST(Mutants, LinkBeforeZero) {
  expect_mutant("linux-6.12+link-before-zero", Want{0, 0, 0, 0, tlb::Cause::kNone, 1});
  expect_mutant("linux-6.1+link-before-zero", Want{0, 0, 0, 0, tlb::Cause::kNone, 1});
}

// The break's DSB ISHST after its TLBI (the shim's vhe/tlb.c): the TLBI runs before the break is
// visible to walkers, which may cache the old entry again after it.
TEST(Mutants, DsbAfterTlbi) {
  expect_mutant("linux-6.12+dsb-after-tlbi", Want{0, 1, 0, 0, tlb::Cause::kTlbiBeforeDsb});
  expect_mutant("linux-6.1+dsb-after-tlbi", Want{0, 1, 0, 0, tlb::Cause::kTlbiBeforeDsb});
}

TEST(Mutants, EveryMutantIsBuiltForItsVersions) {
  if (testing::engines().empty()) GTEST_SKIP() << "built without kernel sources";
  size_t mutants = 0;
  for (const KernelEngine& e : testing::engines()) mutants += e.mutant() ? 1 : 0;
  // 11 for 6.12, 7 for 6.1 (no-break, cmpxchg-plain, free-no-rcu and eagain-dropped are 6.12's code;
  // the last two need thread schedules: tests/kernel/schedule_explore_test.cc)
  EXPECT_EQ(mutants, 18u);
}

}  // namespace
}  // namespace ptx::kernel
