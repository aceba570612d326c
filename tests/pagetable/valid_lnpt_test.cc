// SPDX-License-Identifier: BSD-2-Clause
// Coq `valid_lnpt` (SPEC §5) as an invariant of the engine: it holds after each of >= 100,000
// random set_npt calls (fixed seed) over several VMs, both section policies, with refused calls
// interleaved; a small reference model predicts each call's result and the op's mapping. Also:
// the engine's memory costs what it uses (RSS), not 17 x 32 MiB.
//
// There is no negative test of check_valid_lnpt: no sequence of API calls can corrupt the
// engine's tables (every refusal leaves the state unchanged, see pagetable_errors_test.cc), and
// there is no test hook to write raw memory.
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include "pagetable/constants.h"
#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "tests/support/sanitized.h"

namespace ptx {
namespace {

constexpr uint64_t SIpa(uint64_t pgd, uint64_t pud, uint64_t pmd, uint64_t pte, uint64_t off = 0) {
  return (pgd << 39) | (pud << 30) | (pmd << 21) | (pte << 12) | off;
}

// A reference model of one VM's mappings: which 2 MiB regions hold a block / a level-3 table,
// and what every mapped page / block maps to.
struct VmModel {
  enum Kind : uint8_t { kNone, kBlock, kTable };
  std::unordered_map<uint64_t, Kind> region;      // ipa >> 21
  std::unordered_map<uint64_t, uint64_t> block;   // ipa >> 21 -> block descriptor
  std::unordered_map<uint64_t, uint64_t> page;    // ipa >> 12 -> page descriptor

