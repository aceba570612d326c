// SPDX-License-Identifier: BSD-2-Clause
#include "armcheck/engine_export.h"

#include <algorithm>

#include <string>

#include <fmt/format.h>

#include "pagetable/geometry.h"

namespace ptx::armcheck {
namespace {

using armtrace::Event;
using armtrace::EventKind;

const char* entry_type_name(EntryType t) {
  switch (t) {
    case EntryType::kInvalid: return "invalid";
    case EntryType::kTable: return "a table";
    case EntryType::kBlock: return "a block";
    case EntryType::kPage: return "a page";
  }
  return "?";
}

}  // namespace

Status check_arm_compatible(const Section& s) {
  constexpr Geometry sekvm = Geometry::sekvm();
  constexpr Geometry arm = Geometry::arm(0);
  static_assert(sekvm.levels == arm.levels && sekvm.bits_per_level == arm.bits_per_level);
  for (size_t i = 0; i < s.updates.size(); ++i) {
    const Update& u = s.updates[i];
    const int level = level_of_kind(u.kind, sekvm.levels);
    const EntryType a = sekvm.classify(level, u.new_value), b = arm.classify(level, u.new_value);
    if (a != b) {
      return bad_input("vmid {} seq {}: update {} writes {:#x} at level {}: {} under SeKVM's descriptor rules but {} "
                       "under Arm's (a casemate trace can only carry descriptors both rule sets read alike: "
                       "tables page|3, pages ...|0b11, blocks ...|0b01, invalid 0)",
                       s.vmid, s.seq, i, u.new_value, level, entry_type_name(a), entry_type_name(b));
    }
  }
  return ok_status();
}

uint64_t tlbi_value(const TlbMaintenance& m) {
  const uint64_t ttl = m.level >= 1 && m.level <= 3 ? uint64_t{4} | m.level : 0;  // 0b01LL, or no hint
  return (m.ipa >> 12 & ((uint64_t{1} << 36) - 1)) | ttl << 44;
}

EngineExporter::EngineExporter(EngineExportOptions options) : options_(options) {}

Event EngineExporter::event(EventKind kind, uint64_t seq) {
  Event e;
  e.kind = kind;
  e.id = next_id_++;
  e.tid = options_.tid;
  if (seq != src_seq_) {  // formatted once a section: every event of it carries it
    src_ = fmt::format("engine:{}", seq);
    src_seq_ = seq;
  }
  e.src = src_;
  return e;
}

Event EngineExporter::dsb(uint64_t seq) {
  Event d = event(EventKind::kBarrier, seq);
  d.barrier = armtrace::BarrierType::kDsb;
  d.dsb_kind = armtrace::DsbKind::kIsh;
  return d;
}

Event EngineExporter::maintenance(const Section& s, const TlbMaintenance& m) {
  if (m.kind == TlbMaintenance::Kind::kDsb) return dsb(s.seq);
  Event t = event(EventKind::kTlbi, s.seq);
  t.tlbi_op = *parse_enum(armtrace::kTlbiOpNames, tlbi_kind_name(m.op));
  if (armtrace::tlbi_op_info(t.tlbi_op).takes_value) t.value = tlbi_value(m);
  return t;
}

void EngineExporter::prelude(uint32_t vmid, uint64_t seq, std::vector<Event>* out) {
  Event init = event(EventKind::kMemInit, seq);
  init.address = pool_start(vmid);
  init.size = PAGE_SIZE;
  out->push_back(init);
  initialised_.insert(pool_start(vmid));
  Event hint = event(EventKind::kHint, seq);
  hint.hint_kind = armtrace::HintKind::kSetRootLock;
  hint.location = pool_start(vmid);
  hint.value = engine_lock(vmid);
  out->push_back(hint);
  Event vttbr = event(EventKind::kSysregWrite, seq);
  vttbr.sysreg = armtrace::Sysreg::kVttbrEl2;
  vttbr.value = pt_vttbr(vmid);
  out->push_back(vttbr);
}

// A page linked by a table descriptor (levels 0-2) and not initialised yet is initialised, whole.
void EngineExporter::init_linked_pages(const Section& s, std::vector<Event>* out) {
  const Geometry g = Geometry::sekvm();
  for (const Update& u : s.updates) {
    const int level = level_of_kind(u.kind, g.levels);
    if (!g.is_table(level, u.new_value)) continue;
    const uint64_t page = g.table_address(u.new_value);
    if (!initialised_.insert(page).second) continue;
    Event init = event(EventKind::kMemInit, s.seq);
    init.address = page;
    init.size = PAGE_SIZE;
    out->push_back(init);
  }
}

Status EngineExporter::add(const Section& s, std::vector<Event>* out) {
  if (!valid_vmid(s.vmid)) return bad_input("vmid {} of section {} is not 0..16 (valid_vmid)", s.vmid, s.seq);
  if (options_.tid > armtrace::kMaxTid) {
    return bad_input("tid {} is out of range: a casemate tid is 0..{}", options_.tid, armtrace::kMaxTid);
  }
  PTX_RETURN_IF_ERROR(check_arm_compatible(s));
  if (!started_[s.vmid]) {
    started_[s.vmid] = true;
    prelude(s.vmid, s.seq, out);
  }
  init_linked_pages(s, out);
  Event lock = event(EventKind::kLock, s.seq);
  lock.address = engine_lock(s.vmid);
  out->push_back(lock);
  size_t step = 0;  // the next of s.maintenance
  const uint32_t n = static_cast<uint32_t>(s.updates.size());
  for (uint32_t i = 0; i <= n; ++i) {
    if (i > 0) {
      const Update& u = s.updates[i - 1];
      Event w = event(EventKind::kMemWrite, s.seq);
      w.mem_order = armtrace::MemOrder::kRelease;
      w.address = u.entry;
      w.value = u.new_value;
      out->push_back(std::move(w));
    }
    const bool at_i = step < s.maintenance.size() && s.maintenance[step].at <= i;
    // A barrier inside the section (the bbm engine variant's break) completes the writes so far;
    // recorded without its DSB step (an older trace), it comes before the steps at that write.
    if (i > 0 && i < n && !(at_i && s.maintenance[step].kind == TlbMaintenance::Kind::kDsb) &&
        std::find(s.barriers.begin(), s.barriers.end(), i) != s.barriers.end()) {
      out->push_back(dsb(s.seq));
    }
    while (step < s.maintenance.size() && s.maintenance[step].at <= i) out->push_back(maintenance(s, s.maintenance[step++]));
  }
  // The closing barrier, unless the last step was a DSB (the missing-barrier variant closes without it).
  const bool closed = !s.maintenance.empty() && s.maintenance.back().kind == TlbMaintenance::Kind::kDsb &&
                      s.maintenance.back().at >= n;
  if (s.closing_barrier && !closed) out->push_back(dsb(s.seq));
  Event unlock = event(EventKind::kUnlock, s.seq);
  unlock.address = engine_lock(s.vmid);
  out->push_back(std::move(unlock));
  return ok_status();
}

EngineCasemateWriter::EngineCasemateWriter(std::ostream& out, EngineExportOptions options)
    : exporter_(options), writer_(out) {}

Status EngineCasemateWriter::add(const Section& s) {
  events_.clear();
  PTX_RETURN_IF_ERROR(exporter_.add(s, &events_));
  for (const armtrace::Event& e : events_) PTX_RETURN_IF_ERROR(writer_.write(e));
  return ok_status();
}

}  // namespace ptx::armcheck
