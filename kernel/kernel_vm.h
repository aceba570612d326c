// SPDX-License-Identifier: BSD-2-Clause
// KernelVm: one VM of a kernel engine, driven as KVM drives it: a workload's ops run on `vcpus`
// threads, each a CPU (tid 0..vcpus-1) running one KVM path at a time (kernel_abi.h ptx_k_call):
//   * map <level> <descriptor>  -> a stage-2 fault at the IPA: a translation fault mapping a 4 KiB
//     page, a 2 MiB or a 1 GiB block (the size the fault handler picked), or a permission fault
//     when a leaf of that size already maps the IPA (relax_perms). A map over a leaf of another
//     output page first runs the MMU notifier's unmap of that leaf: the host changes a page under
//     a guest only through its MMU notifier (copy-on-write, migration, balloon), never by a fault
//     over a live mapping.
//   * unmap <level>             -> the MMU notifier / memslot removal's unmap of that granule;
//   * wrprotect / access / age / split -> their paths (dirty logging on, an access fault, aging,
//     eager page splitting).
// tlbi and dsb ops are refused: the code issues its own TLB maintenance.
//
// Order. Ops are taken in workload order; an op waits while an earlier op still running meets its
// footprint (its range, widened to the leaves of the ReferenceMap the dispatcher keeps that it
// meets): ops on one range keep their order, ops on disjoint ranges run concurrently (two vCPUs
// faulting in one new 2 MiB region race to install its table, as in a real VM). With one vCPU a
// run is deterministic: the same events every time.
//
// Events go to the VM's KernelRecorder; `fold` (run()) receives them in order in batches, with the
// op boundaries (EventLog::marks) and the ops, from whichever vCPU thread drains the log.
#ifndef PTX_KERNEL_KERNEL_VM_H_
#define PTX_KERNEL_KERNEL_VM_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "kernel/engines.h"
#include "kernel/recorder.h"
#include "kernel/reference_map.h"
#include "kernel/table_arena.h"
#include "workload/workload.h"

namespace ptx::kernel {

struct VmOptions {
  uint32_t vmid = 1;      // 1..255
  uint32_t vcpus = 2;     // 1..4 (casemate's CPUs: tids 0..3)
  uint32_t features = kDefaultCpuFeatures;
  size_t arena_pages = size_t{1} << 16;  // 256 MiB of table pages, committed as used
  bool record_reads = false;             // mem-read events for every entry read
  std::string source;                    // the workload's name: positions errors (source:line)
};

// One KVM call as run: the workload op it comes from, the call, the path's results.
struct VmOp {
  uint64_t number = 0;         // 1-based in the VM, in dispatch order
  workload::WorkloadOp op;     // the workload op (its line)
  ptx_k_call call{};
  ptx_k_result result{};
  int status = 0;              // the path's return (0, or a negative errno of KVM's path)
  uint32_t vcpu = 0;
  uint64_t begin = 0, end = 0;  // the footprint the refinement check compares after it
};

class KernelVm {
 public:
  // Makes the VM (the engine's vm_create: VTCR_EL2, the PGD) and records its setup on each CPU:
  // VTCR_EL2, set_root_lock of the PGD with the MMU lock, VTTBR_EL2 (root and VMID).
  // Errors: kBadInput for options out of range (naming them), or when the arena
  // has no page for the PGD (kBadInput).
  static StatusOr<std::unique_ptr<KernelVm>> create(const KernelEngine& engine, const VmOptions& options);
  ~KernelVm();

  // Called with each batch of events, in order, and the ops whose end marks it holds.
  using Fold = std::function<Status(const EventLog& batch, const std::map<uint64_t, VmOp>& ops)>;
  // Runs every op `next` hands out (false: no more; *error set: a refused op, which ends the run)
  // on the VM's vCPUs, calling `fold` with the events. Returns the first error of `next` or `fold`,
  // or kBadInput when a path runs out of table pages (the arena's pages), or kInterrupted on
  // SIGINT / SIGTERM (base/interrupt.h) once the events of every op started are folded.
  // `progress` (may be empty) is called with 1 for each workload op done.
  Status run(const std::function<bool(workload::WorkloadOp*, Status*)>& next, const Fold& fold,
             const std::function<void(uint64_t)>& progress);
  // Runs one call on the calling thread as vCPU `vcpu`, between op marks, setting v->vcpu,
  // v->status and v->result (v->number and v->call are the caller's). For callers that schedule
  // the vCPUs themselves (schedule_explore.h); run() uses it too. Errors: kBadInput when the path
  // runs out of table pages.
  Status call(uint32_t vcpu, VmOp* v);

  // Frees every table (RCU callbacks run first), recording the frees, and folds the rest.
  Status destroy(const Fold& fold);

  uint64_t root() const { return root_; }
  uint64_t vtcr() const { return vtcr_; }
  uint64_t lock_address() const { return lock_; }
  const VmOptions& options() const { return options_; }
  const KernelEngine& engine() const { return engine_; }
  KernelRecorder& recorder() { return *recorder_; }
  const TableArena& arena() const { return *arena_; }

 private:
  KernelVm(const KernelEngine& engine, const VmOptions& options);
  struct Dispatch;  // kernel_vm_run.cc
  Status check_op(const workload::WorkloadOp& op) const;
  std::vector<VmOp> translate(const workload::WorkloadOp& op);
  void footprint(VmOp& v) const;
  void vcpu_loop(uint32_t vcpu, Dispatch& d);
  bool next_calls(Dispatch& d, std::vector<VmOp>* calls);
  Status execute(uint32_t vcpu, std::vector<VmOp>& calls);
  Status drain(const Fold& fold, bool wait);

  KernelEngine engine_;
  VmOptions options_;
  uint64_t lock_ = 0;
  std::unique_ptr<TableArena> arena_;
  std::unique_ptr<KernelRecorder> recorder_;
  ptx_k_vm* vm_ = nullptr;
  uint64_t root_ = 0, vtcr_ = 0;
  ReferenceMap dispatched_;                              // the ops' effects in dispatch order
  std::vector<std::pair<uint64_t, uint64_t>> logging_;  // dirty-logging ranges (wrprotect)
  std::mutex ops_mu_;
  std::map<uint64_t, VmOp> ops_;  // dispatched, until folded
  std::mutex fold_mu_;
  EventLog batch_;
};

}  // namespace ptx::kernel

#endif  // PTX_KERNEL_KERNEL_VM_H_
