// SPDX-License-Identifier: BSD-2-Clause
// EventObserver: a second fold over the events an EventChecker checks (event_checker.h), called in
// trace order with the checker's own memory and roots. The TLB pass (tlb/tlb_pass.h) is one.
//
// For each event e the checker calls before(e, memory, roots) with the state before e is applied,
// then applies e, then calls after(e, memory, roots, facts) with the state after it and what the
// checker learnt on the way (EventFacts; after is not called when applying e failed). finish() is
// called once, from EventChecker::finish, before the sections still open are closed. The memory
// and roots are the checker's: valid only during the call. An observer must not change the
// checker's results: it only reads.
#ifndef PTX_ARMCHECK_EVENT_OBSERVER_H_
#define PTX_ARMCHECK_EVENT_OBSERVER_H_

#include <cstdint>
#include <optional>

#include "armcheck/roots.h"
#include "armtrace/event.h"
#include "pagetable/npt_image.h"

namespace ptx::armcheck {

// What the checker found out about an event while applying it, so that the observer need not find
// it again.
struct EventFacts {
  // For a mem-write: none of the walks from a live root (Roots::live) reads its word within the
  // walk's first `live_root_distance` words. Found by the checker's climb up the memory's reverse
  // index of table pointers (NptImage::referrers) from the word's table page, after the write:
  // the fewest tables between that page and a live root's base, 0 when it is one; 4 when no live
  // root is within 3 tables (a walk reads at most 4 words). It may understate (0 is always true),
  // never overstate. Any other event: 0.
  int live_root_distance = 0;
  // For a mem-write: the value its 8-byte word held before the write (the checker read it to apply
  // the write). Empty for any other event.
  std::optional<uint64_t> old_word;
};

class EventObserver {
 public:
  virtual ~EventObserver() = default;
  virtual void before(const armtrace::Event& e, const NptImage& memory, const Roots& roots) = 0;
  virtual void after(const armtrace::Event& e, const NptImage& memory, const Roots& roots,
                     const EventFacts& facts) = 0;
  // The end of the stream: `last_line` is the trace's last line.
  virtual void finish(uint64_t last_line, const NptImage& memory, const Roots& roots) = 0;
};

}  // namespace ptx::armcheck

#endif  // PTX_ARMCHECK_EVENT_OBSERVER_H_
