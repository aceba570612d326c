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

constexpr Geometry kSekvm = Geometry::sekvm();
constexpr Geometry kArm = Geometry::arm(0);
static_assert(kSekvm.levels == kArm.levels && kSekvm.bits_per_level == kArm.bits_per_level);

// Is the descriptor `u` writes the same kind of entry under both rule sets?
bool arm_compatible(const Update& u) {
  const int level = level_of_kind(u.kind, kSekvm.levels);
  return kSekvm.classify(level, u.new_value) == kArm.classify(level, u.new_value);
}

}  // namespace

Status check_arm_compatible(const Section& s) {
  for (size_t i = 0; i < s.updates.size(); ++i) {
    const Update& u = s.updates[i];
    if (!arm_compatible(u)) {
      const int level = level_of_kind(u.kind, kSekvm.levels);
      const EntryType a = kSekvm.classify(level, u.new_value), b = kArm.classify(level, u.new_value);
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

Status EngineExporter::check(const Section& s) const {
  if (!valid_vmid(s.vmid)) return bad_input("vmid {} of section {} is not 0..16 (valid_vmid)", s.vmid, s.seq);
  if (options_.tid > armtrace::kMaxTid) {
    return bad_input("tid {} is out of range: a casemate tid is 0..{}", options_.tid, armtrace::kMaxTid);
  }
  return check_arm_compatible(s);
}

Event& EngineExporter::event(EventKind kind, uint64_t seq) {
  if (seq != src_seq_) {  // formatted once a section: every event of it carries it
    scratch_.src = "engine:";
    const fmt::format_int digits(seq);
    scratch_.src.append(digits.data(), digits.size());
    src_seq_ = seq;
  }
  std::string src = std::move(scratch_.src);
  scratch_ = Event{};
  scratch_.src = std::move(src);
  scratch_.kind = kind;
  scratch_.id = next_id_++;
  scratch_.tid = options_.tid;
  return scratch_;
}

Event& EngineExporter::init_page(uint64_t page, uint64_t seq) {
  Event& init = event(EventKind::kMemInit, seq);
  init.address = page;
  init.size = PAGE_SIZE;
  return init;
}

Event& EngineExporter::root_lock_hint(uint32_t vmid, uint64_t seq) {
  Event& hint = event(EventKind::kHint, seq);
  hint.hint_kind = armtrace::HintKind::kSetRootLock;
  hint.location = pool_start(vmid);
  hint.value = engine_lock(vmid);
  return hint;
}

Event& EngineExporter::vttbr(uint32_t vmid, uint64_t seq) {
  Event& vttbr = event(EventKind::kSysregWrite, seq);
  vttbr.sysreg = armtrace::Sysreg::kVttbrEl2;
  vttbr.value = pt_vttbr(vmid);
  return vttbr;
}

Event& EngineExporter::lock(const Section& s, EventKind kind) {
  Event& lock = event(kind, s.seq);
  lock.address = engine_lock(s.vmid);
  return lock;
}

Event& EngineExporter::write(const Section& s, const Update& u) {
  Event& w = event(EventKind::kMemWrite, s.seq);
  w.mem_order = armtrace::MemOrder::kRelease;
  w.address = u.entry;
  w.value = u.new_value;
  return w;
}

Event& EngineExporter::dsb(uint64_t seq) {
  Event& d = event(EventKind::kBarrier, seq);
  d.barrier = armtrace::BarrierType::kDsb;
  d.dsb_kind = armtrace::DsbKind::kIsh;
  return d;
}

Event& EngineExporter::maintenance(const Section& s, const TlbMaintenance& m) {
  if (m.kind == TlbMaintenance::Kind::kDsb) return dsb(s.seq);
  Event& t = event(EventKind::kTlbi, s.seq);
  t.tlbi_op = *parse_enum(armtrace::kTlbiOpNames, tlbi_kind_name(m.op));
  if (armtrace::tlbi_op_info(t.tlbi_op).takes_value) t.value = tlbi_value(m);
  return t;
}

// A page linked by a table descriptor (levels 0-2) and not initialised yet is initialised, whole.
uint64_t EngineExporter::newly_linked(const Update& u) {
  constexpr Geometry g = Geometry::sekvm();
  const int level = level_of_kind(u.kind, g.levels);
  if (!g.is_table(level, u.new_value)) return 0;
  const uint64_t page = g.table_address(u.new_value);
  return initialised_.insert(page).second ? page : 0;
}

// A barrier inside the section (the bbm engine variant's break) completes the writes so far;
// recorded without its DSB step (an older trace), it comes before the steps at that write.
bool EngineExporter::dsb_before_steps(const Section& s, uint32_t i, size_t step) {
  const bool dsb_step = step < s.maintenance.size() && s.maintenance[step].at <= i &&
                        s.maintenance[step].kind == TlbMaintenance::Kind::kDsb;
  return i > 0 && i < s.updates.size() && !dsb_step &&
         std::find(s.barriers.begin(), s.barriers.end(), i) != s.barriers.end();
}

// The closing barrier, unless the last step was a DSB (the missing-barrier variant closes without it).
bool EngineExporter::closing_dsb(const Section& s) {
  const bool closed = !s.maintenance.empty() && s.maintenance.back().kind == TlbMaintenance::Kind::kDsb &&
                      s.maintenance.back().at >= s.updates.size();
  return s.closing_barrier && !closed;
}

std::optional<EngineExporter::PlainEvents> EngineExporter::plain_events(const Section& s) const {
  if (!valid_vmid(s.vmid) || !started_[s.vmid] || loaded_vmid_ != s.vmid) return std::nullopt;
  if (options_.tid > armtrace::kMaxTid) return std::nullopt;  // check() refuses it
  constexpr Geometry g = Geometry::sekvm();
  for (const Update& u : s.updates) {
    if (!arm_compatible(u)) return std::nullopt;  // check() refuses it
    const int level = level_of_kind(u.kind, g.levels);
    if (g.is_table(level, u.new_value) && !initialised_.contains(g.table_address(u.new_value))) return std::nullopt;
  }
  PlainEvents p{2, 0};  // lock, unlock
  if (s.maintenance.empty() && s.barriers.empty()) {  // a map's section: its writes and closing DSB
    p.events += s.updates.size() + (closing_dsb(s) ? 1 : 0);
    return p;
  }
  for_each_step(
      s, [&p](const Update&) { ++p.events; }, [&p] { ++p.events; },
      [&p](const TlbMaintenance& m) {
        ++p.events;
        if (m.kind != TlbMaintenance::Kind::kDsb) ++p.tlbis;
      });
  return p;
}

void EngineExporter::skip(const PlainEvents& plain) { next_id_ += plain.events; }

Status EngineExporter::add(const Section& s, std::vector<Event>* out) {
  return for_each_event(s, [out](const Event& e) { out->push_back(e); });
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
