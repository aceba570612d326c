// SPDX-License-Identifier: BSD-2-Clause
#include "armcheck/event_checker.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "armcheck/memory_range.h"
#include "explorer/epochs.h"

namespace ptx::armcheck {
namespace {

using armtrace::Event;
using armtrace::EventKind;


}  // namespace

uint64_t EventCounts::records() const {
  uint64_t n = 0;
  for (uint64_t c : by_kind) n += c;
  return n;
}

EventChecker::EventChecker(std::string source, CheckOptions options)
    : source_(std::move(source)), options_(options), memory_(Geometry::arm(), 0) {
  memory_.set_table_pages(options_.table_pages_begin, options_.table_pages_end);
}

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
  EventFacts facts;
  if (e.kind == EventKind::kMemWrite) {
    facts.live_root_distance = write_live_distance_;
    facts.old_word = write_old_;
  }
  options_.observer->after(e, memory_, roots_, facts);
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
    case EventKind::kReadLock: read_lock(e); return ok_status();
    case EventKind::kReadUnlock: return read_unlock(e);
    case EventKind::kMemFree:
    case EventKind::kTlbi: return ok_status();  // counted (the TLB pass reads them)
  }
  return ok_status();
}

// --- memory -----------------------------------------------------------------------------------

Status EventChecker::write_word(const Event& e, uint64_t address, uint64_t value) {
  const uint64_t entry = address & ~uint64_t{7};
  const uint64_t old = memory_.read(0, entry);
  write_old_ = old;
  ++writes_;
  const PageRoots found = roots_of(entry);
  check_lock_of(e, entry, found.registered);
  if (!threads_[e.tid].open.empty()) record_write(e, entry, old, value);
  memory_.write(0, entry, value);
  root_cache_.written(memory_.geometry(), old, value);
  // The nearest live root found before the write is the nearest after it: the write changes only
  // the referrers of the pages its old and new values point at, by a word of the entry's own page,
  // and a climb through that word has come back to the page it started from.
  write_live_distance_ = found.live_distance;  // 0 (unknown) without the root cache: roots_of
  return ok_status();
}

// The write goes to the tid's innermost open section (kinds are set at close).
void EventChecker::record_write(const Event& e, uint64_t entry, uint64_t old, uint64_t value) {
  OpenSection& s = threads_[e.tid].open.back();
  const Update u{UpdateKind::kPte, entry, old, value};
  if (s.shared != 0) {
    shared_.section(s.shared).writes.push_back(SharedWrite{u, writes_, e.mem_order, e.line, e.src});
    return;
  }
  s.updates.push_back(u);
  s.lines.push_back(e.line);
  s.srcs.push_back(e.src);
}

// unlocked-write / no-root-lock (see the header).
void EventChecker::check_lock_of(const Event& e, uint64_t entry, std::optional<uint64_t> root) {
  if (!root) return;
  const Thread& t = threads_[e.tid];
  const auto it = root_lock_.find(*root);
  if (it == root_lock_.end()) {
    if (!t.open.empty()) {
      root_lock_[*root] = t.open.back().lock;  // the root's lock: the one its first writer holds
      return;
    }
    find("no-root-lock", e, fmt::format("tid {} writes {:#x} at {:#x}, an entry of root {:#x}, which has no lock "
                                        "(no set_root_lock hint, and no writer held one)", e.tid, e.value, entry, *root));
    return;
  }
  if (holds(e.tid, it->second)) return;
  const uint64_t old = memory_.read(0, entry);
  if (t.open.empty()) {
    find("unlocked-write", e, fmt::format("tid {} holds no lock and writes {:#x} over {:#x} at {:#x}, an entry of root "
                                          "{:#x}'s page table (its lock is {:#x})", e.tid, e.value, old, entry, *root,
                                          it->second));
    return;
  }
  find("unlocked-write", e,
       fmt::format("tid {} writes {:#x} over {:#x} at {:#x}, an entry of root {:#x}, holding lock {:#x} but not the "
                   "root's lock {:#x}", e.tid, e.value, old, entry, *root, t.open.back().lock, it->second));
}

bool EventChecker::holds(uint32_t tid, uint64_t lock) const {
  for (const OpenSection& s : threads_[tid].open) {
    if (s.lock == lock) return true;
  }
  return false;
}

// mem-init (value 0) and mem-set: every 8-byte word of [address, address + size) (§2: a size
// that is not a multiple of 8 is rounded up). Zeroing skips pages the memory has never held.
Status EventChecker::write_range(const Event& e, uint64_t value) {
  if (value != 0 && e.size > kMaxNonZeroSet) {
    return at(bad_input("mem-set of the non-zero value {:#x} over {:#x} bytes: ptx keeps a sparse memory and "
                        "fills at most {:#x} bytes with a non-zero value", value, e.size, kMaxNonZeroSet), e);
  }
  Status st;
  for_each_changed_word(memory_, e, value, [&](uint64_t word, uint64_t) {
    if (st.ok()) st = write_word(e, word, value);
  });
  return st;
}

void EventChecker::read_word(const Event& e) {
  const uint64_t entry = e.address & ~uint64_t{7};
  const uint64_t have = memory_.read(0, entry);
  if (have != e.value) {
    find("mem-read", e, fmt::format("tid {} reads {:#x} at {:#x}, but memory holds {:#x}", e.tid, e.value, entry, have));
  }
}

