// SPDX-License-Identifier: BSD-2-Clause
#include "run/lane_scheduler.h"

#include <algorithm>
#include <thread>

#include <oneapi/tbb/concurrent_queue.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

namespace ptx::run {

void run_lanes(unsigned threads, const std::vector<uint32_t>& lanes, const std::function<bool(uint32_t)>& step) {
  if (lanes.empty()) return;
  tbb::concurrent_queue<uint32_t> ready;
  for (uint32_t l : lanes) ready.push(l);
  // The drivers are the arena's master threads: the calling thread and (drivers - 1) threads
  // started here, each joining the arena. They run the lanes' steps directly (no task hand-off),
  // so the happens-before between a lane's steps is the queue's push/pop. The arena's remaining
  // slots (threads - drivers) are TBB workers that help with the nested parallel work of the
  // steps (the explorer's parallel_for over address classes).
  const unsigned drivers = std::min<unsigned>(threads, static_cast<unsigned>(lanes.size()));
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads), drivers);
  auto driver = [&] {
    arena.execute([&] {
      // A driver leaves when the FIFO is empty: every lane left is then held by another driver,
      // which keeps it until it is done, so the drivers left always cover the lanes left.
      uint32_t l = 0;
      while (ready.try_pop(l)) {
        if (step(l)) ready.push(l);
      }
    });
  };
  std::vector<std::thread> others;
  others.reserve(drivers - 1);
  for (unsigned t = 1; t < drivers; ++t) others.emplace_back(driver);
  driver();
  for (std::thread& t : others) t.join();
}

void isolated(const std::function<void()>& f) { tbb::this_task_arena::isolate(f); }

}  // namespace ptx::run
