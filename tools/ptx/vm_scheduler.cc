#include "tools/ptx/vm_scheduler.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <thread>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

namespace ptx::cli {
namespace {

// The FIFO of VMs with work left. A handful of VMs and one pop per chunk of sections: a mutex
// costs nothing here.
class ReadyVms {
 public:
  explicit ReadyVms(const std::vector<uint32_t>& vms) : q_(vms.begin(), vms.end()) {}
  bool pop(uint32_t* v) {
    std::lock_guard<std::mutex> l(mu_);
    if (q_.empty()) return false;
    *v = q_.front();
    q_.pop_front();
    return true;
  }
  void push(uint32_t v) {
    std::lock_guard<std::mutex> l(mu_);
    q_.push_back(v);
  }

 private:
  std::mutex mu_;
  std::deque<uint32_t> q_;
};

}  // namespace

void run_vms(unsigned threads, const std::vector<uint32_t>& vms,
             const std::function<bool(uint32_t)>& step) {
  if (vms.empty()) return;
  ReadyVms ready(vms);
  // The workers are the arena's master threads: the calling thread and (drivers - 1) threads
  // started here, each joining the arena. They run the VMs' steps directly (no task hand-off, so
  // the happens-before of each VM's steps is that of the FIFO's mutex, visible to sanitizers).
  // The arena's remaining slots (threads - drivers) are TBB workers that help with the nested
  // parallel work of the steps (the explorer's parallel_for over address classes).
  const unsigned drivers = std::min<unsigned>(threads, static_cast<unsigned>(vms.size()));
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads), drivers);
  auto worker = [&] {
    arena.execute([&] {
      // A worker leaves when the FIFO is empty: every VM left is then held by another worker,
      // which keeps it until it is done, so the workers left always cover the VMs left.
      uint32_t v = 0;
      while (ready.pop(&v)) {
        if (step(v)) ready.push(v);
      }
    });
  };
  std::vector<std::thread> others;
  others.reserve(drivers - 1);
  for (unsigned t = 1; t < drivers; ++t) others.emplace_back(worker);
  worker();
  for (std::thread& t : others) t.join();
}

void isolated(const std::function<void()>& f) { tbb::this_task_arena::isolate(f); }

}  // namespace ptx::cli
