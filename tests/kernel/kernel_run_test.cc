// SPDX-License-Identifier: BSD-2-Clause
// The kernel engines (Linux 6.1 and 6.12's pgtable.c) driven as KVM drives them: what the
// unmodified code gives, determinism on one vCPU, the paths each version takes, and bad input.
#include <bit>

#include <gtest/gtest.h>

#include "tests/kernel/kernel_util.h"
#include "tlb/finding.h"

namespace ptx::kernel {
namespace {

using testing::run_qemu;
using testing::run_text;

TEST(KernelEngines, BuiltWithTheirVersions) {
  PTX_REQUIRE_ENGINE(e61, "linux-6.1");
  PTX_REQUIRE_ENGINE(e612, "linux-6.12");
  EXPECT_EQ(e61->version.rfind("6.1.", 0), 0u) << e61->version;
  EXPECT_EQ(e612->version.rfind("6.12.", 0), 0u) << e612->version;
  EXPECT_FALSE(e61->table->shared_faults);  // 6.1: faults take the MMU lock for write
  EXPECT_TRUE(e612->table->shared_faults);
  EXPECT_EQ(e61->table->calls >> PTX_K_SPLIT & 1, 0u);  // eager page splitting came in 6.5
  EXPECT_EQ(e612->table->calls >> PTX_K_SPLIT & 1, 1u);
}

// The expectation for unmodified code: break-before-make gives transient faults only; no TLB
// error, no wrong-result, no kernel-warn, no shared-entry, no finding at all. (Dirty logging's
// flush follows its write_unlock: stale-permission warnings, TLB-MODEL's own example.)
void expect_clean(const char* engine, uint32_t vcpus) {
  PTX_REQUIRE_ENGINE(e, engine);
  const testing::Run r = run_qemu(*e, 2, 2000, vcpus);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.result.totals.wrong_translations, 0u);
  EXPECT_GT(r.result.totals.transient_faults, 0u);  // THP collapse, dirty-logging write faults, splits
  EXPECT_TRUE(r.findings.empty()) << r.result.findings.front().kind << ": " << r.result.findings.front().detail;
  for (const tlb::TlbFinding& f : r.result.tlb_findings) {
    if (f.severity() != tlb::Severity::kError) continue;
    ADD_FAILURE() << engine << ", " << vcpus << " vCPUs: " << tlb::verdict_text(f) << " at event " << f.line << " ("
                  << f.src << "): " << f.detail;
  }
  EXPECT_EQ(r.tlb_errors, 0u);
  EXPECT_EQ(r.result.tlb_summary.stale_permissions, r.tlb_warnings);
  EXPECT_EQ(r.result.wrong_results, 0u);
}

TEST(KernelEngines, Linux61IsCleanOnOneAndFourVcpus) {
  expect_clean("linux-6.1", 1);
  expect_clean("linux-6.1", 4);
}

TEST(KernelEngines, Linux612IsCleanOnOneAndFourVcpus) {
  expect_clean("linux-6.12", 1);
  expect_clean("linux-6.12", 4);
}

TEST(KernelEngines, OneVcpuRunsGiveTheSameEventsEveryTime) {
  PTX_REQUIRE_ENGINE(e, "linux-6.12");
  const testing::Run a = run_qemu(*e, 1, 600, 1, true);
  const testing::Run b = run_qemu(*e, 1, 600, 1, true);
  ASSERT_TRUE(a.status.ok() && b.status.ok());
  EXPECT_GT(a.events.size(), 10000u);
  EXPECT_EQ(a.events, b.events);
}

// Linux writes KVM_INVALID_PTE_LOCKED (bit 10, bit 0 clear) into an empty entry before it installs
// the new one: under the Arm rules both are "no mapping", so fresh maps show no transient fault.
TEST(KernelEngines, TheLockedMarkerIsNoMapping) {
  PTX_REQUIRE_ENGINE(e, "linux-6.12");
  const testing::Run r = run_text(*e, "map 1 0x40000000 3 0x800007ff\nmap 1 0x40200000 2 0x900007fd\n", 1, true);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_NE(r.events.find("(mem-order cas)"), std::string::npos);
  EXPECT_NE(r.events.find("(value 400)"), std::string::npos);  // the marker is written
  EXPECT_EQ(r.result.totals.violations, 0u);
}

TEST(KernelEngines, FaultsTakeTheLockAsTheVersionDoes) {
  PTX_REQUIRE_ENGINE(e61, "linux-6.1");
  PTX_REQUIRE_ENGINE(e612, "linux-6.12");
  const std::string w = "map 1 0x40000000 3 0x800007ff\n";
  EXPECT_NE(run_text(*e612, w, 1, true).events.find("(read-lock "), std::string::npos);
  const testing::Run old = run_text(*e61, w, 1, true);
  EXPECT_EQ(old.events.find("(read-lock "), std::string::npos);
  EXPECT_NE(old.events.find("(lock "), std::string::npos);
}

// With FEAT_TLBIRANGE and FEAT_S2FWB, 6.12 defers an unmap's TLB maintenance to one range flush
// (ripas2e1is); without them it invalidates each leaf (ipas2e1is) as it goes.
TEST(KernelEngines, RangeTlbisFollowTheCpuFeatures) {
  PTX_REQUIRE_ENGINE(e, "linux-6.12");
  std::string w;
  for (int i = 0; i < 8; ++i) w += fmt::format("map 1 {:#x} 3 {:#x}\n", 0x40000000 + i * 0x1000, 0x80000747 + i * 0x1000);
  w += "unmap 1 0x40000000 2\n";
  const testing::Run with = run_text(*e, w, 1, true);
  const testing::Run without = run_text(*e, w, 1, true, PTX_K_FEAT_TTL);
  EXPECT_NE(with.events.find("ripas2e1is"), std::string::npos);
  EXPECT_EQ(without.events.find("ripas2e1is"), std::string::npos);
  EXPECT_NE(without.events.find("ipas2e1is (value 7"), std::string::npos);  // TTL hint 0b01LL: 0x7... at level 3
  EXPECT_EQ(with.tlb_errors + without.tlb_errors, 0u);
  EXPECT_TRUE(with.findings.empty() && without.findings.empty());
}

// Each CPU feature the code tests changes the trace (TTL hints in TLBI values, range TLBIs, the
// MemAttr encoding of FEAT_S2FWB, LPA2's VTCR and descriptors), and every combination is clean.
TEST(KernelEngines, EachCpuFeatureChangesTheTraceAndEveryCombinationIsClean) {
  const std::string w = R"(map 1 0x40000000 3 0x800007ff
map 1 0x40001000 3 0x800017ff
map 1 0x40002000 3 0x800027ff
wrprotect 1 0x40000000 0x200000
map 1 0x40001000 3 0x800017ff
age 1 0x40000000 0x200000
unmap 1 0x40000000 2
map 1 0x40200000 2 0xa00007fd
unmap 1 0x40200000 2
)";
  for (const char* name : {"linux-6.1", "linux-6.12"}) {
    PTX_REQUIRE_ENGINE(e, name);
    const testing::Run none = run_text(*e, w, 1, true, 0);
    for (uint32_t features = 0; features < 16; ++features) {
      if ((features & ~e->table->features) != 0) continue;  // a feature this version does not test
      const testing::Run r = run_text(*e, w, 1, true, features);
      ASSERT_TRUE(r.status.ok()) << name << " features " << features << ": " << r.status.to_string();
      EXPECT_TRUE(r.findings.empty()) << name << " features " << features << ": " << r.findings.begin()->first;
      EXPECT_EQ(r.tlb_errors, 0u) << name << " features " << features;
      EXPECT_EQ(r.result.totals.wrong_translations, 0u) << name << " features " << features;
      if (std::has_single_bit(features)) {
        EXPECT_NE(r.events, none.events) << name << ": feature " << features << " changes nothing";
      }
    }
  }
}

