// SPDX-License-Identifier: BSD-2-Clause
// Scheduling per-lane work over N threads. A lane is a stream of steps that must run one after
// the other (a VM's sections are made and explored in order); different lanes are independent.
//
// run_lanes() keeps a FIFO of lanes with work left (tbb::concurrent_queue); min(N, lanes) driver
// threads, all in one tbb::task_arena of N threads, each pop a lane, run one step of it (a chunk
// of sections) and push it back when it has more. A lane is in the FIFO or in the hands of
// exactly one driver, so its steps never overlap and run in order, while the steps of all lanes
// interleave across the threads. Nested TBB parallelism inside a step (the explorer's) runs in
// the same arena, isolated from other work, helped by the arena's spare threads when there are
// more threads than lanes.
#ifndef PTX_RUN_LANE_SCHEDULER_H_
#define PTX_RUN_LANE_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <vector>

namespace ptx::run {

// Calls step(lane) for every lane in `lanes` until it returns false (no more work, or stop).
// `step` must not throw. REQUIRES: threads >= 1.
void run_lanes(unsigned threads, const std::vector<uint32_t>& lanes, const std::function<bool(uint32_t)>& step);

// Runs f inside the current arena with its nested parallel work isolated from other tasks.
void isolated(const std::function<void()>& f);

}  // namespace ptx::run

#endif  // PTX_RUN_LANE_SCHEDULER_H_
