// SPDX-License-Identifier: BSD-2-Clause
#include "schedule/worker_pool.h"

namespace ptx::schedule {

WorkerPool& WorkerPool::instance() {
  static WorkerPool pool;
  return pool;
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

namespace {

constexpr int kPolls = 2000;  // sched_yield-paced polls (a few hundred microseconds) before sleeping

// Polls `done` kPolls times, yielding the CPU between polls; true when it held.
template <typename Done>
bool poll(Done done) {
  for (int i = 0; i < kPolls; ++i) {
    if (done()) return true;
    std::this_thread::yield();
  }
  return false;
}

}  // namespace

void WorkerPool::loop(std::atomic<const std::function<void()>*>& slot) {
  for (;;) {
    if (!poll([&] { return slot.load(std::memory_order_acquire) != nullptr; })) {
      std::unique_lock<std::mutex> l(mu_);
      work_cv_.wait(l, [&] { return stop_ || slot.load(std::memory_order_acquire) != nullptr; });
      if (stop_) return;
    }
    (*slot.load(std::memory_order_acquire))();
    slot.store(nullptr, std::memory_order_release);
    if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> l(mu_);
      done_cv_.notify_all();
    }
  }
}

void WorkerPool::run(const std::vector<std::function<void()>>& jobs) {
  if (jobs.empty()) return;
  std::lock_guard<std::mutex> turn(run_mu_);
  const size_t others = jobs.size() - 1;  // jobs[0] runs on the caller: one handoff fewer, one thread fewer
  {
    std::lock_guard<std::mutex> l(mu_);
    while (threads_.size() < others) {
      jobs_.push_back(std::make_unique<std::atomic<const std::function<void()>*>>(nullptr));
      // The worker holds its slot itself: jobs_ may grow (and move its pointers) while it runs.
      threads_.emplace_back([this, slot = jobs_.back().get()] { loop(*slot); });
    }
    busy_.store(others, std::memory_order_relaxed);
    for (size_t i = 0; i < others; ++i) jobs_[i]->store(&jobs[i + 1], std::memory_order_release);
  }
  if (others > 0) work_cv_.notify_all();
  jobs[0]();
  if (poll([&] { return busy_.load(std::memory_order_acquire) == 0; })) return;
  std::unique_lock<std::mutex> l(mu_);
  done_cv_.wait(l, [&] { return busy_.load(std::memory_order_acquire) == 0; });
}

}  // namespace ptx::schedule
