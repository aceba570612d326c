// SPDX-License-Identifier: BSD-2-Clause
// The s2pt example checked by ptx: the hooks that every page-table store, lock and barrier of
// s2pt goes through feed a ptx::Recorder, and each scenario asserts that every critical section
// is transactional: for every subset of its writes, in every order (writes before a barrier being
// complete after it), every IPA maps to its before- or after-mapping.
//
// The correct s2pt passes. Built with a bug switch (s2pt.h), the scenario the bug touches fails,
// printing the violation group and a witness — which these tests assert, so that CI shows the
// bugs being caught:
//   S2PT_BUG_DIRTY_REUSE       unmap frees a table page with live entries; a later map links it
//                              before clearing them: a wrong translation (the old page, reachable
//                              through the new table pointer).
//   S2PT_BUG_TWO_STEP_UPDATE   a remap writes new permissions, then a new address: a wrong
//                              translation (the old page with the new permissions).
//   S2PT_BUG_SPLIT_LINK_FIRST  a split links the empty table before filling it: transient faults
//                              only (the strict assertion fails; the break-before-make-tolerant one
//                              passes).
#include <vector>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "expect/explore_schedules.h"
#include "expect/transactional.h"
extern "C" {
#include "s2pt.h"
}

namespace {

constexpr uint64_t kPaBase = 0x40000000;
constexpr size_t kPages = 256;
constexpr uint64_t k4K = 0x1000, k2M = 0x200000;
constexpr uint64_t kOut = 0x80000000;
constexpr uint16_t kVmid = 7;
constexpr unsigned kRw = S2PT_PROT_R | S2PT_PROT_W;

// The user's side: s2pt's hooks wrapped into recorder calls (the ten lines a user writes).
s2pt_hooks RecorderHooks(ptx::Recorder* rec) {
  s2pt_hooks h{};
  h.ctx = rec;
  h.write = [](void* c, uint64_t pa, uint64_t v, const char* src) { static_cast<ptx::Recorder*>(c)->write(pa, v, src); };
  h.zero_page = [](void* c, uint64_t pa) { static_cast<ptx::Recorder*>(c)->init(pa, S2PT_PAGE_SIZE); };
  h.lock = [](void* c, uint64_t id) { static_cast<ptx::Recorder*>(c)->lock(id); };
  h.unlock = [](void* c, uint64_t id) { static_cast<ptx::Recorder*>(c)->unlock(id); };
  h.barrier = [](void* c) { static_cast<ptx::Recorder*>(c)->barrier(); };
  h.tlbi_ipa = [](void* c, uint64_t ipa, int level) {
    const uint64_t ttl = level > 0 ? (0b0100u | static_cast<unsigned>(level)) : 0;
    static_cast<ptx::Recorder*>(c)->tlbi(ptx::armtrace::TlbiOp::kIpas2e1is, (ipa >> 12) | (ttl << 44));
  };
  h.tlbi_s1 = [](void* c) { static_cast<ptx::Recorder*>(c)->tlbi(ptx::armtrace::TlbiOp::kVmalle1is); };
  h.tlbi_vmid = [](void* c) { static_cast<ptx::Recorder*>(c)->tlbi(ptx::armtrace::TlbiOp::kVmalls12e1is); };
  return h;
}

class S2ptPtx : public testing::Test {
 protected:
  void SetUp() override {
    pool_.assign(kPages * S2PT_PAGE_SIZE / 8, 0);
    hooks_ = RecorderHooks(&rec_);
    rec_.init(kPaBase, kPages * S2PT_PAGE_SIZE);  // the pool reads as zero
    ASSERT_EQ(s2pt_init(&pgt_, pool_.data(), kPages, kPaBase, &hooks_, kVmid), 0);
    rec_.root(s2pt_root_pa(&pgt_), ptx::Stage::k2, kVmid);  // the VTTBR
  }
  void TearDown() override { s2pt_destroy(&pgt_); }

