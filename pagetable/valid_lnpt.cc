// SPDX-License-Identifier: BSD-2-Clause
#include "pagetable/valid_lnpt.h"

#include <fmt/format.h>

#include "pagetable/geometry.h"
#include "pagetable/vm_npt.h"
#include "pagetable/walk.h"

namespace ptx {

namespace {

class LnptChecker {
 public:
  explicit LnptChecker(const VmNpt& vm) : vm_(vm), v_(vm.vmid()) {}

  LnptReport run() {
    bump_pointers();
    free_pages_zero();
    tree_entries();
    parents_point_back();
    return std::move(r_);
  }

 private:
  template <class... Args>
  void fail(fmt::format_string<Args...> f, Args&&... args) {
    if (r_.violations.size() < 32) r_.violations.push_back(fmt::format(f, std::forward<Args>(args)...));
  }
  bool allocated(int level, uint64_t page) const {
    return level == 0 ? page == pool_start(v_)
                      : page >= level_pool_lo(v_, level) && page < vm_.next(level) &&
                            page % PAGE_SIZE == 0;
  }

  // Bump pointers: inside [pool_lo, pool_hi], page aligned.
  void bump_pointers() {
    for (int l = 1; l <= 3; ++l) {
      const uint64_t n = vm_.next(l);
      if (n < level_pool_lo(v_, l) || n > level_pool_hi(v_, l) || n % PAGE_SIZE != 0) {
        fail("level-{} bump pointer {:#x} outside [{:#x}, {:#x}] or unaligned", l, n,
             level_pool_lo(v_, l), level_pool_hi(v_, l));
      }
    }
  }

  // Pages at or past a bump pointer are all zero (never-written pages are zero by mmap).
  void free_pages_zero() {
    for (int l = 1; l <= 3; ++l) {
      for (uint64_t p = vm_.next(l); p < level_pool_hi(v_, l); p += PAGE_SIZE) {
        if (!vm_.page_written(p)) continue;
        for (uint64_t a = p; a < p + PAGE_SIZE; a += 8) {
          if (vm_.load(a) != 0) {
            fail("free level-{} page {:#x} has non-zero entry {:#x} = {:#x}", l, p, a, vm_.load(a));
            break;
          }
        }
      }
    }
  }

  // Every table entry of the tree points to an allocated page of the next pool whose parent is
  // that entry (a walk of the whole IPA space, descending only into tables that pass).
  void tree_entries() {
    const Geometry g = Geometry::sekvm();
    auto visit = [&](const WalkVisit& w) {
      if (w.type != EntryType::kTable) return WalkAction::kContinue;  // empty, block or page
      const uint64_t child = g.table_address(w.value);
      if (!allocated(w.level + 1, child)) {
        fail("level-{} entry {:#x} = {:#x} points outside the allocated level-{} pool", w.level,
             w.entry, w.value, w.level + 1);
        return WalkAction::kContinue;
      }
      if (vm_.parent(child) != w.entry) {
        fail("level-{} page {:#x} has parent {:#x}, but entry {:#x} points to it", w.level + 1,
             child, vm_.parent(child), w.entry);
        return WalkAction::kContinue;
      }
      return WalkAction::kDescend;
    };
    walk_range(g, pt_vttbr(v_), 0, g.ipa_limit(), vm_, visit);
  }

  // Every allocated page's recorded parent points back to it.
  void parents_point_back() {
    for (int l = 1; l <= 3; ++l) {
      for (uint64_t p = level_pool_lo(v_, l); p < vm_.next(l); p += PAGE_SIZE) {
        const uint64_t par = vm_.parent(p);
        if (par == 0 || !vm_.in_pool(l - 1, par) || phys_page(vm_.load(par)) != p ||
            (l == 3 && pmd_table(vm_.load(par)) != PMD_TYPE_TABLE)) {
          fail("allocated level-{} page {:#x}: parent record {:#x} does not point to it", l, p, par);
        }
      }
    }
  }

  const VmNpt& vm_;
  const uint32_t v_;
  LnptReport r_;
};

}  // namespace

LnptReport check_valid_lnpt(const VmNpt& vm) { return LnptChecker(vm).run(); }

}  // namespace ptx
