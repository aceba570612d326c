// SPDX-License-Identifier: BSD-2-Clause
// A long TLB-correct Arm trace for the TLB pass's benchmark (bench/bench_tlb.cc) and its
// empty-stale-set test: the qemu-virt workload's sections as casemate events
// (armcheck::EngineExporter), with the flushes KVM does — the VM's VTTBR_EL2 loaded, `tlbi
// vmalls12e1is`, `dsb ish` — after each break, and each remap turned into break-before-make (on
// top of the flushes the engine records itself, Section::maintenance). Ids and lines are renumbered 1, 2, ...
#ifndef PTX_TESTS_TLB_ENGINE_TRACE_H_
#define PTX_TESTS_TLB_ENGINE_TRACE_H_

#include <map>
#include <vector>

#include "armcheck/engine_export.h"
#include "run/engine_source.h"
#include "run/runner.h"
#include "workload/qemu_virt.h"

namespace ptx::tlb::testing {

// The flush of the VM whose lock is `lock`, as KVM does it: its VTTBR_EL2, tlbi vmalls12e1is,
// dsb ish (events like `like`).
inline void add_flush(const armtrace::Event& like, uint64_t vttbr, std::vector<armtrace::Event>& out) {
  armtrace::Event load = like, tlbi = like, dsb = like;
  load.kind = armtrace::EventKind::kSysregWrite;
  load.sysreg = armtrace::Sysreg::kVttbrEl2;
  load.value = vttbr;
  tlbi.kind = armtrace::EventKind::kTlbi;
  tlbi.tlbi_op = armtrace::TlbiOp::kVmalls12e1is;
  tlbi.value = 0;
  dsb.kind = armtrace::EventKind::kBarrier;
  dsb.dsb_kind = armtrace::DsbKind::kIsh;
  for (armtrace::Event* e : {&load, &tlbi, &dsb}) e->address = 0;
  dsb.value = 0;
  out.insert(out.end(), {load, tlbi, dsb});
}

// `in`, the exporter's events, made TLB-correct: a break (valid -> 0) is flushed before the
// unlock; a valid -> valid change becomes break, dsb ish, flush, make (break-before-make).
inline std::vector<armtrace::Event> with_flushes(const std::vector<armtrace::Event>& in) {
  using armtrace::EventKind;
  std::vector<armtrace::Event> out;
  std::map<uint64_t, uint64_t> vttbr, memory;  // vmid -> VTTBR_EL2 value; word -> value
  uint64_t vmid = 0;
  bool broke = false;
  for (const armtrace::Event& e : in) {
    if (e.kind == EventKind::kSysregWrite && e.sysreg == armtrace::Sysreg::kVttbrEl2) vttbr[e.value >> 48] = e.value;
    if (e.kind == EventKind::kLock) vmid = e.address - armcheck::kEngineLockBase;
    if (e.kind == EventKind::kMemWrite) {
      const uint64_t old = memory[e.address];
      memory[e.address] = e.value;
      if ((old & 1) != 0 && e.value == 0) broke = true;
      if ((old & 1) != 0 && (e.value & 1) != 0 && old != e.value) {
        armtrace::Event brk = e, dsb = e;
        brk.value = 0;
        dsb.kind = EventKind::kBarrier;
        dsb.dsb_kind = armtrace::DsbKind::kIsh;
        dsb.address = dsb.value = 0;
        out.insert(out.end(), {brk, dsb});
        add_flush(e, vttbr[vmid], out);
      }
    }
    if (e.kind == EventKind::kUnlock && broke) {
      add_flush(e, vttbr[vmid], out);
      broke = false;
    }
    out.push_back(e);
  }
  for (size_t i = 0; i < out.size(); ++i) out[i].id = out[i].line = i + 1;
  return out;
}

// qemu-virt with `vms` VMs and `ops` ops each (--sections sekvm), as casemate events with flushes.
inline StatusOr<std::vector<armtrace::Event>> qemu_virt_events(uint32_t vms, uint64_t ops) {
  PTX_ASSIGN_OR_RETURN(const workload::Workload w, workload::make_qemu_virt({vms, 1, ops, SectionPolicy::kSekvm}));
  armcheck::EngineExporter exporter;
  std::vector<armtrace::Event> events;
  run::RunConfig cfg;
  cfg.threads = 1;
  cfg.explore = false;
  cfg.sink = [&](const Section& s) { return exporter.add(s, &events); };
  run::EngineSource source(w, SectionPolicy::kSekvm);
  PTX_RETURN_IF_ERROR(run::run_sections(source, cfg).status());
  return with_flushes(events);
}

}  // namespace ptx::tlb::testing

#endif  // PTX_TESTS_TLB_ENGINE_TRACE_H_