TEST(KernelEngines, WorkloadOpsWithoutACallAreBadInput) {
  PTX_REQUIRE_ENGINE(e61, "linux-6.1");
  PTX_REQUIRE_ENGINE(e612, "linux-6.12");
  const testing::Run tlbi = run_text(*e612, "map 1 0x40000000 3 0x800007ff\ntlbi 1 vmalls12e1is\n");
  EXPECT_EQ(tlbi.status.code(), StatusCode::kBadInput);
  EXPECT_NE(tlbi.status.to_string().find("w.wl:2:"), std::string::npos) << tlbi.status.to_string();
  EXPECT_NE(tlbi.status.message().find("its own TLB maintenance"), std::string::npos);
  const testing::Run split = run_text(*e61, "map 1 0x40000000 2 0x800007fd\nsplit 1 0x40000000 0x200000\n");
  EXPECT_EQ(split.status.code(), StatusCode::kBadInput);
  EXPECT_NE(split.status.message().find("no call for split"), std::string::npos) << split.status.to_string();
}

// A 1 GiB block (a hugetlbfs DIMM), a THP collapse over a page table, dirty logging's write faults
// and an eager split: each path's BBM shows as transient faults, the reference agrees after each.
TEST(KernelEngines, KvmPathsKeepTheReferenceMap) {
  PTX_REQUIRE_ENGINE(e, "linux-6.12");
  const testing::Run r = run_text(*e, R"(map 1 0x40000000 3 0x800007ff
map 1 0x40001000 3 0x800017ff
map 1 0x40000000 2 0x800007fd
wrprotect 1 0x40000000 0x200000
map 1 0x40003000 3 0x800037ff
age 1 0x40000000 0x200000
access 1 0x40003000
map 1 0x40200000 2 0xa00007fd
split 1 0x40200000 0x200000
map 1 0x80000000 1 0xc00007fd
unmap 1 0x80000000 2
)", 2);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.result.calls, 11u);
  EXPECT_EQ(r.result.wrong_results, 0u);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.result.totals.wrong_translations, 0u);
  EXPECT_GT(r.result.totals.transient_faults, 0u);
  EXPECT_EQ(r.tlb_errors, 0u);
}

}  // namespace
}  // namespace ptx::kernel
