// SPDX-License-Identifier: BSD-2-Clause
#include "armcheck/event_checker.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "explorer/epochs.h"

namespace ptx::armcheck {
namespace {

using armtrace::Event;
using armtrace::EventKind;

constexpr uint64_t kMaxNonZeroSet = uint64_t{16} << 20;  // bytes a non-zero mem-set may fill

}  // namespace

uint64_t EventCounts::records() const {
  uint64_t n = 0;
  for (uint64_t c : by_kind) n += c;
  return n;
}

EventChecker::EventChecker(std::string source, CheckOptions options)
    : source_(std::move(source)), options_(options), memory_(Geometry::arm(), 0) {}

Status EventChecker::at(Status s, const Event& e) const {
  return std::move(s.at(source_, e.line, e.column));
}

void EventChecker::find(std::string kind, const Event& e, std::string detail) {
  result_.findings.push_back(Finding{std::move(kind), e.line, std::move(detail), e.src});
  ++result_.totals.findings;
}

Status EventChecker::add(const Event& e) {
  ++result_.counts.by_kind[static_cast<size_t>(e.kind)];
  if (options_.observer == nullptr) return apply(e);
  options_.observer->before(e, memory_, roots_);
  PTX_RETURN_IF_ERROR(apply(e));
  options_.observer->after(e, memory_, roots_);
  return ok_status();
}

Status EventChecker::apply(const Event& e) {
  switch (e.kind) {
    case EventKind::kMemWrite: return write_word(e, e.address, e.value);
    case EventKind::kMemInit: return write_range(e, 0);
    case EventKind::kMemSet: return write_range(e, e.value);
    case EventKind::kMemRead: read_word(e); return ok_status();
    case EventKind::kBarrier: barrier(e); return ok_status();
    case EventKind::kSysregWrite: return sysreg(e);
    case EventKind::kHint: return hint(e);
    case EventKind::kLock:
    case EventKind::kTrylock: lock(e); return ok_status();
    case EventKind::kUnlock: return unlock(e);
    case EventKind::kMemFree:
    case EventKind::kTlbi: return ok_status();  // counted (the TLB pass reads them)
  }
  return ok_status();
}

// --- memory -----------------------------------------------------------------------------------

Status EventChecker::write_word(const Event& e, uint64_t address, uint64_t value) {
  const uint64_t entry = address & ~uint64_t{7};
  const uint64_t old = memory_.read(0, entry);
  Thread& t = threads_[e.tid];
  if (!t.open.empty()) {
    OpenSection& s = t.open.back();
    s.updates.push_back(Update{UpdateKind::kPte, entry, old, value});  // kinds are set at close
    s.lines.push_back(e.line);
    s.srcs.push_back(e.src);
  } else if (old != value && in_live_tree(entry)) {
    find("unlocked-write", e,
         fmt::format("tid {} holds no lock and writes {:#x} over {:#x} at {:#x}, an entry of a live page table",
                     e.tid, value, old, entry));
  }
  memory_.write(0, entry, value);
  return ok_status();
}

// mem-init (value 0) and mem-set: every 8-byte word of [address, address + size) (§2: a size
// that is not a multiple of 8 is rounded up). Zeroing skips pages the memory has never held.
Status EventChecker::write_range(const Event& e, uint64_t value) {
  if (value != 0 && e.size > kMaxNonZeroSet) {
    return at(bad_input("mem-set of the non-zero value {:#x} over {:#x} bytes: ptx keeps a sparse memory and "
                        "fills at most {:#x} bytes with a non-zero value", value, e.size, kMaxNonZeroSet), e);
  }
  const uint64_t begin = e.address & ~uint64_t{7};
  const uint64_t end = e.address + ((e.size + 7) & ~uint64_t{7});
  const uint64_t page = memory_.geometry().page_size();
  for (uint64_t p = begin & ~(page - 1); p < end; p += page) {
    if (value == 0 && memory_.table(0, p) == nullptr) continue;  // all zero already
    for (uint64_t w = std::max(p, begin); w < std::min(p + page, end); w += 8) {
      if (memory_.read(0, w) != value) PTX_RETURN_IF_ERROR(write_word(e, w, value));
    }
  }
  return ok_status();
}

void EventChecker::read_word(const Event& e) {
  const uint64_t entry = e.address & ~uint64_t{7};
  const uint64_t have = memory_.read(0, entry);
  if (have != e.value) {
    find("mem-read", e, fmt::format("tid {} reads {:#x} at {:#x}, but memory holds {:#x}", e.tid, e.value, entry, have));
  }
}

// Is `entry` a word of a live root's tree in the current memory? (Up the reverse index of table
// pointers, at most 3 tables above: 4 levels.)
bool EventChecker::in_live_tree(uint64_t entry) const {
  return reached(memory_.geometry().table_of(entry), 0);
}

bool EventChecker::reached(uint64_t page, int depth) const {
  if (roots_.is_root(page, /*registered=*/true)) return true;
  if (depth >= 3) return false;
  const Geometry& g = memory_.geometry();
  for (uint64_t r : memory_.referrers(1, page)) {
    if (reached(g.table_of(r), depth + 1)) return true;
  }
  return false;
}

// The Arm level at which a walk from a live root first reaches `entry`'s page (3 when none does):
// the level shown for an update (the explorer itself reads each word at every level it is reached).
int EventChecker::arm_level_of(uint64_t entry) const {
  const Geometry& g = memory_.geometry();
  uint64_t page = g.table_of(entry);
  for (int up = 0; up <= 3; ++up) {
    for (const Root& r : roots_.live()) {
      if (r.base == page) return std::min(3, g.arm_level(0) + (4 - r.geometry.levels) + up);
    }
    const auto refs = memory_.referrers(1, page);
    if (refs.empty()) break;
    page = g.table_of(refs.front());
  }
  return 3;
}

// --- barriers, registers, hints -------------------------------------------------------------

// A DSB completes every earlier write of the tid: it cuts each of its open sections, the outer
// ones of nested locks too.
void EventChecker::barrier(const Event& e) {
  if (e.barrier != armtrace::BarrierType::kDsb || e.dsb_kind == armtrace::DsbKind::kNsh) return;
  for (OpenSection& s : threads_[e.tid].open) {
    const uint32_t n = static_cast<uint32_t>(s.updates.size());
    if (n > 0 && (s.barriers.empty() || s.barriers.back() < n)) s.barriers.push_back(n);
  }
}

Status EventChecker::activate_root(const Event& e, int stage, uint64_t value) {
  Thread& t = threads_[e.tid];
  const uint64_t control = stage == 2 ? t.vtcr : t.tcr;
  PTX_ASSIGN_OR_RETURN(const Geometry g, geometry_of_control(control, stage == 2 ? "vtcr_el2" : "tcr_el2"));
  const armtrace::TableBaseValue b = armtrace::decode_table_base(value);
  roots_.activate(Root{b.baddr & ~uint64_t{0xfff}, stage, b.id, g, e.line, true});
  result_.roots = roots_.live().size();
  return ok_status();
}

Status EventChecker::sysreg(const Event& e) {
  Thread& t = threads_[e.tid];
  using armtrace::Sysreg;
  switch (e.sysreg) {
    case Sysreg::kVtcrEl2:
    case Sysreg::kTcrEl2: {
      const Status s = geometry_of_control(e.value, enum_name(armtrace::kSysregNames, e.sysreg)).status();
      if (!s.ok()) return at(s, e);
      (e.sysreg == Sysreg::kVtcrEl2 ? t.vtcr : t.tcr) = e.value;
      return ok_status();
    }
    case Sysreg::kVttbrEl2:
      t.vttbr = e.value;
      return (t.hcr & 1) ? at(activate_root(e, 2, e.value), e) : ok_status();
    case Sysreg::kTtbr0El2:
      t.ttbr0 = e.value;
      return (t.sctlr & 1) ? at(activate_root(e, 1, e.value), e) : ok_status();
    case Sysreg::kHcrEl2: {
      const bool turned_on = (e.value & 1) && !(t.hcr & 1);
      t.hcr = e.value;
      return turned_on && t.vttbr ? at(activate_root(e, 2, *t.vttbr), e) : ok_status();
    }
    case Sysreg::kSctlrEl2: {
      const bool turned_on = (e.value & 1) && !(t.sctlr & 1);
      t.sctlr = e.value;
      return turned_on && t.ttbr0 ? at(activate_root(e, 1, *t.ttbr0), e) : ok_status();
    }
    case Sysreg::kMairEl2: return ok_status();
  }
  return ok_status();
}

Status EventChecker::hint(const Event& e) {
  if (e.hint_kind != armtrace::HintKind::kSetRootLock || roots_.is_root(e.location & ~uint64_t{0xfff})) {
    return ok_status();
  }
  // A root announced by its lock: stage 2 with the tid's VTCR_EL2 geometry until a VTTBR names it.
  PTX_ASSIGN_OR_RETURN(const Geometry g, geometry_of_control(threads_[e.tid].vtcr, "vtcr_el2"));
  roots_.activate(Root{e.location & ~uint64_t{0xfff}, 2, 0, g, e.line, /*registered=*/false});
  result_.roots = roots_.live().size();
  return ok_status();
}

// --- locks and sections -------------------------------------------------------------------

void EventChecker::lock(const Event& e) {
  Thread& t = threads_[e.tid];
  const auto held = lock_holder_.find(e.address);
  if (held != lock_holder_.end()) {
    if (held->second == e.tid && e.kind == EventKind::kTrylock && !t.open.empty()) {
      for (auto it = t.open.rbegin(); it != t.open.rend(); ++it) {
        if (it->lock == e.address) {
          ++it->depth;
          return;
        }
      }
    }
    find("lock-conflict", e, fmt::format("tid {} takes lock {:#x}, which tid {} holds", e.tid, e.address, held->second));
  }
  lock_holder_[e.address] = e.tid;
  t.open.push_back(OpenSection{e.address, 1, e.line, {}, {}, {}, {}});
}

Status EventChecker::unlock(const Event& e) {
  Thread& t = threads_[e.tid];
  auto it = std::find_if(t.open.rbegin(), t.open.rend(), [&](const OpenSection& s) { return s.lock == e.address; });
  if (it == t.open.rend()) {
    return at(bad_input("unlock of lock {:#x} that tid {} does not hold: an unlock must match a lock or trylock "
                        "by the same tid (casemate-trace.md §2)", e.address, e.tid), e);
  }
  if (--it->depth > 0) return ok_status();
  OpenSection s = std::move(*it);
  t.open.erase(std::next(it).base());
  const auto held = lock_holder_.find(e.address);
  if (held != lock_holder_.end() && held->second == e.tid) lock_holder_.erase(held);
  return close(e.tid, std::move(s), e.line, false);
}

// Restores the memory before `updates` (each entry's first write's old value).
void EventChecker::undo(const std::vector<Update>& updates) {
  for (auto it = updates.rbegin(); it != updates.rend(); ++it) memory_.write(0, it->entry, it->old_value);
}

Status EventChecker::close(uint32_t tid, OpenSection&& s, uint64_t last_line, bool open_at_end) {
  Section section;
  section.seq = sections_++;
  for (Update& u : s.updates) u.kind = kind_at_level(arm_level_of(u.entry), kMaxLevels);
  section.updates = s.updates;
  result_.totals.add(section);
  if (s.updates.empty() || !options_.explore_sections) return ok_status();
  if (!options_.explore.fits(largest_epoch(s.updates.size(), s.barriers))) {
    return std::move(options_.explore.check(largest_epoch(s.updates.size(), s.barriers))
                         .with_context(fmt::format("the section of tid {} under lock {:#x}", tid, s.lock))
                         .at(source_, s.first_line));
  }
  // The memory now: kept, since other threads' writes may be interleaved with the section's.
  std::unordered_map<uint64_t, uint64_t> now;
  for (const Update& u : s.updates) now.emplace(u.entry, memory_.read(0, u.entry));
  for (const Root& root : roots_.live()) {
    PTX_RETURN_IF_ERROR(explore_for(root, s, section, tid, last_line, open_at_end));
  }
  for (const auto& [entry, value] : now) memory_.write(0, entry, value);
  return ok_status();
}

Status EventChecker::explore_for(const Root& root, const OpenSection& s, const Section& section, uint32_t tid,
                                 uint64_t last_line, bool open_at_end) {
  undo(s.updates);
  std::vector<uint32_t> ends = s.barriers;
  if (ends.empty() || ends.back() < s.updates.size()) ends.push_back(static_cast<uint32_t>(s.updates.size()));
  Exploration x = explore_epochs(memory_, root.base, root.geometry, s.updates, ends, {}, options_.explore);
  if (x.classes.empty()) return ok_status();  // the section changes no walk of this root
  result_.totals.add_exploration(x);
  const bool keep = options_.keep_all || !x.ok();
  if (!keep && !options_.on_section) return ok_status();
  auto ctx = std::make_shared<SectionContext>();
  *ctx = SectionContext{tid, s.lock, s.first_line, last_line, open_at_end, root.base, root.stage, root.id,
                        s.lines, s.srcs, s.barriers};
  CheckedSection c{section, std::move(x), s.first_line, std::move(ctx)};
  c.section.vmid = root.id;
  if (options_.on_section) options_.on_section(c);
  if (options_.on_violation && !c.exploration.ok()) {
    undo(s.updates);  // the before-state (the next root, or close(), puts the memory back)
    options_.on_violation(Tables(memory_, root.base, root.geometry), c);
  }
  if (keep) result_.kept.push_back(std::move(c));
  return ok_status();
}

StatusOr<CheckResult> EventChecker::finish(std::optional<std::string> verdict, uint64_t last_line) {
  if (options_.observer != nullptr) options_.observer->finish(last_line, memory_, roots_);
  for (uint32_t tid = 0; tid < threads_.size(); ++tid) {
    while (!threads_[tid].open.empty()) {
      OpenSection s = std::move(threads_[tid].open.back());
      threads_[tid].open.pop_back();
      PTX_RETURN_IF_ERROR(close(tid, std::move(s), last_line, true));
    }
  }
  result_.casemate_verdict = std::move(verdict);
  return std::move(result_);
}

}  // namespace ptx::armcheck
