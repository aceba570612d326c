// SPDX-License-Identifier: BSD-2-Clause
// Every NptError path of Stage2Engine::set_npt / clear_npt / open_section, each checked to leave the engine
// exactly as it was (npt_error.h): bump pointers, parent records, tstate, the pt_updates buffer,
// completed-section counts, every entry of every allocated table page (and the first free page
// of each pool) and the walks of the IPAs involved. Pool exhaustion additionally sets halted(),
// and nothing else; after it every op is refused with kHalted.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pagetable/constants.h"
#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "pagetable/npt_error.h"
#include "tests/support/spec_model.h"

namespace ptx {
namespace {

// ---- SPEC §2, independently (tests/spec_model.h) ------------------------------------------
using namespace ptx::spec;
constexpr uint64_t Page(uint64_t n) { return (0x40000000ULL + n * kPage) | 0x4C3; }
constexpr uint64_t Block(uint64_t n) { return (0x80000000ULL + n * 0x200000) | 0x4C1; }

// ---- Observable state ----------------------------------------------------------------------------

struct VmState {
  uint64_t pgd_next = 0, pud_next = 0, pmd_next = 0;
  std::vector<uint64_t> parents;  // parent_of(page) for every pool page [pgd_start, pool_end)
  int tstate = 0;
  std::vector<Update> pending;
  uint64_t completed = 0;
  // Every entry of the root page, of every allocated page and of the first free page of each
  // pool (a partial allocation would have written there), read at the level of its pool.
  std::vector<uint64_t> memory;
  std::vector<uint64_t> walks;  // per probe IPA: pt_map, get_npt_level, steps, path entries/values
  bool lnpt_ok = false;

  bool operator==(const VmState&) const = default;
};

struct EngineState {
  bool halted = false;
  std::vector<VmState> vms;
};

void ReadPages(const Stage2Engine& e, uint32_t vm, int level, uint64_t lo, uint64_t hi,
               std::vector<uint64_t>* out) {
  for (uint64_t p = lo; p < hi; p += kPage) {
    for (uint64_t a = p; a < p + kPage; a += 8) out->push_back(e.read_entry(vm, level, a));
  }
}

// Must run on a thread that holds vm's lock or when no other thread does (introspection locks).
VmState SnapshotVm(const Stage2Engine& e, uint32_t vm, const std::vector<uint64_t>& probes) {
  VmState s;
  s.pgd_next = e.pt_pgd_next(vm);
  s.pud_next = e.pt_pud_next(vm);
  s.pmd_next = e.pt_pmd_next(vm);
  s.parents.reserve((SPoolEnd(vm) - SPgdStart(vm)) / kPage);
  for (uint64_t p = SPgdStart(vm); p < SPoolEnd(vm); p += kPage) s.parents.push_back(e.parent_of(vm, p));
  s.tstate = e.tstate(vm);
  s.pending = e.pending_updates(vm);
  s.completed = e.sections_completed(vm);
  ReadPages(e, vm, 0, SPoolStart(vm), SPgdStart(vm), &s.memory);
  ReadPages(e, vm, 1, SPgdStart(vm), std::min(s.pgd_next + kPage, SPudStart(vm)), &s.memory);
  ReadPages(e, vm, 2, SPudStart(vm), std::min(s.pud_next + kPage, SPmdStart(vm)), &s.memory);
  ReadPages(e, vm, 3, SPmdStart(vm), std::min(s.pmd_next + kPage, SPoolEnd(vm)), &s.memory);
  for (uint64_t ipa : probes) {
    if (ipa >= (uint64_t{1} << 48)) continue;  // pt_map requires valid_addr
    const WalkResult r = e.walk(vm, ipa);
    s.walks.push_back(e.pt_map(vm, ipa));
    s.walks.push_back(static_cast<uint64_t>(e.get_npt_level(vm, ipa)));
    s.walks.push_back(static_cast<uint64_t>(r.steps));
    for (int l = 0; l < r.steps; ++l) {
      s.walks.push_back(r.path[l].entry);
      s.walks.push_back(r.path[l].value);
    }
  }
  s.lnpt_ok = e.check_valid_lnpt(vm).ok();
  return s;
}

EngineState Snapshot(const Stage2Engine& e, const std::vector<uint64_t>& probes,
                     const std::set<uint32_t>& skip = {}) {
  EngineState s;
  s.halted = e.halted();
  s.vms.resize(kVmCount);
  for (uint32_t vm = 0; vm < kVmCount; ++vm) {
    if (!skip.count(vm)) s.vms[vm] = SnapshotVm(e, vm, probes);
  }
  return s;
}

void ExpectSameVm(const VmState& a, const VmState& b, uint32_t vm) {
  EXPECT_EQ(a.pgd_next, b.pgd_next) << "vm " << vm;
  EXPECT_EQ(a.pud_next, b.pud_next) << "vm " << vm;
  EXPECT_EQ(a.pmd_next, b.pmd_next) << "vm " << vm;
  EXPECT_TRUE(a.parents == b.parents) << "parent records differ, vm " << vm;
  EXPECT_EQ(a.tstate, b.tstate) << "vm " << vm;
  EXPECT_EQ(a.pending, b.pending) << "vm " << vm;
  EXPECT_EQ(a.completed, b.completed) << "vm " << vm;
  EXPECT_TRUE(a.memory == b.memory) << "table memory differs, vm " << vm;
  EXPECT_EQ(a.walks, b.walks) << "walks differ, vm " << vm;
  EXPECT_TRUE(b.lnpt_ok) << "vm " << vm;
}

void ExpectSame(const EngineState& a, const EngineState& b) {
  EXPECT_EQ(a.halted, b.halted);
  for (uint32_t vm = 0; vm < kVmCount; ++vm) ExpectSameVm(a.vms[vm], b.vms[vm], vm);
}

// ---- Fixture: some content on VMs 4 and 9 --------------------------------------------------------

constexpr uint32_t kVm = 4;
constexpr uint64_t kX3 = SIpa(1, 2, 3, 4);   // a level-3 page: its 2 MiB region has a table
constexpr uint64_t kX2 = SIpa(1, 2, 5, 0);   // a 2 MiB block
constexpr uint64_t kFresh = SIpa(7, 8, 9, 10);  // nothing mapped under its root entry

class ErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override { Populate(e_); }

