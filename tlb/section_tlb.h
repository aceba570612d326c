// SPDX-License-Identifier: BSD-2-Clause
// SectionTlb: the TLB pass (tlb_pass.h) over ptx sections — the sections an engine run makes
// (`ptx run --tlb on`) or a ptx trace holds (`ptx check --tlb on TRACE` of a ptx trace).
//
// Each VM's sections become Arm page-table events as `ptx record --format casemate` writes them
// (armcheck/engine_export.h: lock, writes, the section's TLB maintenance — Section::maintenance —
// and closing DSB, unlock), folded into a TlbPass of that VM alone with the memory and roots the
// pass reads. The exporter's events are well formed, so those are kept here as an EventChecker
// keeps them for such events, without the checker's checks and section records (the runner
// explores the sections itself): the same findings, event for event, as the EventChecker fold
// (tests/tlb/reference_section_tlb.h, section_tlb_differential_test.cc). Every event
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
#include <span>
#include <vector>

#include "base/status.h"
#include "pagetable/constants.h"
#include "pagetable/pool_memory.h"
#include "pagetable/section.h"
#include "tlb/finding.h"
#include "tlb/options.h"

namespace ptx::tlb {

class TlbPass;

// The findings of per-VM passes (null: a VM without sections), by VM then in each pass's order,
// and their summary: the findings' counts, tlbis summed, max_stale the largest of any pass's.
std::vector<TlbFinding> lane_findings(std::span<const TlbPass* const> passes);
TlbSummary lane_summary(std::span<const TlbPass* const> passes);

class SectionTlb {
 public:
  // `source` labels error positions (the workload or trace name).
  SectionTlb(std::string source, TlbOptions options);
  ~SectionTlb();
  SectionTlb(const SectionTlb&) = delete;
  SectionTlb& operator=(const SectionTlb&) = delete;

  // From now on VM vm's pass keeps its memory in `m`, the pool of the engine that makes the VM's
  // sections (Stage2Engine::pool_memory), instead of in a copy: as SectionChecker::share_tables,
  // add() then takes each section as already written in `m`, takes its writes back
  // (NptImage::rewind_backing) and folds its events, whose writes make them again; a refused
  // section is written back as it was. REQUIRES: valid_vmid(vm), before vm's first add(); `m`
  // holds the VM's tables as they stand and is written by nobody but the engine, in the sections
  // it then gives add(), one at a time, on the adding thread.
  void share_tables(uint32_t vm, PoolMemory m) { shared_[vm] = m; }

  // Folds the events of `s` into the pass of VM s.vmid; `line` is the section's input line.
  // Sections of one VM must come one at a time in seq order; different VMs may be added
  // concurrently (RunConfig::on_section). Errors: EngineExporter::add's (kBadInput: a descriptor
  // the Arm rules read otherwise, armcheck::check_arm_compatible), positioned (source, line).
  Status add(const Section& s, uint64_t line);

  // With `on` false, every section goes through the whole fold of its events; by default a
  // section that would leave its VM's pass at rest (TlbPass::quiet: nothing stale, and each of its
  // writes overwrites an invalid entry — every map of correct code) is counted without its events
  // being made (TlbPass::fold_quiet), and its writes are applied to the pass's memory alone: the
  // same findings and summary (tests/tlb/quiet_fold_test.cc). Call before the first add.
  void set_quiet_folds(bool on) { quiet_folds_ = on; }
  // Sections counted so without their events (tests, benchmarks). Call after the adds.
  uint64_t quiet_folds() const;

  // Ends every VM's pass (the end-of-stream deadline). Call once, after the last add, on one
  // thread.
  void finish();

  // Every finding (stale-benign included, severity kInfo), by VM then in that VM's event order.
  std::vector<TlbFinding> findings() const;
  // The findings' counts; tlbis summed over VMs, max_stale the largest of any VM's.
  TlbSummary summary() const;

 private:
  struct Lane;
  std::array<const TlbPass*, kVmCount> passes() const;

  std::string source_;
  TlbOptions options_;
  std::array<std::unique_ptr<Lane>, kVmCount> lanes_;  // made at the VM's first section
  std::array<PoolMemory, kVmCount> shared_{};          // share_tables
  bool quiet_folds_ = true;
};

}  // namespace ptx::tlb

#endif  // PTX_TLB_SECTION_TLB_H_
