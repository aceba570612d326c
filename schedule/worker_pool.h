// SPDX-License-Identifier: BSD-2-Clause
// WorkerPool: the threads a Scheduler runs its bodies on, kept from one run to the next. A schedule
// lasts a few hundred microseconds; making and joining its threads each time would cost as much
// (bench/bench_schedules.cc). One pool per process, grown to the most threads a run has needed;
// runs take turns (one at a time).
#ifndef PTX_SCHEDULE_WORKER_POOL_H_
#define PTX_SCHEDULE_WORKER_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ptx::schedule {

class WorkerPool {
 public:
  static WorkerPool& instance();
  ~WorkerPool();  // stops and joins the workers

  // Runs each job on a thread of its own, jobs[0] on the calling thread and jobs[i] on worker
  // i - 1, and returns when every job has returned. Jobs must not throw.
  void run(const std::vector<std::function<void()>>& jobs);

 private:
  WorkerPool() = default;
  void loop(std::atomic<const std::function<void()>*>& slot);

  std::mutex run_mu_;  // one run at a time
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  // Per worker, null when idle. Read without mu_ by a worker polling for its next job, so that a
  // schedule's start is not a wake-up from sleep (tens of microseconds on a busy machine).
  std::vector<std::unique_ptr<std::atomic<const std::function<void()>*>>> jobs_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> busy_{0};
  bool stop_ = false;
};

}  // namespace ptx::schedule

#endif  // PTX_SCHEDULE_WORKER_POOL_H_
