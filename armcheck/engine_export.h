// SPDX-License-Identifier: BSD-2-Clause
// Engine sections as an Arm page-table event stream (a casemate trace, casemate-trace.md), so that
// what the SeKVM engine (pagetable/engine.h) does can be checked through the Arm path (`ptx check`
// of a casemate trace, event_checker.h) and the verdicts of the two paths compared
// (`ptx record --format casemate`).
//
// The mapping. The engine's per-level pools are disjoint ranges of one physical memory
// (pagetable/constants.h), so its memory is a flat memory. Per VM, before its first section: a
// `mem-init` of its root table page (pool_start(vm), 4 KiB), a `set_root_lock` hint naming the
// VM's lock, and a `sysreg-write vttbr_el2` of pt_vttbr(vm) (BADDR = pool_start(vm), VMID in
// bits[63:48]); before a section of another VM than the last one's, that VM's `sysreg-write
// vttbr_el2` again: the one CPU of the trace works on each VM in its own context, as a hypervisor
// loads a VM's VTTBR before its TLB maintenance (Linux's __load_stage2 in __kvm_tlb_flush_vmid_ipa),
// so each section's TLBIs carry its own VMID; casemate's default VTCR_EL2 (T0SZ 16: 48 bits, walks start at level 0) is the
// engine's geometry. Per section: a `mem-init` of each table page the section links that is not
// initialised yet (in casemate a page must be initialised before it becomes reachable; the
// engine's fresh pages are zero), then `lock` of the VM's lock (engine_lock(vm)), each update as
// a `release` mem-write in program order (the engine publishes every entry with a release store),
// after each write the section's TLB maintenance at that write (Section::maintenance: `barrier dsb
// ish`, `tlbi OP` with, for ipas2e1is, the value tlbi_value(); a barrier inside the section
// recorded without a DSB step gets its `dsb ish` first), `barrier dsb ish` (closing a section is
// its barrier) unless the last step was one, and `unlock`. Every event has the tid of
// the options, src "engine:SEQ" (SEQ: the section's per-VM seq) and the next id, from 1.
//
// Why the two paths agree. The engine's descriptors mean the same under SeKVM's descriptor rules
// as under the Arm rules (pagetable/geometry.h): its tables are `page | 3` (an Arm table at levels
// 0-2), its pages `... | 0b11` (an Arm page at level 3), its blocks `... | 0b01` (an Arm block at
// level 2), and 0 is invalid under both. So each state's walks give the same descriptors, and the
// explorer the same verdicts. A workload file may hand the engine a descriptor for which this does
// not hold (a level-3 descriptor with bit 0 clear: a page to SeKVM, invalid to Arm); add() checks
// every descriptor a section writes and refuses such a section.
#ifndef PTX_ARMCHECK_ENGINE_EXPORT_H_
#define PTX_ARMCHECK_ENGINE_EXPORT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <unordered_set>
#include <vector>

#include "armtrace/casemate_writer.h"
#include "armtrace/event.h"
#include "base/status.h"
#include "pagetable/constants.h"
#include "pagetable/section.h"

namespace ptx::armcheck {

// The `value` of a TLBI by IPA (casemate-trace.md §2, the TLBI IPAS2E1IS register layout): IPA
// bits [47:12] in bits [35:0], and the TTL hint 0b01LL in bits [47:44] when m.level is 1..3
// (0: no hint).
uint64_t tlbi_value(const TlbMaintenance& m);

// The lock address (its identity) of VM `vmid`'s sections in the trace.
inline constexpr uint64_t kEngineLockBase = 0x1000;
constexpr uint64_t engine_lock(uint32_t vmid) { return kEngineLockBase + vmid; }

struct EngineExportOptions {
  uint32_t tid = 0;  // the CPU of every event, 0..armtrace::kMaxTid
};

// OK when every descriptor `s` writes is the same kind of entry (invalid, table, block, page)
// under the SeKVM rules as under the Arm rules, at the level of its update's kind (4 levels).
// Errors: kBadInput "vmid V seq S: update I writes D at level L: a page under SeKVM's descriptor
// rules but invalid under Arm's (...)".
Status check_arm_compatible(const Section& s);

// Turns engine sections into events (see the header comment). Sections of one VM must come in seq
// order; sections of different VMs may interleave in any order. Not thread-safe.
class EngineExporter {
 public:
  explicit EngineExporter(EngineExportOptions options = {});

  // Appends the events of `s` to *out: the VM's prelude before its first section, the mem-inits of
  // the pages it links, lock, its writes, dsb ish, unlock. Errors (nothing appended):
  // check_arm_compatible's; kBadInput for a vmid above 16 or an options.tid above kMaxTid.
  Status add(const Section& s, std::vector<armtrace::Event>* out);

  // The same events, each passed in order to emit(armtrace::Event&) instead of appended: one event
  // object refilled for each (valid during the call only; emit may change it, e.g. its line), so
  // a caller that folds them one by one (tlb/section_tlb.h) copies and allocates nothing per
  // event. Errors: add's (nothing emitted).
  template <class Emit>
  Status for_each_event(const Section& s, Emit&& emit);

