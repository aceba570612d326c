// SPDX-License-Identifier: BSD-2-Clause
// The words a mem-init or mem-set event writes: the EventChecker applies them (event_checker.h),
// the TLB pass sees their old values (tlb/tlb_pass.h); both walk them here, one lookup a page.
#ifndef PTX_ARMCHECK_MEMORY_RANGE_H_
#define PTX_ARMCHECK_MEMORY_RANGE_H_

#include <algorithm>
#include <cstdint>

#include "armtrace/event.h"
#include "pagetable/npt_image.h"

namespace ptx::armcheck {

// The most bytes a mem-set of a non-zero value may fill: ptx keeps a sparse memory (a larger one
// is refused by the EventChecker, so the TLB pass never sees it applied).
inline constexpr uint64_t kMaxNonZeroSet = uint64_t{16} << 20;

// Calls f(word, old) for each 8-byte word of e's range [address rounded down to 8, address + size
// rounded up to 8) whose value in `memory` (flat, level 0) differs from `value`, in address order.
// f may write the word: a page's words stay where they are while it is written, and a page that
// had none is all zero until its first write.
template <typename F>
void for_each_changed_word(const NptImage& memory, const armtrace::Event& e, uint64_t value, F f) {
  const uint64_t begin = e.address & ~uint64_t{7};
  const uint64_t end = e.address + ((e.size + 7) & ~uint64_t{7});
  const uint64_t page = memory.geometry().page_size();
  for (uint64_t p = begin & ~(page - 1); p < end; p += page) {
    const uint64_t* words = memory.table(0, p);
    if (value == 0 && words == nullptr) continue;  // all zero already
    for (uint64_t w = std::max(p, begin); w < std::min(p + page, end); w += 8) {
      const uint64_t old = words == nullptr ? 0 : words[(w - p) / 8];
      if (old != value) f(w, old);
    }
  }
}

}  // namespace ptx::armcheck

#endif  // PTX_ARMCHECK_MEMORY_RANGE_H_