  static void Populate(Stage2Engine& e) {
    Map(e, kVm, kX3, 3, Page(1));
    Map(e, kVm, kX2, 2, Block(1));
    Map(e, 9, kX3, 3, Page(2));
  }
  static void Map(Stage2Engine& e, uint32_t vm, uint64_t ipa, int level, uint64_t desc) {
    CriticalSection cs;
    ASSERT_EQ(e.open_section(vm, &cs), NptError::kOk);
    ASSERT_EQ(cs.set_npt(ipa, level, desc), NptError::kOk);
  }

  std::vector<uint64_t> probes_ = {kX3, kX3 + kPage, kX2, kX2 + 77 * kPage, kFresh,
                                   SIpa(1, 2, 3, 0), SIpa(1, 2, 6, 0), SIpa(511, 511, 511, 511)};
  Stage2Engine e_;
};

// Runs `call` inside an open section of kVm (after `setup` ops in the same section), expecting
// `want`, and checks nothing observable changed; then checks the section can still make a
// leaf write when it had none (an error does not consume tstate).
template <class Call>
void ExpectRefusedInSection(Stage2Engine& e, const std::vector<uint64_t>& probes, NptError want,
                            Call call) {
  CriticalSection cs;
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  const EngineState before = Snapshot(e, probes);
  EXPECT_EQ(call(cs), want) << npt_error_name(want);
  const EngineState after = Snapshot(e, probes);
  ExpectSame(before, after);
  if (e.tstate(kVm) == 0) {
    EXPECT_EQ(cs.set_npt(SIpa(1, 2, 3, 100), 3, Page(100)), NptError::kOk);
  }
}

TEST_F(ErrorsTest, InvalidVmid) {
  for (uint32_t bad : {17u, 18u, 255u, 0xFFFFFFFFu}) {
    ExpectRefusedInSection(e_, probes_, NptError::kInvalidVmid, [&](CriticalSection&) {
      return e_.set_npt(bad, kFresh, 3, Page(3));
    });
  }
  const EngineState before = Snapshot(e_, probes_);
  CriticalSection cs;
  EXPECT_EQ(e_.open_section(17, &cs), NptError::kInvalidVmid);
  EXPECT_FALSE(cs.is_open());
  EXPECT_EQ(e_.open_section(0xFFFFFFFFu, &cs), NptError::kInvalidVmid);
  EXPECT_FALSE(cs.is_open());
  ExpectSame(before, Snapshot(e_, probes_));
}

TEST_F(ErrorsTest, InvalidIpa) {
  for (uint64_t bad : {uint64_t{1} << 48, (uint64_t{1} << 48) + kX3, ~uint64_t{0}, uint64_t{1} << 63}) {
    for (int level : {2, 3}) {
      ExpectRefusedInSection(e_, probes_, NptError::kInvalidIpa, [&](CriticalSection& cs) {
        return cs.set_npt(bad, level, level == 2 ? Block(5) : Page(5));
      });
    }
  }
}

TEST_F(ErrorsTest, InvalidLevel) {
  for (int bad : {-1, 0, 1, 4, 5, 100}) {
    for (uint64_t ipa : {kFresh, kX3, kX2}) {
      ExpectRefusedInSection(e_, probes_, NptError::kInvalidLevel, [&](CriticalSection& cs) {
        return cs.set_npt(ipa, bad, Page(6));
      });
    }
  }
}

TEST_F(ErrorsTest, ZeroDescriptor) {
  for (int level : {2, 3}) {
    for (uint64_t ipa : {kFresh, kX3, kX2}) {
      ExpectRefusedInSection(e_, probes_, NptError::kZeroDescriptor, [&](CriticalSection& cs) {
        return cs.set_npt(ipa, level, 0);
      });
    }
  }
}

TEST_F(ErrorsTest, TableDescriptorAtLevel2) {
  for (uint64_t desc : {uint64_t{3}, uint64_t{0x80000003}, uint64_t{0xFFF}, ~uint64_t{0}}) {
    for (uint64_t ipa : {kFresh, kX2, SIpa(1, 2, 6, 0)}) {
      ExpectRefusedInSection(e_, probes_, NptError::kTableDescriptorAtLevel2,
                             [&](CriticalSection& cs) { return cs.set_npt(ipa, 2, desc); });
    }
  }
  // At level 3 the same low bits are an ordinary page descriptor.
  CriticalSection cs;
  ASSERT_EQ(e_.open_section(kVm, &cs), NptError::kOk);
  EXPECT_EQ(cs.set_npt(kFresh, 3, 0x80000003), NptError::kOk);
}

TEST_F(ErrorsTest, Level2OverExistingTable) {
  for (uint64_t ipa : {kX3, SIpa(1, 2, 3, 0), SIpa(1, 2, 3, 511, 0xFFF)}) {
    ExpectRefusedInSection(e_, probes_, NptError::kLevel2OverTable, [&](CriticalSection& cs) {
      return cs.set_npt(ipa, 2, Block(7));
    });
  }
  EXPECT_EQ(e_.pt_map(kVm, kX3), Page(1));
}

TEST_F(ErrorsTest, Level3UnderBlock) {
  for (uint64_t ipa : {kX2, kX2 + kPage, SIpa(1, 2, 5, 511, 0xFFF)}) {
    ExpectRefusedInSection(e_, probes_, NptError::kMapUnderBlock, [&](CriticalSection& cs) {
      return cs.set_npt(ipa, 3, Page(8));
    });
  }
  EXPECT_EQ(e_.pt_map(kVm, kX2 + kPage), Block(1));
  EXPECT_EQ(e_.pt_pmd_next(kVm), SPmdStart(kVm) + kPage);  // no level-3 table was taken
}

TEST_F(ErrorsTest, SecondLeafWriteInOneSekvmSection) {
  CriticalSection cs;
  ASSERT_EQ(e_.open_section(kVm, &cs), NptError::kOk);
  ASSERT_EQ(cs.set_npt(SIpa(3, 0, 0, 0), 3, Page(9)), NptError::kOk);  // allocates PGD PUD PMD
  ASSERT_EQ(e_.tstate(kVm), 1);
  const EngineState before = Snapshot(e_, probes_);
  ASSERT_EQ(before.vms[kVm].pending.size(), 4u);
  // A remap of an existing leaf, a map needing new tables (no allocation may happen), a block.
  EXPECT_EQ(cs.set_npt(kX3, 3, Page(10)), NptError::kSecondLeafWrite);
  EXPECT_EQ(cs.set_npt(kFresh, 3, Page(11)), NptError::kSecondLeafWrite);
  EXPECT_EQ(cs.set_npt(kFresh, 2, Block(11)), NptError::kSecondLeafWrite);
  EXPECT_EQ(cs.set_npt(SIpa(3, 0, 0, 1), 3, Page(12)), NptError::kSecondLeafWrite);
  ExpectSame(before, Snapshot(e_, probes_));
  // The next section may write again.
  cs.close();
  ASSERT_EQ(e_.open_section(kVm, &cs), NptError::kOk);
  EXPECT_EQ(cs.set_npt(SIpa(3, 0, 0, 1), 3, Page(12)), NptError::kOk);
}

TEST_F(ErrorsTest, LockNotHeldWithoutAnySection) {
  const EngineState before = Snapshot(e_, probes_);
  EXPECT_EQ(e_.set_npt(kVm, kFresh, 3, Page(13)), NptError::kLockNotHeld);
  EXPECT_EQ(e_.set_npt(kVm, kX3, 3, Page(13)), NptError::kLockNotHeld);
  EXPECT_EQ(e_.set_npt(0, kFresh, 2, Block(13)), NptError::kLockNotHeld);
  CriticalSection closed;
  EXPECT_EQ(closed.set_npt(kFresh, 3, Page(13)), NptError::kLockNotHeld);
  ExpectSame(before, Snapshot(e_, probes_));
}

TEST_F(ErrorsTest, LockNotHeldWithAnotherVmsSectionOpen) {
  CriticalSection cs9;
  ASSERT_EQ(e_.open_section(9, &cs9), NptError::kOk);
  const EngineState before = Snapshot(e_, probes_);
  EXPECT_EQ(e_.set_npt(kVm, kFresh, 3, Page(14)), NptError::kLockNotHeld);
  EXPECT_EQ(e_.set_npt(kVm, kX3, 3, Page(14)), NptError::kLockNotHeld);
  ExpectSame(before, Snapshot(e_, probes_));
  EXPECT_EQ(e_.set_npt(9, kFresh, 3, Page(14)), NptError::kOk);  // the held VM is fine
}

TEST_F(ErrorsTest, LockNotHeldWhileAnotherThreadHoldsTheVm) {
  std::promise<void> opened, attempted;
  std::future<void> attempted_f = attempted.get_future();
  std::future<void> opened_f = opened.get_future();
  EngineState before, after;
  std::thread holder([&] {
    CriticalSection cs;
    ASSERT_EQ(e_.open_section(kVm, &cs), NptError::kOk);
    // One ok op so that tstate and the buffer are non-trivial.
    ASSERT_EQ(cs.set_npt(SIpa(2, 0, 0, 0), 3, Page(15)), NptError::kOk);
    before = Snapshot(e_, probes_);  // this thread holds kVm: introspection does not block
    opened.set_value();
    attempted_f.wait();
    after = Snapshot(e_, probes_);
  });
  opened_f.wait();
  // This thread does not hold kVm's lock. (Snapshotting kVm here would block on that lock;
  // the holder does it.)
  EXPECT_EQ(e_.set_npt(kVm, kFresh, 3, Page(16)), NptError::kLockNotHeld);
  EXPECT_EQ(e_.set_npt(kVm, SIpa(2, 0, 0, 1), 3, Page(16)), NptError::kLockNotHeld);
  EXPECT_EQ(e_.set_npt(kVm, kX2, 2, Block(16)), NptError::kLockNotHeld);
  attempted.set_value();
  holder.join();
  ASSERT_EQ(before.vms.size(), kVmCount);
  ASSERT_EQ(before.vms[kVm].pending.size(), 4u);
  ASSERT_EQ(before.vms[kVm].tstate, 1);
  ExpectSame(before, after);
}

// clear_npt refusals: nothing mapped (at every depth the walk can stop), under a block, the
// static rules, a second leaf op; apply() of an unmap with a descriptor.
TEST_F(ErrorsTest, ClearNptNotMapped) {
  for (const std::pair<uint64_t, int>& op : std::vector<std::pair<uint64_t, int>>{
           {kFresh, 3}, {kFresh, 2}, {SIpa(1, 2, 3, 5), 3}, {SIpa(1, 2, 6, 0), 2}, {SIpa(1, 2, 6, 0), 3},
           {SIpa(1, 9, 0, 0), 2}}) {
    ExpectRefusedInSection(e_, probes_, NptError::kNotMapped,
                           [&](CriticalSection& cs) { return cs.clear_npt(op.first, op.second); });
  }
  // A level-3 table that maps none of its range: the level-2 unmap has nothing to clear.
  Map(e_, kVm, SIpa(2, 0, 0, 0), 3, Page(20));
  CriticalSection cs;
  ASSERT_EQ(e_.open_section(kVm, &cs), NptError::kOk);
  ASSERT_EQ(cs.clear_npt(SIpa(2, 0, 0, 0), 3), NptError::kOk);
  cs.close();
  ExpectRefusedInSection(e_, probes_, NptError::kNotMapped,
                         [&](CriticalSection& c) { return c.clear_npt(SIpa(2, 0, 0, 0), 2); });
}

TEST_F(ErrorsTest, ClearNptStaticRulesUnderBlockAndSecondLeafOp) {
  ExpectRefusedInSection(e_, probes_, NptError::kUnmapUnderBlock,
                         [&](CriticalSection& cs) { return cs.clear_npt(kX2 + kPage, 3); });
  ExpectRefusedInSection(e_, probes_, NptError::kInvalidVmid,
                         [&](CriticalSection&) { return e_.clear_npt(17, kX3, 3); });
  ExpectRefusedInSection(e_, probes_, NptError::kInvalidIpa,
                         [&](CriticalSection& cs) { return cs.clear_npt(uint64_t{1} << 48, 3); });
  for (int bad : {0, 1, 4}) {
    ExpectRefusedInSection(e_, probes_, NptError::kInvalidLevel,
                           [&](CriticalSection& cs) { return cs.clear_npt(kX3, bad); });
  }
  ExpectRefusedInSection(e_, probes_, NptError::kUnmapDescriptor, [&](CriticalSection& cs) {
    return cs.apply(MapOp{kX3, 3, Page(1), OpKind::kUnmap});
  });
  const EngineState before = Snapshot(e_, probes_);
  EXPECT_EQ(e_.clear_npt(kVm, kX3, 3), NptError::kLockNotHeld);
  CriticalSection closed;
  EXPECT_EQ(closed.clear_npt(kX3, 3), NptError::kLockNotHeld);
  EXPECT_EQ(closed.apply(MapOp{kX3, 3, 1, OpKind::kUnmap}), NptError::kLockNotHeld);
  ExpectSame(before, Snapshot(e_, probes_));
  CriticalSection cs;  // after a leaf op, an unmap is a second one
  ASSERT_EQ(e_.open_section(kVm, &cs), NptError::kOk);
  ASSERT_EQ(cs.set_npt(kFresh, 3, Page(21)), NptError::kOk);
  const EngineState mapped = Snapshot(e_, probes_);
  EXPECT_EQ(cs.clear_npt(kX3, 3), NptError::kSecondLeafWrite);
  ExpectSame(mapped, Snapshot(e_, probes_));
}

TEST(BatchedErrorsTest, RefusalKeepsTheSectionsEarlierWrites) {
  Stage2Engine e(SectionPolicy::kBatched);
  const std::vector<uint64_t> probes = {kX3, kX2, kFresh, kX2 + kPage};
  CriticalSection cs;
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  ASSERT_EQ(cs.set_npt(kX3, 3, Page(1)), NptError::kOk);
  ASSERT_EQ(cs.set_npt(kX2, 2, Block(1)), NptError::kOk);
  const EngineState before = Snapshot(e, probes);
  ASSERT_EQ(before.vms[kVm].pending.size(), 5u);
  EXPECT_EQ(cs.set_npt(kX2 + kPage, 3, Page(2)), NptError::kMapUnderBlock);
  EXPECT_EQ(cs.set_npt(kX3, 2, Block(2)), NptError::kLevel2OverTable);
  EXPECT_EQ(cs.set_npt(kFresh, 2, Block(2) | 3), NptError::kTableDescriptorAtLevel2);
  EXPECT_EQ(cs.set_npt(kFresh, 3, 0), NptError::kZeroDescriptor);
  EXPECT_EQ(cs.set_npt(kFresh, 1, Page(2)), NptError::kInvalidLevel);
  EXPECT_EQ(cs.set_npt(uint64_t{1} << 48, 3, Page(2)), NptError::kInvalidIpa);
  ExpectSame(before, Snapshot(e, probes));
  const Section s = cs.close();
  EXPECT_EQ(s.ops.size(), 2u);
  EXPECT_EQ(s.updates, before.vms[kVm].pending);
}

// ---- Pool exhaustion -----------------------------------------------------------------------------

// After a halt: every op is refused with kHalted and changes nothing; sections opened before
// the halt can still be closed.
void ExpectHaltedForever(Stage2Engine& e, CriticalSection& open_cs, CriticalSection& other_vm_cs,
                         const std::vector<uint64_t>& probes) {
  ASSERT_TRUE(e.halted());
  const EngineState before = Snapshot(e, probes);
  EXPECT_EQ(open_cs.set_npt(kX3, 3, Page(77)), NptError::kHalted);       // no allocation needed
  EXPECT_EQ(open_cs.set_npt(SIpa(300, 0, 0, 0), 3, Page(77)), NptError::kHalted);
  EXPECT_EQ(other_vm_cs.set_npt(kX3, 3, Page(78)), NptError::kHalted);   // another VM
  EXPECT_EQ(e.set_npt(3, kX3, 3, Page(79)), NptError::kHalted);
  CriticalSection cs;
  EXPECT_EQ(e.open_section(3, &cs), NptError::kHalted);
  EXPECT_FALSE(cs.is_open());
  ExpectSame(before, Snapshot(e, probes));
  const uint64_t done = e.sections_completed(open_cs.vmid());
  open_cs.close();
  EXPECT_EQ(e.sections_completed(open_cs.vmid()), done + 1);
  EXPECT_EQ(e.open_section(kVm, &cs), NptError::kHalted);
  EXPECT_FALSE(cs.is_open());
  EXPECT_TRUE(e.halted());
}

// 256 level-1 pages: 256 distinct pgd indexes; the 257th is refused.
TEST(ExhaustionTest, Level1PoolUnderSekvmSections) {
  Stage2Engine e;
  for (uint64_t i = 0; i < 256; ++i) {
    CriticalSection cs;
    ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
    ASSERT_EQ(cs.set_npt(SIpa(i, i, 0, 0), 2, Block(i)), NptError::kOk) << i;
  }
  ASSERT_EQ(e.pt_pgd_next(kVm), SPudStart(kVm));  // the pool is exactly full
  ASSERT_TRUE(e.check_valid_lnpt(kVm).ok());
  ASSERT_FALSE(e.halted());
  const uint64_t next_pgd = 256;
  const std::vector<uint64_t> probes = {SIpa(next_pgd, 0, 0, 0), SIpa(0, 0, 0, 0), SIpa(255, 255, 0, 9)};

  CriticalSection cs2, cs;
  ASSERT_EQ(e.open_section(2, &cs2), NptError::kOk);
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  // A map that needs no level-1 page still works in a full level-1 pool.
  ASSERT_EQ(cs.set_npt(SIpa(5, 6, 7, 8), 3, Page(1)), NptError::kOk);
  cs.close();
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  EngineState before = Snapshot(e, probes);
  EXPECT_EQ(cs.set_npt(SIpa(next_pgd, 0, 0, 0), 3, Page(2)), NptError::kPoolExhausted);
  EXPECT_TRUE(e.halted());
  EngineState after = Snapshot(e, probes);
  EXPECT_TRUE(after.halted);
  before.halted = true;  // the only change
  ExpectSame(before, after);
  EXPECT_EQ(e.read_entry(kVm, 0, SPoolStart(kVm) + next_pgd * 8), 0u);
  ExpectHaltedForever(e, cs, cs2, probes);
}

// 2048 level-2 pages: 4 pgd x 512 pud indexes. The exhausting op would first take a free level-1
// page (the level-1 pool is not full): it must not.
TEST(ExhaustionTest, Level2PoolLeavesNoPartialLevel1Allocation) {
  Stage2Engine e(SectionPolicy::kBatched);
  CriticalSection cs2, cs;
  ASSERT_EQ(e.open_section(2, &cs2), NptError::kOk);
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  for (uint64_t i = 0; i < 2048; ++i) {
    ASSERT_EQ(cs.set_npt(SIpa(i / 512, i % 512, i % 7, 0), 2, Block(i)), NptError::kOk) << i;
    if (i % 512 == 511) {  // several sections, the last one stays open
      cs.close();
      ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
    }
  }
  ASSERT_EQ(cs.set_npt(SIpa(0, 0, 100, 0), 3, Page(1)), NptError::kOk);  // pending non-empty
  ASSERT_EQ(e.pt_pud_next(kVm), SPmdStart(kVm));
  ASSERT_EQ(e.pt_pgd_next(kVm), SPgdStart(kVm) + 4 * kPage);
  ASSERT_TRUE(e.check_valid_lnpt(kVm).ok());
  const std::vector<uint64_t> probes = {SIpa(4, 0, 0, 0), SIpa(3, 511, 3, 0), SIpa(0, 0, 100, 0)};
  EngineState before = Snapshot(e, probes);
  ASSERT_EQ(before.vms[kVm].pending.size(), 2u);  // PMD PTE of the level-3 map
  EXPECT_EQ(cs.set_npt(SIpa(4, 0, 0, 0), 3, Page(2)), NptError::kPoolExhausted);
  EXPECT_TRUE(e.halted());
  EXPECT_EQ(e.pt_pgd_next(kVm), SPgdStart(kVm) + 4 * kPage);  // no level-1 page taken
  EXPECT_EQ(e.read_entry(kVm, 0, SPoolStart(kVm) + 4 * 8), 0u);
  EXPECT_EQ(e.parent_of(kVm, SPgdStart(kVm) + 4 * kPage), 0u);
  before.halted = true;
  ExpectSame(before, Snapshot(e, probes));
  ExpectHaltedForever(e, cs, cs2, probes);
}

// 5887 level-3 pages: one per 2 MiB region. With the level-3 pool full, a level-2 map (which
// needs no level-3 page) still works; the exhausting level-3 op would take a level-1 and a
// level-2 page before finding the level-3 pool empty: it must take neither.
TEST(ExhaustionTest, Level3PoolLeavesNoPartialAllocation) {
  Stage2Engine e(SectionPolicy::kBatched);
  CriticalSection cs2, cs;
  ASSERT_EQ(e.open_section(2, &cs2), NptError::kOk);
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  for (uint64_t k = 0; k < 5887; ++k) {
    ASSERT_EQ(cs.set_npt(SIpa(0, k / 512, k % 512, k % 512), 3, Page(k)), NptError::kOk) << k;
    if (k % 1000 == 999) {
      cs.close();
      ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
    }
  }
  ASSERT_EQ(e.pt_pmd_next(kVm), SPoolEnd(kVm));
  ASSERT_EQ(e.pt_pud_next(kVm), SPudStart(kVm) + 12 * kPage);
  ASSERT_EQ(e.pt_pgd_next(kVm), SPgdStart(kVm) + 1 * kPage);
  ASSERT_EQ(cs.set_npt(SIpa(1, 0, 0, 0), 2, Block(1)), NptError::kOk);  // PGD PUD PMD
  ASSERT_FALSE(e.halted());
  ASSERT_TRUE(e.check_valid_lnpt(kVm).ok());
  const std::vector<uint64_t> probes = {SIpa(2, 0, 0, 0), SIpa(1, 0, 0, 0), SIpa(0, 11, 250, 250),
                                        SIpa(0, 11, 255, 0), SIpa(1, 0, 1, 0)};
  EngineState before = Snapshot(e, probes);
  // A new region under an existing level-2 table: only a level-3 page is needed.
  EXPECT_EQ(cs.set_npt(SIpa(0, 11, 255, 0), 3, Page(9000)), NptError::kPoolExhausted);
  EXPECT_TRUE(e.halted());
  before.halted = true;
  ExpectSame(before, Snapshot(e, probes));
  ExpectHaltedForever(e, cs, cs2, probes);
}

TEST(ExhaustionTest, Level3PoolExhaustingOpTakesNoLevel1OrLevel2Page) {
  Stage2Engine e(SectionPolicy::kBatched);
  CriticalSection cs2, cs;
  ASSERT_EQ(e.open_section(2, &cs2), NptError::kOk);
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  for (uint64_t k = 0; k < 5887; ++k) {
    ASSERT_EQ(cs.set_npt(SIpa(0, k / 512, k % 512, 0), 3, Page(k)), NptError::kOk) << k;
  }
  cs.close();
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  const std::vector<uint64_t> probes = {SIpa(2, 0, 0, 0), SIpa(0, 11, 254, 0)};
  EngineState before = Snapshot(e, probes);
  EXPECT_EQ(cs.set_npt(SIpa(2, 0, 0, 0), 3, Page(9001)), NptError::kPoolExhausted);
  EXPECT_EQ(e.pt_pgd_next(kVm), SPgdStart(kVm) + kPage);
  EXPECT_EQ(e.pt_pud_next(kVm), SPudStart(kVm) + 12 * kPage);
  EXPECT_EQ(e.read_entry(kVm, 0, SPoolStart(kVm) + 2 * 8), 0u);
  before.halted = true;
  ExpectSame(before, Snapshot(e, probes));
  ExpectHaltedForever(e, cs, cs2, probes);
}

// An open_section that is waiting for a VM's lock when the machine halts opens its section after
// the halt, so it is refused (kHalted, guard left closed) once it gets the lock.
TEST(ExhaustionTest, OpenSectionWaitingForTheLockDuringTheHaltIsRefused) {
  Stage2Engine e(SectionPolicy::kBatched);
  CriticalSection cs;
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  for (uint64_t i = 0; i < 256; ++i) ASSERT_EQ(cs.set_npt(SIpa(i, 0, 0, 0), 2, Block(i)), NptError::kOk);

  std::promise<void> holder_opened, release_holder;
  std::future<void> holder_opened_f = holder_opened.get_future();
  std::future<void> release_f = release_holder.get_future();
  std::thread holder([&] {
    CriticalSection h;
    ASSERT_EQ(e.open_section(2, &h), NptError::kOk);
    holder_opened.set_value();
    release_f.wait();
  });
  holder_opened_f.wait();
  std::atomic<int> waiter_result{-1};
  std::atomic<bool> waiter_open{false};
  std::thread waiter([&] {
    CriticalSection w;
    const NptError r = e.open_section(2, &w);  // blocks on VM 2's lock
    waiter_open = w.is_open();
    waiter_result = static_cast<int>(r);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(waiter_result.load(), -1);  // still waiting
  EXPECT_EQ(cs.set_npt(SIpa(256, 0, 0, 0), 2, Block(1)), NptError::kPoolExhausted);
  ASSERT_TRUE(e.halted());
  release_holder.set_value();
  holder.join();
  waiter.join();
  EXPECT_EQ(waiter_result.load(), static_cast<int>(NptError::kHalted));
  EXPECT_FALSE(waiter_open.load());
  EXPECT_EQ(e.sections_completed(2), 1u);  // the holder's section only
  EXPECT_TRUE(e.check_valid_lnpt(2).ok());
}

// ---- Names -------------------------------------------------------------------------------------

TEST(NptErrorTest, NamesAndRulesAreNonEmptyAndDistinct) {
  const NptError all[] = {NptError::kOk,
                          NptError::kInvalidVmid,
                          NptError::kInvalidIpa,
                          NptError::kInvalidLevel,
                          NptError::kZeroDescriptor,
                          NptError::kTableDescriptorAtLevel2,
                          NptError::kLevel2OverTable,
                          NptError::kMapUnderBlock,
                          NptError::kSecondLeafWrite,
                          NptError::kLockNotHeld,
                          NptError::kPoolExhausted,
                          NptError::kHalted,
                          NptError::kUnalignedIpa,
                          NptError::kNotMapped,
                          NptError::kUnmapUnderBlock,
                          NptError::kUnmapDescriptor};
  std::set<std::string> names, rules;
  for (NptError e : all) {
    EXPECT_FALSE(npt_error_name(e).empty()) << static_cast<int>(e);
    EXPECT_FALSE(npt_error_rule(e).empty()) << static_cast<int>(e);
    names.emplace(npt_error_name(e));
    rules.emplace(npt_error_rule(e));
  }
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_EQ(rules.size(), std::size(all));
  EXPECT_EQ(npt_error_name(NptError::kOk), "ok");
  EXPECT_EQ(npt_error_name(NptError::kInvalidVmid), "invalid-vmid");
}

}  // namespace
}  // namespace ptx