  // Events made so far.
  uint64_t events() const { return next_id_ - 1; }

  // The events for_each_event makes for `s` when they are only its lock, its writes, its
  // maintenance, DSBs and its unlock — the VM has started, its VTTBR_EL2 is the one loaded, and
  // every page `s` links as a table is initialised already: how many, and how many are TLBIs.
  // nullopt when `s` needs more (a prelude, a vttbr_el2, a mem-init) or would be refused (add's
  // errors: for_each_event reports them).
  struct PlainEvents {
    uint64_t events = 0;
    uint64_t tlbis = 0;
  };
  std::optional<PlainEvents> plain_events(const Section& s) const;

  // Counts the events of a section as made (events(), the next ids) without making them, for a
  // caller that knows what they would do (tlb/section_tlb.h). REQUIRES: `plain` is what
  // plain_events returned for that section, just now (so add() would not refuse it).
  void skip(const PlainEvents& plain);

 private:
  Status check(const Section& s) const;
  armtrace::Event& event(armtrace::EventKind kind, uint64_t seq);  // the scratch event, reset
  armtrace::Event& init_page(uint64_t page, uint64_t seq);
  armtrace::Event& root_lock_hint(uint32_t vmid, uint64_t seq);
  armtrace::Event& vttbr(uint32_t vmid, uint64_t seq);
  armtrace::Event& lock(const Section& s, armtrace::EventKind kind);
  armtrace::Event& write(const Section& s, const Update& u);
  armtrace::Event& dsb(uint64_t seq);
  armtrace::Event& maintenance(const Section& s, const TlbMaintenance& m);
  // The page `u` links as a table, when it is not initialised yet (now it is), or 0.
  uint64_t newly_linked(const Update& u);
  static bool dsb_before_steps(const Section& s, uint32_t i, size_t step);
  static bool closing_dsb(const Section& s);
  // Calls write(u) for each update of s in program order, dsb() for each DSB and step(m) for each
  // maintenance step, in the order for_each_event makes their events (between lock and unlock).
  template <class Write, class Dsb, class Step>
  static void for_each_step(const Section& s, Write&& write, Dsb&& dsb, Step&& step);

  EngineExportOptions options_;
  std::array<bool, kVmCount> started_{};
  int64_t loaded_vmid_ = -1;  // the VM whose VTTBR_EL2 the tid loaded last (-1: none yet)
  std::unordered_set<uint64_t> initialised_;  // table pages already mem-init'ed
  uint64_t next_id_ = 1;
  uint64_t src_seq_ = UINT64_MAX;  // the section whose src ("engine:SEQ") scratch_ holds
  armtrace::Event scratch_;
};

template <class Emit>
Status EngineExporter::for_each_event(const Section& s, Emit&& emit) {
  PTX_RETURN_IF_ERROR(check(s));
  if (!started_[s.vmid]) {
    started_[s.vmid] = true;
    initialised_.insert(pool_start(s.vmid));
    emit(init_page(pool_start(s.vmid), s.seq));
    emit(root_lock_hint(s.vmid, s.seq));
    emit(vttbr(s.vmid, s.seq));
  } else if (loaded_vmid_ != s.vmid) {
    emit(vttbr(s.vmid, s.seq));  // back to this VM's context (the header comment)
  }
  loaded_vmid_ = s.vmid;
  for (const Update& u : s.updates) {
    if (const uint64_t page = newly_linked(u); page != 0) emit(init_page(page, s.seq));
  }
  emit(lock(s, armtrace::EventKind::kLock));
  for_each_step(
      s, [&](const Update& u) { emit(write(s, u)); }, [&] { emit(dsb(s.seq)); },
      [&](const TlbMaintenance& m) { emit(maintenance(s, m)); });
  emit(lock(s, armtrace::EventKind::kUnlock));
  return ok_status();
}

template <class Write, class Dsb, class Step>
void EngineExporter::for_each_step(const Section& s, Write&& write, Dsb&& dsb, Step&& step) {
  size_t next = 0;  // the next of s.maintenance
  const uint32_t n = static_cast<uint32_t>(s.updates.size());
  for (uint32_t i = 0; i <= n; ++i) {
    if (i > 0) write(s.updates[i - 1]);
    if (dsb_before_steps(s, i, next)) dsb();
    while (next < s.maintenance.size() && s.maintenance[next].at <= i) step(s.maintenance[next++]);
  }
  if (closing_dsb(s)) dsb();
}

// An EngineExporter writing through a CasemateWriter (one record per line, every field keyed).
class EngineCasemateWriter {
 public:
  // `out` must outlive the writer.
  explicit EngineCasemateWriter(std::ostream& out, EngineExportOptions options = {});

  // Writes the events of `s`. Errors: EngineExporter::add's; the writer's (kIoError).
  Status add(const Section& s);

  uint64_t records() const { return writer_.records(); }

 private:
  EngineExporter exporter_;
  armtrace::CasemateWriter writer_;
  std::vector<armtrace::Event> events_;  // reused
};

}  // namespace ptx::armcheck

#endif  // PTX_ARMCHECK_ENGINE_EXPORT_H_