  ptx::Recorder rec_;
  std::vector<uint64_t> pool_;
  s2pt_hooks hooks_{};
  s2pt pgt_{};
};

TEST_F(S2ptPtx, MappingFreshRanges) {
  ASSERT_EQ(s2pt_map(&pgt_, 0, 8 * k4K, kOut, kRw), 0);
  ASSERT_EQ(s2pt_map(&pgt_, 4 * k2M, k2M, kOut + 4 * k2M, S2PT_PROT_R), 0);
  EXPECT_TRANSACTIONAL(rec_);
}

// A split breaks the block first (break-before-make): a walker in between faults, which is a
// transient fault, and no CPU may hold the block and the table's pages together.
TEST_F(S2ptPtx, SplittingABlockIntoPages) {
  ASSERT_EQ(s2pt_map(&pgt_, 3 * k2M, k2M, kOut + k2M, kRw), 0);
  ASSERT_EQ(s2pt_split_block(&pgt_, 3 * k2M), 0);
  EXPECT_NONFATAL_FAILURE(EXPECT_TRANSACTIONAL(rec_), "transient-fault");  // the break
#ifndef S2PT_BUG_SPLIT_LINK_FIRST
  EXPECT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS(rec_);
#else
  // The empty table replaces the cached block without a break: a TLB conflict.
  EXPECT_NONFATAL_FAILURE(EXPECT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS(rec_), "tlb-conflict");
#endif
}

TEST_F(S2ptPtx, CollapsingPagesBackIntoABlock) {
  ASSERT_EQ(s2pt_map(&pgt_, 0, k2M, kOut, kRw), 0);
  ASSERT_EQ(s2pt_split_block(&pgt_, 0), 0);
  ASSERT_EQ(s2pt_collapse(&pgt_, 0), 0);
#ifndef S2PT_BUG_SPLIT_LINK_FIRST
  EXPECT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS(rec_);
#else
  EXPECT_NONFATAL_FAILURE(EXPECT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS(rec_), "tlb-conflict");
#endif
}

TEST_F(S2ptPtx, UnmappingAndMappingAgain) {
  ASSERT_EQ(s2pt_map(&pgt_, k2M, k2M, kOut + k4K, kRw), 0);  // 512 pages in one L3 table
  ASSERT_EQ(s2pt_unmap(&pgt_, k2M, k2M), 0);                // the table page is freed
  ASSERT_EQ(s2pt_map(&pgt_, 5 * k2M, k4K, kOut + 64 * k2M, kRw), 0);  // and handed out again
#ifndef S2PT_BUG_DIRTY_REUSE
  EXPECT_TRANSACTIONAL(rec_);
#else
  EXPECT_NONFATAL_FAILURE(EXPECT_TRANSACTIONAL(rec_), "wrong-translation");
#endif
}

TEST_F(S2ptPtx, RemappingALivePageWithBreakBeforeMake) {
  ASSERT_EQ(s2pt_map(&pgt_, 0x3000, k4K, kOut, S2PT_PROT_R), 0);
  ASSERT_EQ(s2pt_map(&pgt_, 0x3000, k4K, kOut + 0x100000, kRw), 0);  // new address and permissions
#ifndef S2PT_BUG_TWO_STEP_UPDATE
  EXPECT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS(rec_);  // the break is a transient fault
#else
  EXPECT_NONFATAL_FAILURE(EXPECT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS(rec_), "wrong-translation");
#endif
}

// Thread schedules (expect/explore_schedules.h): two vCPUs map pages of one fresh 2 MiB range at
// once, so both walk to the same missing tables. Each schedule builds a fresh table on its own
// recorder (setup), then runs the two s2pt_map calls one step at a time: the threads switch at
// every hook call, and the recorder's lock is s2pt's lock. Every schedule must be transactional.
class S2ptSchedules : public testing::Test {
 protected:
  // s2pt takes no memory of its own (its tables are pool_), so a schedule's table is dropped by
  // starting a new one; s2pt_destroy would call the hooks of the last schedule's recorder.
  void setup(ptx::Recorder& rec) {
    pgt_ = s2pt{};
    pool_.assign(kPages * S2PT_PAGE_SIZE / 8, 0);
    hooks_ = RecorderHooks(&rec);
    rec.init(kPaBase, kPages * S2PT_PAGE_SIZE);
    ASSERT_EQ(s2pt_init(&pgt_, pool_.data(), kPages, kPaBase, &hooks_, kVmid), 0);
    rec.root(s2pt_root_pa(&pgt_), ptx::Stage::k2, kVmid);
  }

  std::vector<uint64_t> pool_;
  s2pt_hooks hooks_{};
  s2pt pgt_{};
};

TEST_F(S2ptSchedules, TwoVcpusMappingOneFreshRangeInEverySchedule) {
  ptx::ScheduleExploreOptions o;
  o.strategy = ptx::ScheduleExploreOptions::Strategy::kBounded;  // every schedule with <= 2 preemptions
  o.preemptions = 2;
  o.setup = [this](ptx::Recorder& rec) { setup(rec); };
  const ptx::ScheduleExploreResult r = ptx::explore_schedules(
      {[this](ptx::Recorder&) { EXPECT_EQ(s2pt_map(&pgt_, 7 * k2M, k4K, kOut, kRw), 0); },
       [this](ptx::Recorder&) { EXPECT_EQ(s2pt_map(&pgt_, 7 * k2M + k4K, k4K, kOut + k4K, kRw), 0); }},
      o);
  EXPECT_TRUE(r.ok()) << r.message << r.status.to_string();
  EXPECT_GT(r.schedules, 1u);
}

}  // namespace