// The climb from `entry`'s table page: the registered root whose tree holds it, if one does (up
// the reverse index of table pointers, at most 3 tables above: 4 levels), and the nearest live
// root; remembered until the tree or the roots change. Without the cache only the registered root
// is found (live_distance 0).
PageRoots EventChecker::roots_of(uint64_t entry) {
  const uint64_t page = memory_.geometry().table_of(entry);
  if (options_.cache_roots) return page_roots(page);
  PageRoots found;
  found.registered = root_above(page, 0, nullptr);
  found.live_distance = 0;
  return found;
}

// `read`, when set, is told each page whose referrers the climb reads.
std::optional<uint64_t> EventChecker::root_above(uint64_t page, int depth, RootCache* read) const {
  if (roots_.is_root(page, /*registered=*/true)) return page;
  if (depth >= 3) return std::nullopt;
  const Geometry& g = memory_.geometry();
  if (read != nullptr) read->read(page);
  for (uint64_t r : memory_.referrers(1, page)) {
    if (const std::optional<uint64_t> root = root_above(g.table_of(r), depth + 1, read)) return root;
  }
  return std::nullopt;
}

// What root_above, mark_roots_above and arm_level_of find from table page `page`, from one climb
// (each page's referrers read once), remembered in the RootCache until the tree or the roots
// change. REQUIRES: options_.cache_roots.
PageRoots EventChecker::page_roots(uint64_t page) {
  if (const std::optional<PageRoots> cached = root_cache_.facts(page)) return *cached;
  PageRoots found;
  climb(page, 0, &found, &root_cache_);
  found.arm_level = arm_level_of(page);  // up the first referrers: pages the climb read
  root_cache_.put(page, found);
  return found;
}

// root_above and mark_roots_above in one walk of the same tree of referrers: the first registered
// root in its preorder is root_above's (which stops there), the live roots in it are
// mark_roots_above's.
void EventChecker::climb(uint64_t page, int depth, PageRoots* out, RootCache* read) const {
  const std::vector<Root>& live = roots_.live();
  for (size_t i = 0; i < live.size(); ++i) {
    if (live[i].base != page) continue;
    if (i < RootSet().size()) out->live |= uint64_t{1} << i;
    out->live_distance = std::min(out->live_distance, depth);
    if (live[i].registered && !out->registered) out->registered = page;
  }
  if (depth >= 3) return;
  read->read(page);
  for (uint64_t r : memory_.referrers(1, page)) climb(memory_.geometry().table_of(r), depth + 1, out, read);
}

// The Arm level of `entry` shown for its update (arm_level_of), remembered with its root.
int EventChecker::level_of(uint64_t entry) {
  return options_.cache_roots ? page_roots(memory_.geometry().table_of(entry)).arm_level : arm_level_of(entry);
}

// The memory was written under the cache's feet (a close's undo, exploration and restore of `u`,
// whose entry held `now`): the pages those values point at may have other referrers, or the same
// in another order, so their climbs are forgotten.
void EventChecker::forget_climbs(const Update& u, uint64_t now) {
  root_cache_.written(memory_.geometry(), u.old_value, u.new_value);
  root_cache_.written(memory_.geometry(), now, u.old_value);
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
  if (e.barrier != armtrace::BarrierType::kDsb) return;
  if (e.dsb_kind == armtrace::DsbKind::kNsh || e.dsb_kind == armtrace::DsbKind::kNshst) return;
  for (OpenSection& s : threads_[e.tid].open) {
    std::vector<uint32_t>& cuts = s.shared != 0 ? shared_.section(s.shared).barriers : s.barriers;
    const uint32_t n = static_cast<uint32_t>(s.shared != 0 ? shared_.section(s.shared).writes.size() : s.updates.size());
    if (n > 0 && (cuts.empty() || cuts.back() < n)) cuts.push_back(n);
  }
}

Status EventChecker::activate_root(const Event& e, int stage, uint64_t value) {
  Thread& t = threads_[e.tid];
  const uint64_t control = stage == 2 ? t.vtcr : t.tcr;
  PTX_ASSIGN_OR_RETURN(const Geometry g, geometry_of_control(control, stage == 2 ? "vtcr_el2" : "tcr_el2"));
  const armtrace::TableBaseValue b = armtrace::decode_table_base(value);
  roots_.activate(Root{b.baddr & ~uint64_t{0xfff}, stage, b.id, g, e.line, true});
  root_cache_.clear();
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
  const uint64_t page = e.location & ~uint64_t{0xfff};
  if (e.hint_kind == armtrace::HintKind::kReleaseTable) root_lock_.erase(page);  // drops the association
  if (e.hint_kind != armtrace::HintKind::kSetRootLock) return ok_status();
  root_lock_[page] = e.value;
  if (roots_.is_root(page)) return ok_status();
  // A root announced by its lock: stage 2 with the tid's VTCR_EL2 geometry until a VTTBR names it.
  PTX_ASSIGN_OR_RETURN(const Geometry g, geometry_of_control(threads_[e.tid].vtcr, "vtcr_el2"));
  roots_.activate(Root{e.location & ~uint64_t{0xfff}, 2, 0, g, e.line, /*registered=*/false});
  root_cache_.clear();
  result_.roots = roots_.live().size();
  return ok_status();
}

}  // namespace ptx::armcheck
