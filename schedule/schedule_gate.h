// SPDX-License-Identifier: BSD-2-Clause
// ScheduleGate: where a controlled scheduler (scheduler.h) takes control of a kernel engine's
// threads. A KernelRecorder with a gate (KernelRecorder::set_gate) calls it at the start of every
// hook that touches what other CPUs share (kernel_abi.h struct ptx_k_hooks): each page-table entry
// read, write and cmpxchg, barrier, TLBI, MMU-lock operation, RCU read-side begin and end, table
// allocation and reference-count change, and each yield. The call returns when the scheduler lets
// the calling thread perform that access; the thread then runs alone up to its next gate.
#ifndef PTX_SCHEDULE_SCHEDULE_GATE_H_
#define PTX_SCHEDULE_SCHEDULE_GATE_H_

#include <cstdint>

namespace ptx::schedule {

// One access a thread is about to make: its kind and, for entry accesses and page operations, the
// physical byte address of the word or page (0 otherwise).
struct HookPoint {
  enum Kind : uint8_t {
    kRead, kWrite, kCas,           // a page-table entry (address: the word)
    kBarrier, kTlbi,               // maintenance
    kLock, kUnlock,                // the MMU lock (read: shared mode)
    kRcuLock, kRcuUnlock,          // an RCU read-side section begins / ends
    kAlloc, kPageRef,              // a table page allocated; a reference count changed (address: the page)
    kYield,                        // the thread waits for another (a retried guest access)
    kStart,                        // a thread not started yet (the scheduler's, never a hook's)
  };
  Kind kind = kRead;
  bool read_mode = false;  // kLock / kUnlock: the lock's shared (read) mode
  uint64_t address = 0;

  bool entry_access() const { return kind == kRead || kind == kWrite || kind == kCas; }
  // Dependence, for partial-order reduction: whether the two accesses, made in the other order,
  // could give another outcome.
  //   - a thread's start touches nothing shared (the code up to its first gate reads no entry);
  //   - two entry accesses depend when they touch one entry and one of them may write it;
  //   - a table page's allocation (a fresh page, not reachable yet) commutes with entry accesses;
  //     a reference-count change (which may free the page) depends on accesses to that page;
  //     allocations and reference changes depend on each other (one arena);
  //   - locks, barriers, TLBIs, RCU and yields are ordered with everything (the sections, TLB
  //     verdicts and grace periods follow their order).
  bool depends_on(const HookPoint& o) const {
    if (kind == kStart || o.kind == kStart) return false;
    if (entry_access() && o.entry_access()) return address == o.address && (kind != kRead || o.kind != kRead);
    if (entry_access() || o.entry_access()) return page_op_meets(*this, o) || page_op_meets(o, *this);
    return true;
  }

 private:
  // `page` a page operation, `entry` an entry access: does it touch that entry's page?
  static bool page_op_meets(const HookPoint& page, const HookPoint& entry) {
    if (!entry.entry_access()) return false;
    if (page.kind == kAlloc) return false;
    if (page.kind == kPageRef) return (page.address & ~uint64_t{0xfff}) == (entry.address & ~uint64_t{0xfff});
    return true;
  }
};

class ScheduleGate {
 public:
  virtual ~ScheduleGate() = default;
  // Blocks the calling thread until the scheduler lets it make access `p`.
  virtual void at(const HookPoint& p) = 0;
};

}  // namespace ptx::schedule

#endif  // PTX_SCHEDULE_SCHEDULE_GATE_H_
