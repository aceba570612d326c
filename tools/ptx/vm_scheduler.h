// Round-robin scheduling of per-VM work over N threads.
//
// Each VM's work is a sequence of steps that must run one after the other (a VM's sections are
// made and explored in order); different VMs are independent. run_vms() keeps a FIFO of VMs with
// work left; min(N, VMs) driver threads, all in one tbb::task_arena of N threads, each pop a VM,
// run one step of it (a chunk of sections) and push it back when it has more. A VM is in the
// FIFO or in the hands of exactly one driver, so its steps never overlap and run in order, while
// the steps of all VMs interleave across the threads. Nested TBB parallelism inside a step (the
// explorer's) runs in the same arena, isolated from other work, helped by the arena's spare
// threads when there are more threads than VMs.
#ifndef PTX_TOOLS_PTX_VM_SCHEDULER_H_
#define PTX_TOOLS_PTX_VM_SCHEDULER_H_

#include <cstdint>
#include <functional>
#include <vector>

namespace ptx::cli {

// Calls step(vmid) for every vmid in `vms` until it returns false (no more work, or stop).
// `step` must not throw. REQUIRES: threads >= 1.
void run_vms(unsigned threads, const std::vector<uint32_t>& vms,
             const std::function<bool(uint32_t)>& step);

// Runs f inside the current arena with its nested parallel work isolated from other tasks.
void isolated(const std::function<void()>& f);

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_VM_SCHEDULER_H_
