// SPDX-License-Identifier: BSD-2-Clause
// check_valid_lnpt (valid_lnpt.h) on a VmNpt whose state is broken by hand: each clause of Coq
// `valid_lnpt` is reported on its own; an intact VM built by set_npt-like stores passes.
#include "pagetable/vm_npt.h"

#include <gtest/gtest.h>

#include "pagetable/valid_lnpt.h"

namespace ptx {
namespace {

constexpr uint32_t kVm = 3;

// Links root -> L1 page -> L2 page -> L3 page for IPA 0, the way set_npt does.
void BuildValidTree(VmNpt& vm) {
  const uint64_t l1 = pgd_start(kVm), l2 = pud_start(kVm), l3 = pmd_start(kVm);
  vm.set_parent(l1, pool_start(kVm));
  vm.store(pool_start(kVm), l1 | 3);
  vm.set_parent(l2, l1);
  vm.store(l1, l2 | 3);
  vm.set_parent(l3, l2);
  vm.store(l2, l3 | 3);
  vm.store(l3, 0x80000000 | 0x7ff);
  vm.set_next(1, l1 + PAGE_SIZE);
  vm.set_next(2, l2 + PAGE_SIZE);
  vm.set_next(3, l3 + PAGE_SIZE);
}

bool Mentions(const LnptReport& r, const std::string& phrase) {
  for (const std::string& v : r.violations) {
    if (v.find(phrase) != std::string::npos) return true;
  }
  return false;
}

TEST(ValidLnptTest, FreshAndBuiltVmsHold) {
  VmNpt vm(kVm);
  EXPECT_TRUE(check_valid_lnpt(vm).ok());
  BuildValidTree(vm);
  const LnptReport r = check_valid_lnpt(vm);
  EXPECT_TRUE(r.ok()) << (r.violations.empty() ? "" : r.violations[0]);
}

TEST(ValidLnptTest, BumpPointerOutsideItsPool) {
  VmNpt vm(kVm);
  vm.set_next(2, pmd_start(kVm) + PAGE_SIZE);
  EXPECT_TRUE(Mentions(check_valid_lnpt(vm), "level-2 bump pointer"));
  VmNpt vm2(kVm);
  vm2.set_next(1, pgd_start(kVm) + 8);  // unaligned
  EXPECT_TRUE(Mentions(check_valid_lnpt(vm2), "level-1 bump pointer"));
}

TEST(ValidLnptTest, DirtyFreePage) {
  VmNpt vm(kVm);
  BuildValidTree(vm);
  vm.store(pmd_start(kVm) + PAGE_SIZE + 16, 0x1234);  // the next fresh level-3 page
  EXPECT_TRUE(Mentions(check_valid_lnpt(vm), "free level-3 page"));
}

TEST(ValidLnptTest, TableEntryOutsideTheAllocatedPool) {
  VmNpt vm(kVm);
  BuildValidTree(vm);
  vm.store(pgd_start(kVm) + 8, (pud_start(kVm) + 5 * PAGE_SIZE) | 3);  // past pt_pud_next
  EXPECT_TRUE(Mentions(check_valid_lnpt(vm), "points outside the allocated level-2 pool"));
}

TEST(ValidLnptTest, WrongParentRecord) {
  VmNpt vm(kVm);
  BuildValidTree(vm);
  vm.set_parent(pud_start(kVm), pgd_start(kVm) + 8);
  const LnptReport r = check_valid_lnpt(vm);
  EXPECT_TRUE(Mentions(r, "has parent"));
  EXPECT_TRUE(Mentions(r, "parent record"));
}

TEST(ValidLnptTest, AllocatedPageNobodyPointsTo) {
  VmNpt vm(kVm);
  BuildValidTree(vm);
  vm.set_next(3, pmd_start(kVm) + 2 * PAGE_SIZE);  // a second level-3 page, never linked
  EXPECT_TRUE(Mentions(check_valid_lnpt(vm), "allocated level-3 page"));
}

}  // namespace
}  // namespace ptx
