// SPDX-License-Identifier: BSD-2-Clause
// run_kernel: `ptx run --engine linux-NAME`. Each VM of the workload is a KernelVm (kernel_vm.h)
// whose vCPU threads run its ops through the kernel engine; its events are folded, in the order
// they happened, by one check per VM:
//   * an armcheck::EventChecker: every critical section (the MMU lock's, exclusive or shared)
//     explored for the Transactional Page Table condition, with the Arm rules (an entry with bit 0
//     clear maps nothing), groups of overlapping shared sections, shared-entry, unlocked-write and
//     no-root-lock;
//   * with `tlb`, the TLB pass (tlb/tlb_pass.h) observing it;
//   * the refinement check: after each call, the table maps every IPA the call may have changed
//     (its footprint) as the ReferenceMap (reference_map.h) says, or the finding `wrong-result`
//     names the call, the IPA and both translations;
//   * the code's WARN_ON / BUG_ON: `kernel-warn` findings.
// VMs run `threads` at a time, in vmid order; results are merged in vmid order, so they do not
// depend on `threads`. With vcpus = 1 a run is deterministic.
//
// Positions: a section's line and a finding's line are the number of the event (1-based, per VM)
// they come from — the line of that VM's events in a casemate trace `ptx record` writes.
#ifndef PTX_KERNEL_KERNEL_RUN_H_
#define PTX_KERNEL_KERNEL_RUN_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "armcheck/event_checker.h"
#include "base/status.h"
#include "kernel/engines.h"
#include "kernel/recorder.h"
#include "tlb/finding.h"
#include "tlb/options.h"
#include "workload/workload_stream.h"

namespace ptx::kernel {

struct KernelRunOptions {
  uint32_t vcpus = 2;
  uint32_t features = kDefaultCpuFeatures;
  unsigned threads = 1;          // VMs run at once
  bool explore = true;           // false: no check at all (`ptx record`)
  armcheck::CheckOptions check;  // explore options, keep_all, on_section, on_violation (per VM,
                                 // called from the VM's folding thread)
  bool tlb = false;
  tlb::TlbOptions tlb_options;
  bool refinement = true;
  // Each VM's events in order, batch by batch (one VM at a time when threads == 1). An error ends
  // the run.
  std::function<Status(uint32_t vmid, const EventLog& batch)> on_events;
  std::function<void(uint64_t ops)> on_progress;
};

struct KernelRunResult {
  Totals totals;                      // ops = workload ops run
  std::vector<CheckedSection> kept;   // by (vmid, event)
  std::vector<Finding> findings;      // by (vmid, event); details name the VM
  std::vector<tlb::TlbFinding> tlb_findings;
  tlb::TlbSummary tlb_summary;
  uint64_t events = 0;                // events recorded, all VMs
  uint64_t calls = 0;                 // KVM calls made
  uint64_t wrong_results = 0;
  size_t table_pages_peak = 0;        // sum over VMs of their arenas' peaks
  int interrupted = 0;                // SIGINT / SIGTERM stopped the run (figures so far)
};

// Runs `stream` on `engine`. Errors: a workload op the engine has no call for (kBadInput at its
// line, see KernelVm::check_op), a VM out of table pages, the EventChecker's, on_events'. On
// SIGINT / SIGTERM the result holds the ops done so far, checked, with `interrupted` set.
StatusOr<KernelRunResult> run_kernel(const KernelEngine& engine, workload::WorkloadStream& stream,
                                     const KernelRunOptions& options);

}  // namespace ptx::kernel

#endif  // PTX_KERNEL_KERNEL_RUN_H_