  // The refusal, checked in the order engine.h lists them: input errors, then the section's
  // leaf-write budget (`second_leaf`: sekvm policy with a leaf write already made), then the
  // table structure.
  NptError predict(uint64_t ipa, int level, uint64_t desc, bool second_leaf) const {
    if (ipa >= (uint64_t{1} << 48)) return NptError::kInvalidIpa;
    if (level != 2 && level != 3) return NptError::kInvalidLevel;
    if (desc == 0) return NptError::kZeroDescriptor;
    if (level == 2 && (desc & 3) == 3) return NptError::kTableDescriptorAtLevel2;
    if (second_leaf) return NptError::kSecondLeafWrite;
    const auto it = region.find(ipa >> 21);
    const Kind k = it == region.end() ? kNone : it->second;
    if (level == 3 && k == kBlock) return NptError::kMapUnderBlock;
    if (level == 2 && k == kTable) return NptError::kLevel2OverTable;
    return NptError::kOk;
  }
  void apply(uint64_t ipa, int level, uint64_t desc) {
    if (level == 2) {
      region[ipa >> 21] = kBlock;
      block[ipa >> 21] = desc;
    } else {
      region[ipa >> 21] = kTable;
      page[ipa >> 12] = desc;
    }
  }
  uint64_t pt_map(uint64_t ipa) const {
    const auto it = region.find(ipa >> 21);
    if (it == region.end()) return 0;
    if (it->second == kBlock) return block.at(ipa >> 21);
    const auto p = page.find(ipa >> 12);
    return p == page.end() ? 0 : p->second;
  }
};

struct Op {
  uint64_t ipa;
  int level;
  uint64_t desc;
};

// IPAs from a small pool of indexes so that few table pages are allocated: check_valid_lnpt
// scans every entry of the root, level-1 and level-2 pages (at most 1 + 2 + 4 here).
constexpr uint64_t kPgd[] = {0, 511};
constexpr uint64_t kPud[] = {0, 511};
constexpr uint64_t kPmd[] = {0, 1, 2, 3, 9, 100, 200, 300, 400, 509, 510, 511};

Op RandomOp(std::mt19937_64& rng) {
  Op op;
  op.ipa = SIpa(kPgd[rng() % std::size(kPgd)], kPud[rng() % std::size(kPud)],
                kPmd[rng() % std::size(kPmd)], rng() % 16, rng() % 4096);
  op.level = rng() % 3 == 0 ? 2 : 3;
  op.desc = (rng() & 0x0000FFFFFFFFF000ULL) | 0x400 | (rng() % 4);
  if (op.level == 2 && (op.desc & 3) == 3) op.desc &= ~uint64_t{1};  // a block, usually
  switch (rng() % 64) {  // occasional bad input
    case 0: op.ipa |= uint64_t{1} << (48 + rng() % 16); break;
    case 1: op.level = static_cast<int>(rng() % 6) - 1; break;  // may still be 2 or 3
    case 2: op.desc = 0; break;
    case 3: op.desc |= 3; break;  // a table descriptor: refused at level 2
    default: break;
  }
  return op;
}

void ExpectValid(const Stage2Engine& e, uint32_t vm, int64_t step) {
  const LnptReport r = e.check_valid_lnpt(vm);
  ASSERT_TRUE(r.ok()) << "step " << step << ": " << r.violations.front();
}

void RunRandomOps(SectionPolicy policy, uint64_t seed, int64_t total_ops) {
  Stage2Engine e(policy);
  const uint32_t vms[] = {0, 1, 7, 15, 16};
  std::unordered_map<uint32_t, VmModel> model;
  std::mt19937_64 rng(seed);
  int64_t done = 0, ok = 0, refused = 0;
  while (done < total_ops) {
    const uint32_t vm = vms[rng() % std::size(vms)];
    VmModel& m = model[vm];
    CriticalSection cs;
    ASSERT_EQ(e.open_section(vm, &cs), NptError::kOk);
    // sekvm: one op per section, sometimes a second (refused) one; batched: 1..8 ops.
    const int ops = policy == SectionPolicy::kBatched ? 1 + static_cast<int>(rng() % 8)
                                                      : (rng() % 8 == 0 ? 2 : 1);
    bool wrote = false;
    for (int i = 0; i < ops; ++i, ++done) {
      const Op op = RandomOp(rng);
      const NptError want =
          m.predict(op.ipa, op.level, op.desc, policy == SectionPolicy::kSekvm && wrote);
      const NptError got = cs.set_npt(op.ipa, op.level, op.desc);
      ASSERT_EQ(got, want) << "step " << done << " ipa " << std::hex << op.ipa << " level "
                           << std::dec << op.level << " desc " << std::hex << op.desc;
      if (got == NptError::kOk) {
        m.apply(op.ipa, op.level, op.desc);
        wrote = true;
        ++ok;
      } else {
        ++refused;
      }
      ASSERT_NO_FATAL_FAILURE(ExpectValid(e, vm, done));
      if (op.ipa < (uint64_t{1} << 48)) {
        ASSERT_EQ(e.pt_map(vm, op.ipa), m.pt_map(op.ipa)) << "step " << done;
      }
    }
    EXPECT_EQ(e.tstate(vm), wrote ? 1 : 0);
    cs.close();
    EXPECT_EQ(e.tstate(vm), 0);
    if (::testing::Test::HasFatalFailure()) return;
  }
  for (uint32_t vm : vms) ExpectValid(e, vm, done);
  // Each VM allocates at most one level-1 page per pgd index, one level-2 page per (pgd, pud)
  // and one level-3 page per 2 MiB region of the index pools.
  const uint64_t n1 = std::size(kPgd), n2 = n1 * std::size(kPud), n3 = n2 * std::size(kPmd);
  for (uint32_t vm : vms) {
    EXPECT_LE(e.pt_pgd_next(vm) - pgd_start(vm), n1 * PAGE_SIZE);
    EXPECT_LE(e.pt_pud_next(vm) - pud_start(vm), n2 * PAGE_SIZE);
    EXPECT_LE(e.pt_pmd_next(vm) - pmd_start(vm), n3 * PAGE_SIZE);
  }
  // The run exercised both outcomes substantially.
  EXPECT_GT(ok, total_ops / 4);
  EXPECT_GT(refused, total_ops / 50);
  ::testing::Test::RecordProperty("ok_ops", std::to_string(ok));
  ::testing::Test::RecordProperty("refused_ops", std::to_string(refused));
}

TEST(ValidLnptTest, HoldsAfterEachRandomOpSekvmPolicy) {
  RunRandomOps(SectionPolicy::kSekvm, 0x5EC0FFEE, test::sanitized_cases(50000));
}

TEST(ValidLnptTest, HoldsAfterEachRandomOpBatchedPolicy) {
  RunRandomOps(SectionPolicy::kBatched, 0xB47C4ED, test::sanitized_cases(50000));
}

TEST(ValidLnptTest, HoldsWithFullPools) {
  // The bump pointer may equal the pool's end.
  Stage2Engine e(SectionPolicy::kBatched);
  CriticalSection cs;
  ASSERT_EQ(e.open_section(3, &cs), NptError::kOk);
  for (uint64_t i = 0; i < 256; ++i) ASSERT_EQ(cs.set_npt(SIpa(i, 0, 0, 0), 2, 0x80000401), NptError::kOk);
  EXPECT_EQ(e.pt_pgd_next(3), pud_start(3));
  ExpectValid(e, 3, 0);
  EXPECT_EQ(cs.set_npt(SIpa(256, 0, 0, 0), 2, 0x80000401), NptError::kPoolExhausted);
  ExpectValid(e, 3, 1);
}

// ---- Memory ------------------------------------------------------------------------------------

uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

TEST(ValidLnptTest, SeventeenVmsCostWhatTheyUse) {
  const uint64_t before = ResidentBytes();
  ASSERT_GT(before, 0u);
  {
    Stage2Engine e;
    for (uint32_t vm = 0; vm < kVmCount; ++vm) {
      // 64 pages in 8 regions, 4 blocks, across 2 pgd indexes: ~20 table pages per VM.
      for (uint64_t i = 0; i < 68; ++i) {
        CriticalSection cs;
        ASSERT_EQ(e.open_section(vm, &cs), NptError::kOk);
        const NptError err = i < 64 ? cs.set_npt(SIpa(i % 2, i % 4, i % 8, i), 3, 0x40000443 + (i << 12))
                                    : cs.set_npt(SIpa(3, i, 0, 0), 2, 0x80000401);
        ASSERT_EQ(err, NptError::kOk);
      }
      ASSERT_TRUE(e.check_valid_lnpt(vm).ok());
      ASSERT_NE(e.pt_map(vm, SIpa(1, 1, 1, 1)), 0u);
    }
    const uint64_t after = ResidentBytes();
    const uint64_t grown = after > before ? after - before : 0;
    RecordProperty("rss_growth_bytes", std::to_string(grown));
    EXPECT_LT(grown, uint64_t{64} << 20) << "RSS grew by " << (grown >> 20) << " MiB";
  }
}

}  // namespace
}  // namespace ptx
