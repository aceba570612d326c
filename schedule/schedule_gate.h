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
  };
  Kind kind = kRead;
  bool read_mode = false;  // kLock / kUnlock: the lock's shared (read) mode
  uint64_t address = 0;

  bool entry_access() const { return kind == kRead || kind == kWrite || kind == kCas; }
  // Dependence, for partial-order reduction: two accesses commute unless they touch one entry and
  // one of them may write it, or either is something other than an entry access (locks, barriers,
  // TLBIs, RCU, pages and yields are ordered with everything).
  bool depends_on(const HookPoint& o) const {
    if (!entry_access() || !o.entry_access()) return true;
    return address == o.address && (kind != kRead || o.kind != kRead);
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
