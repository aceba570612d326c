// SPDX-License-Identifier: BSD-2-Clause
// PoolReader (pool_reader.h), the walkers' view of a VM's pool: it reads what VmNpt::read reads,
// the entry inside the level's pool and 0 outside it, at every pool boundary of every level; and
// a walk from the root through it gives the same result as a walk through the VM itself, also
// where a (hand-made) table descriptor points into the wrong pool or outside the VM.
#include "pagetable/pool_reader.h"

#include <vector>

#include <gtest/gtest.h>

#include "pagetable/vm_npt.h"
#include "pagetable/walk.h"

namespace ptx {
namespace {

constexpr uint32_t kVm = 2;

// Every 8-byte word within 64 bytes of each pool boundary of the VM, and of the pool's ends.
std::vector<uint64_t> BoundaryWords() {
  std::vector<uint64_t> out;
  for (uint64_t b : {pool_start(kVm), pgd_start(kVm), pud_start(kVm), pmd_start(kVm), pool_end(kVm)}) {
    for (uint64_t a = b - 64; a < b + 64; a += 8) out.push_back(a);
  }
  return out;
}

TEST(PoolReaderTest, ReadsWhatTheVmReadsAtEveryBoundary) {
  VmNpt vm(kVm);
  for (uint64_t a : BoundaryWords()) {
    if (a >= pool_start(kVm) && a < pool_end(kVm)) vm.store(a, a | 1);  // every word non-zero
  }
  const PoolReader reader = vm.reader();
  for (int level = 1; level <= 3; ++level) {
    for (uint64_t a : BoundaryWords()) {
      EXPECT_EQ(reader.read(level, a), vm.read(level, a)) << "level " << level << " addr " << a;
    }
  }
  for (uint64_t a = pool_start(kVm); a < pgd_start(kVm); a += 8) {  // level 0: the root table
    EXPECT_EQ(reader.read(0, a), vm.read(0, a)) << a;
  }
}

TEST(PoolReaderTest, WalksAgreeWithTheVmWhenTablesPointOutOfTheirPool) {
  VmNpt vm(kVm);
  const Geometry g = Geometry::sekvm();
  const uint64_t root = pool_start(kVm), l1 = pgd_start(kVm), l2 = pud_start(kVm), l3 = pmd_start(kVm);
  vm.store(root, l1 | 3);                      // IPA 0: a proper walk to a page
  vm.store(l1, l2 | 3);
  vm.store(l2, l3 | 3);
  vm.store(l3, 0x80000000 | 0x7ff);
  vm.store(root + 8, l2 | 3);                  // pgd 1 links a level-2 page as a level-1 table
  vm.store(root + 16, pool_end(kVm) | 3);      // pgd 2 points past the VM's pool
  vm.store(root + 24, (pool_start(kVm) - PAGE_SIZE) | 3);  // pgd 3 points below it
  vm.store(l2 + 8 * 511, 0x90000000 | 0x7fd);  // read by pgd 1's walks at level 1
  const PoolReader reader = vm.reader();
  for (uint64_t pgd = 0; pgd < 5; ++pgd) {
    for (uint64_t ipa : {uint64_t{0}, uint64_t{511} << 30, (uint64_t{511} << 30) | (uint64_t{7} << 21)}) {
      const uint64_t a = (pgd << 39) | ipa;
      EXPECT_EQ(pt_map(g, pt_vttbr(kVm), a, reader), pt_map(g, pt_vttbr(kVm), a, vm)) << a;
    }
  }
  EXPECT_EQ(pt_map(g, pt_vttbr(kVm), 0, reader), 0x80000000u | 0x7ff);
}

}  // namespace
}  // namespace ptx
