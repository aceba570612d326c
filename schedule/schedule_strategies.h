// SPDX-License-Identifier: BSD-2-Clause
// The strategies that pick a Scheduler's threads (scheduler.h):
//   * ReplayStrategy: the switches of a schedule id, the default elsewhere: replays a schedule.
//   * PctStrategy: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and
//     Nagarakatte, "A randomized scheduler with probabilistic guarantees of finding bugs", ASPLOS
//     2010). Each thread gets a random distinct priority above d; d - 1 random steps in [0, k) are
//     change points, where the running thread's priority drops to below every initial one; the
//     highest-priority thread that may run runs. A bug of depth d shows with probability at least
//     1 / (n k^(d-1)) per schedule. A yield drops the yielding thread below every other (the
//     fairness a spin loop needs). k is the longest schedule seen so far.
//   * BoundedSearch: every schedule with at most `preemptions` preemptions (Musuvathi and Qadeer,
//     "Iterative context bounding for systematic testing of multithreaded programs", PLDI 2007), a
//     depth-first search over the picks, each schedule run from the start (stateless). A
//     preemption is a pick other than the thread at the gate while it may go on and did not yield;
//     a thread that yielded is not picked again while another may run (fairness for spin loops).
//     With `sleep_sets`, Godefroid's sleep sets (Godefroid, "Partial-order methods for the
//     verification of concurrent systems", LNCS 1032, 1996; with the DPOR setting of Flanagan and
//     Godefroid, POPL 2005) skip a pick whose access commutes (HookPoint::depends_on) with every
//     pick taken since a sibling explored it: schedules that differ only in the order of
//     independent accesses run once. A run that reaches a state where every thread that may run
//     sleeps is a repeat: it is run to its end and counted as pruned.
#ifndef PTX_SCHEDULE_SCHEDULE_STRATEGIES_H_
#define PTX_SCHEDULE_SCHEDULE_STRATEGIES_H_

#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "schedule/scheduler.h"

namespace ptx::schedule {

class ReplayStrategy : public ScheduleStrategy {
 public:
  explicit ReplayStrategy(std::vector<ScheduleSwitch> switches) : switches_(std::move(switches)) {}
  uint32_t pick(const ScheduleStep& s) override;

 private:
  std::vector<ScheduleSwitch> switches_;
  size_t next_ = 0;
};

class PctStrategy : public ScheduleStrategy {
 public:
  // Schedule `index` of the run seeded `seed`, for `threads` threads, depth `depth` (>= 1), with
  // `steps` the length estimate k (>= 1).
  PctStrategy(uint64_t seed, uint64_t index, uint32_t threads, uint32_t depth, uint64_t steps);
  uint32_t pick(const ScheduleStep& s) override;

 private:
  std::vector<int64_t> priority_;
  std::vector<uint64_t> change_;  // ascending change-point steps
  int64_t low_ = 0;               // the next priority given at a change point or yield
};

class BoundedSearch {
 public:
  BoundedSearch(uint32_t preemptions, bool sleep_sets) : bound_(preemptions), sleep_sets_(sleep_sets) {
    walker_.search = this;
  }

  // The strategy of the next schedule: the current path's prefix, then its own picks. Call
  // advance() after running it.
  ScheduleStrategy* strategy() { return &walker_; }
  // Backtracks to the deepest step with an untried pick within the bound. False: the search is
  // complete. `pruned` counts the picks sleep sets skipped.
  bool advance();
  // The schedule just run reached a state where every thread that may run sleeps.
  bool repeat() const { return walker_.blocked; }
  uint64_t pruned() const { return pruned_; }

 private:
  struct Node {
    std::vector<uint32_t> enabled;
    std::vector<HookPoint> pending;
    uint32_t current = kNoThread;
    bool current_enabled = false, yielded = false;
    uint32_t default_pick = 0;
    uint32_t chosen = 0;
    uint32_t preemptions = 0;  // before this step
    std::set<uint32_t> done, sleep;
    bool preempts(uint32_t t) const { return current_enabled && !yielded && t != current; }
  };
  struct Walker : ScheduleStrategy {
    BoundedSearch* search = nullptr;
    size_t replay = 0;   // steps of the stack replayed as they are
    bool blocked = false;
    uint32_t pick(const ScheduleStep& s) override;
  };
  std::set<uint32_t> child_sleep(const Node& n, uint32_t t) const;
  bool allowed(const Node& n, uint32_t t) const;

  uint32_t bound_;
  bool sleep_sets_;
  std::vector<Node> stack_;
  Walker walker_;
  uint64_t pruned_ = 0;
};

}  // namespace ptx::schedule

#endif  // PTX_SCHEDULE_SCHEDULE_STRATEGIES_H_
