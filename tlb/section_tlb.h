// SPDX-License-Identifier: BSD-2-Clause
// SectionTlb: the TLB pass (tlb_pass.h) over ptx sections — the sections an engine run makes
// (`ptx run --tlb on`) or a ptx trace holds (`ptx check --tlb on TRACE` of a ptx trace).
//
// Each VM's sections become Arm page-table events as `ptx record --format casemate` writes them
// (armcheck/engine_export.h: lock, writes, the section's TLB maintenance — Section::maintenance —
// and closing DSB, unlock), folded by an EventChecker that keeps memory and roots but does not
// explore (the runner explores the sections itself) into a TlbPass of that VM alone. Every event
// of a section carries the section's input line (workload line of its first op, or trace line)
// and src "engine:SEQ". VMs share no page-table memory and no VMID, so one pass per VM gives each
// VM's verdicts exactly as one fold over all events would (the contexts never meet), and makes
// them independent of how the runner's threads interleave VMs: findings() lists them by VM, then
// in the VM's event order, the same for every --threads.
#ifndef PTX_TLB_SECTION_TLB_H_
#define PTX_TLB_SECTION_TLB_H_

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/status.h"
#include "pagetable/constants.h"
#include "pagetable/section.h"
#include "tlb/finding.h"
#include "tlb/options.h"

namespace ptx::tlb {

class SectionTlb {
 public:
  // `source` labels error positions (the workload or trace name).
  SectionTlb(std::string source, TlbOptions options);
  ~SectionTlb();
  SectionTlb(const SectionTlb&) = delete;
  SectionTlb& operator=(const SectionTlb&) = delete;

  // Folds the events of `s` into the pass of VM s.vmid; `line` is the section's input line.
  // Sections of one VM must come one at a time in seq order; different VMs may be added
  // concurrently (RunConfig::on_section). Errors: EngineExporter::add's (kBadInput: a descriptor
  // the Arm rules read otherwise, armcheck::check_arm_compatible), positioned (source, line).
  Status add(const Section& s, uint64_t line);

  // Ends every VM's pass (the end-of-stream deadline). Call once, after the last add, on one
  // thread.
  void finish();

  // Every finding (stale-benign included, severity kInfo), by VM then in that VM's event order.
  std::vector<TlbFinding> findings() const;
  // The findings' counts; tlbis summed over VMs, max_stale the largest of any VM's.
  TlbSummary summary() const;

 private:
  struct Lane;
  std::string source_;
  TlbOptions options_;
  std::array<std::unique_ptr<Lane>, kVmCount> lanes_;  // made at the VM's first section
};

}  // namespace ptx::tlb

#endif  // PTX_TLB_SECTION_TLB_H_
