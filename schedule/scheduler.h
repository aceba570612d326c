// SPDX-License-Identifier: BSD-2-Clause
// Scheduler: a controlled scheduler for the threads of a kernel engine (a ScheduleGate,
// schedule_gate.h). It runs n thread bodies one at a time: a thread runs alone from one gate to
// the next, and at each gate (a step) the scheduler picks which thread makes its access next. The
// pick is a ScheduleStrategy's; everything else is deterministic, so the picks are the schedule.
//
// The default pick (what a schedule does where it says nothing) is the thread that reached the
// gate, while it may go on (non-preemptive), else the next thread after it (in cyclic tid order)
// that may run. A yield (HookPoint::kYield) is not a reason to go on: it gives the turn away. A
// schedule is therefore named by its switches, the steps where the pick differs from the default:
// its id is "step.tid" pairs joined by '-', "0" for none (parse_schedule_id reads it back).
//
// Who may run: a thread not finished, unless it waits at a lock the others hold (the scheduler
// keeps each lock's state, by its identity: one writer or many readers). When no thread may run but some have
// not finished, the schedule deadlocks; after `step_bound` steps it livelocks. Either is noted in
// the outcome, and the threads are then run round-robin regardless of the lock, so that they end.
#ifndef PTX_SCHEDULE_SCHEDULER_H_
#define PTX_SCHEDULE_SCHEDULER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/fnv1a.h"
#include "base/status.h"
#include "schedule/schedule_gate.h"

namespace ptx::schedule {

inline constexpr uint32_t kNoThread = ~0u;

// What a strategy sees at a step.
struct ScheduleStep {
  uint64_t step = 0;               // 0-based; step 0 picks the first thread to run
  uint32_t current = kNoThread;    // the thread at the gate (or that just finished); none at step 0
  bool current_enabled = false;    // it may go on
  bool yielded = false;            // its gate is a yield
  std::vector<uint32_t> enabled;   // the threads that may run, ascending; never empty
  const std::vector<HookPoint>* pending = nullptr;  // per thread, the access it waits to make
  uint32_t default_pick = 0;       // the pick without a switch
};

class ScheduleStrategy {
 public:
  virtual ~ScheduleStrategy() = default;
  // The thread to run: one of s.enabled.
  virtual uint32_t pick(const ScheduleStep& s) = 0;
};

// One switch: at `step` the thread `tid` runs, not the default.
struct ScheduleSwitch {
  uint64_t step = 0;
  uint32_t tid = 0;
  friend bool operator==(const ScheduleSwitch&, const ScheduleSwitch&) = default;
};

struct ScheduleOutcome {
  std::vector<ScheduleSwitch> switches;  // the schedule
  uint64_t steps = 0;
  uint64_t trace_hash = 0;  // FNV-1a of the accesses in the order made (tid, kind, read mode, address)
  bool deadlock = false;
  bool livelock = false;
  uint64_t deadlock_step = 0;
};

// "12.1-40.0" for switches {12,1}, {40,0}; "0" for none.
std::string schedule_id(const std::vector<ScheduleSwitch>& switches);
// The switches of an id. Errors: kBadInput "--schedule 'ID': ..." naming the rule (pairs
// "STEP.TID" joined by '-', steps ascending, tid < threads).
StatusOr<std::vector<ScheduleSwitch>> parse_schedule_id(std::string_view id, uint32_t threads);

class Scheduler : public ScheduleGate {
 public:
  // REQUIRES: strategy outlives the scheduler; step_bound >= 1.
  Scheduler(ScheduleStrategy* strategy, uint64_t step_bound);

  // Runs bodies[t](t) on a thread of its own each, one at a time, and returns when all have
  // returned. Each body must pass only this scheduler's gate. REQUIRES: 1..8 bodies.
  ScheduleOutcome run(const std::vector<std::function<void(uint32_t)>>& bodies);

  void at(const HookPoint& p) override;

 private:
  void decide(uint32_t me, bool yielded);  // REQUIRES: mu_ held
  bool may_run(uint32_t t) const;          // REQUIRES: mu_ held
  void wait_turn(std::unique_lock<std::mutex>& l, uint32_t me);
  void take(const HookPoint& p);           // the lock model: p is made now
  void finish(uint32_t me);

  ScheduleStrategy* strategy_;
  uint64_t step_bound_;
  std::mutex mu_;
  // One per thread: a pick wakes only the thread picked (and none when the running thread goes on).
  std::vector<std::unique_ptr<std::condition_variable>> cvs_;
  // The thread whose turn it is: written under mu_ (atomic, so that the schedule's outcome may
  // read it without).
  std::atomic<uint32_t> running_{kNoThread};
  std::vector<HookPoint> pending_;
  std::vector<bool> started_, finished_;
  uint32_t unfinished_ = 0;
  struct LockState {
    bool writer = false;
    uint32_t readers = 0;
  };
  std::map<uint64_t, LockState> locks_;  // by the lock's identity (HookPoint::address)
  bool free_run_ = false;
  ScheduleOutcome out_;
  Fnv1a trace_;  // out_.trace_hash, as it grows
};

}  // namespace ptx::schedule

#endif  // PTX_SCHEDULE_SCHEDULER_H_
