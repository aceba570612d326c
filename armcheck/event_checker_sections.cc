// SPDX-License-Identifier: BSD-2-Clause
// EventChecker: locks and critical sections (exclusive and shared), their exploration, finish().
#include <algorithm>

#include <fmt/format.h>

#include "armcheck/event_checker.h"
#include "explorer/epochs.h"
#include "explorer/section_group.h"

namespace ptx::armcheck {

using armtrace::Event;
using armtrace::EventKind;

namespace {

std::string tids_text(const std::multiset<uint32_t>& tids) {
  std::string s;
  for (uint32_t t : tids) s += fmt::format("{}{}", s.empty() ? "" : ",", t);
  return s;
}

}  // namespace

// The entry of lock_holder_ for `lock`, or nullptr (valid until lock_holder_ changes).
std::pair<uint64_t, uint32_t>* EventChecker::holder(uint64_t lock) {
  for (auto& h : lock_holder_) {
    if (h.first == lock) return &h;
  }
  return nullptr;
}

void EventChecker::lock(const Event& e) {
  Thread& t = threads_[e.tid];
  std::pair<uint64_t, uint32_t>* const held = holder(e.address);
  if (held != nullptr) {
    if (held->second == e.tid && e.kind == EventKind::kTrylock && !t.open.empty()) {
      for (auto it = t.open.rbegin(); it != t.open.rend(); ++it) {
        if (it->lock == e.address) {
          ++it->depth;
          return;
        }
      }
    }
    find("lock-conflict", e, fmt::format("tid {} takes lock {:#x}, which tid {} holds", e.tid, e.address, held->second));
  } else if (const auto r = readers_.find(e.address); r != readers_.end() && !r->second.empty()) {
    find("lock-conflict", e, fmt::format("tid {} takes lock {:#x}, which tid {} hold{} shared", e.tid, e.address,
                                         tids_text(r->second), r->second.size() == 1 ? "s" : ""));
  }
  if (held != nullptr) {
    held->second = e.tid;
  } else {
    lock_holder_.emplace_back(e.address, e.tid);
  }
  t.open.push_back(open_section(e, 0));
}

void EventChecker::read_lock(const Event& e) {
  if (const auto* held = holder(e.address)) {
    find("lock-conflict", e,
         fmt::format("tid {} takes lock {:#x} shared, which tid {} holds", e.tid, e.address, held->second));
  }
  readers_[e.address].insert(e.tid);
  const SharedSection& s = shared_.open(e.address, e.tid, writes_, e.line);
  threads_[e.tid].open.push_back(open_section(e, s.serial));
}

Status EventChecker::unlock(const Event& e) {
  Thread& t = threads_[e.tid];
  auto it = std::find_if(t.open.rbegin(), t.open.rend(),
                         [&](const OpenSection& s) { return s.lock == e.address && s.shared == 0; });
  if (it == t.open.rend()) {
    return at(bad_input("unlock of lock {:#x} that tid {} does not hold: an unlock must match a lock or trylock "
                        "by the same tid (casemate-trace.md §2)", e.address, e.tid), e);
  }
  if (--it->depth > 0) return ok_status();
  OpenSection s = std::move(*it);
  t.open.erase(std::next(it).base());
  if (auto* held = holder(e.address); held != nullptr && held->second == e.tid) {
    *held = lock_holder_.back();
    lock_holder_.pop_back();
  }
  const Status closed = close(e.tid, s, e.line, false);
  recycle(std::move(s));
  return closed;
}

// A section opened by `e`, on the storage of one closed before.
EventChecker::OpenSection EventChecker::open_section(const Event& e, uint64_t shared) {
  OpenSection s;
  if (!spare_.empty()) {
    s = std::move(spare_.back());
    spare_.pop_back();
  }
  s.lock = e.address;
  s.depth = 1;
  s.first_line = e.line;
  s.shared = shared;
  return s;
}

// Keeps the closed section's vectors for the next one (a section a lock: no allocation each).
void EventChecker::recycle(OpenSection&& s) {
  if (spare_.size() >= 8) return;
  s.updates.clear();
  s.lines.clear();
  s.srcs.clear();
  s.barriers.clear();
  s.commits.clear();
  spare_.push_back(std::move(s));
}

Status EventChecker::read_unlock(const Event& e) {
  Thread& t = threads_[e.tid];
  auto it = std::find_if(t.open.rbegin(), t.open.rend(),
                         [&](const OpenSection& s) { return s.lock == e.address && s.shared != 0; });
  if (it == t.open.rend()) {
    return at(bad_input("read-unlock of lock {:#x} that tid {} does not hold shared: a read-unlock must match a "
                        "read-lock by the same tid (ptx's trace dialect)", e.address, e.tid), e);
  }
  const OpenSection s = std::move(*it);
  t.open.erase(std::next(it).base());
  std::multiset<uint32_t>& readers = readers_[e.address];
  if (const auto r = readers.find(e.tid); r != readers.end()) readers.erase(r);
  return close_shared(e.tid, s, e.line, false);
}

// Restores the memory before `updates` (each entry's first write's old value).
void EventChecker::undo(const std::vector<Update>& updates) {
  for (auto it = updates.rbegin(); it != updates.rend(); ++it) memory_.write(0, it->entry, it->old_value);
}

Status EventChecker::close(uint32_t tid, OpenSection& s, uint64_t last_line, bool open_at_end) {
  Section& section = section_;  // its storage reused: only seq and updates are set
  section.seq = sections_++;
  for (Update& u : s.updates) u.kind = kind_at_level(level_of(u.entry), kMaxLevels);
  section.updates.assign(s.updates.begin(), s.updates.end());
  result_.totals.add(section);
  if (s.updates.empty() || !options_.explore_sections) return ok_status();
  // (No epoch is larger than the section: one that fits needs no count of its epochs.)
  if (!options_.explore.fits(s.updates.size()) && !options_.explore.fits(largest_epoch(s.updates.size(), s.barriers))) {
    return std::move(options_.explore.check(largest_epoch(s.updates.size(), s.barriers))
                         .with_context(fmt::format("the section of tid {} under lock {:#x}", tid, s.lock))
                         .at(source_, s.first_line));
  }
  // The memory now: kept, since other threads' writes may be interleaved with the section's (an
  // entry written twice is read twice, alike: restoring it twice is the same).
  now_.clear();
  for (const Update& u : s.updates) now_.emplace_back(u.entry, memory_.read(0, u.entry));
  const bool every_root = roots_.live().size() > RootSet().size();  // too many to track: all of them
  const RootSet touched = every_root ? RootSet() : roots_under(s.updates);
  for (size_t i = 0; i < roots_.live().size(); ++i) {
    if (!every_root && !touched.test(i)) continue;  // none of its walks reads a written entry
    PTX_RETURN_IF_ERROR(explore_for(roots_.live()[i], s, section, tid, last_line, open_at_end));
  }
  for (const auto& [entry, value] : now_) memory_.write(0, entry, value);
  for (size_t i = 0; i < s.updates.size(); ++i) forget_climbs(s.updates[i], now_[i].second);
  return ok_status();
}

// A walk from a root can only change if it reads a written entry, and the first written entry it
// reads sits under unwritten ones, which hold the same values before, during and after the
// section: going up the reverse index of table pointers from that entry's table (at most 3
// tables up, 4 levels) reaches the root in the memory of any of these states. So the live roots
// reached from the written entries' tables are the only ones a section can change: the explorer
// finds no address class for the others (it searches the same prefixes, level by level).
// REQUIRES: at most RootSet().size() live roots.
EventChecker::RootSet EventChecker::roots_under(const std::vector<Update>& updates) {
  RootSet set;
  uint64_t last_page = UINT64_MAX;
  for (const Update& u : updates) {
    const uint64_t page = memory_.geometry().table_of(u.entry);
    if (page == last_page) continue;  // a batched section writes many entries of one table
    last_page = page;
    if (options_.cache_roots) {
      set |= RootSet(page_roots(page).live);
    } else {
      mark_roots_above(page, 0, &set);
    }
    if (set.count() == roots_.live().size()) break;
  }
  return set;
}

void EventChecker::mark_roots_above(uint64_t page, int depth, RootSet* set) const {
  const std::vector<Root>& live = roots_.live();
  for (size_t i = 0; i < live.size(); ++i) {
    if (live[i].base == page) set->set(i);
  }
  if (depth >= 3) return;
  for (uint64_t r : memory_.referrers(1, page)) mark_roots_above(memory_.geometry().table_of(r), depth + 1, set);
}

// A shared section closes: shared-entry clashes in its group, its own check (as an exclusive
// section's, the others' writes as they are), then its group's.
Status EventChecker::close_shared(uint32_t tid, const OpenSection& open, uint64_t last_line, bool open_at_end) {
  const std::vector<const SharedSection*> group = shared_.close(open.shared, writes_);
  for (const SharedEntryClash& c : shared_.clashes(group)) {
    Event at;
    at.line = c.second->line;
    at.src = c.second->src;
    find("shared-entry", at,
         fmt::format("tids {} and {} wrote entry {:#x} in sections that overlap under lock {:#x} shared: {:#x} "
                     "(line {}, {}) then a plain store of {:#x} over it (line {}, {}), not serialised by a "
                     "compare-and-swap", c.first_tid, c.second_tid, c.entry, open.lock, c.first->update.new_value,
                     c.first->line, c.first->src, c.second->update.new_value, c.second->line, c.second->src));
  }
  const SharedSection& s = *group.front();
  OpenSection own{s.lock, 1, s.first_line, 0, {}, {}, {}, s.barriers, commit_states(group)};
  for (const SharedWrite& w : s.writes) {
    own.updates.push_back(w.update);
    own.lines.push_back(w.line);
    own.srcs.push_back(w.src);
  }
  PTX_RETURN_IF_ERROR(close(tid, own, last_line, open_at_end));
  return explore_group(group, last_line);
}

Status EventChecker::explore_for(const Root& root, const OpenSection& s, const Section& section, uint32_t tid,
                                 uint64_t last_line, bool open_at_end) {
  undo(s.updates);
  std::vector<uint32_t>& ends = ends_;
  ends.assign(s.barriers.begin(), s.barriers.end());
  if (ends.empty() || ends.back() < s.updates.size()) ends.push_back(static_cast<uint32_t>(s.updates.size()));
  Exploration x = explore_epochs(memory_, root.base, root.geometry, s.updates, ends, {}, options_.explore, 0, s.commits);
  if (x.classes.empty()) return ok_status();  // the section changes no walk of this root
  result_.totals.add_exploration(x);
  const bool keep = options_.keep_all || !x.ok();
  if (!keep && options_.on_clean_section) options_.on_clean_section();
  if (!keep && (options_.on_clean_section || !options_.on_section)) return ok_status();
  auto ctx = std::make_shared<SectionContext>();
  *ctx = SectionContext{tid, s.lock, s.first_line, last_line, open_at_end, root.base, root.stage, root.id,
                        s.lines, s.srcs, s.barriers, {}};
  CheckedSection c{section, std::move(x), s.first_line, std::move(ctx)};
  c.section.vmid = root.id;
  if (options_.on_section) options_.on_section(c);
  if (options_.on_violation && !c.exploration.ok()) {
    undo(s.updates);  // the before-state (the next root, or close(), puts the memory back)
    options_.on_violation(Tables(memory_, root.base, root.geometry), c);
  }
  if (keep && result_.kept.size() < options_.keep_in_memory) result_.kept.push_back(std::move(c));
  return ok_status();
}

StatusOr<CheckResult> EventChecker::finish(std::optional<std::string> verdict, uint64_t last_line) {
  if (options_.observer != nullptr) options_.observer->finish(last_line, memory_, roots_);
  for (uint32_t tid = 0; tid < threads_.size(); ++tid) {
    while (!threads_[tid].open.empty()) {
      OpenSection s = std::move(threads_[tid].open.back());
      threads_[tid].open.pop_back();
      if (s.shared != 0) {
        PTX_RETURN_IF_ERROR(close_shared(tid, s, last_line, true));
      } else {
        PTX_RETURN_IF_ERROR(close(tid, s, last_line, true));
      }
    }
  }
  result_.casemate_verdict = std::move(verdict);
  return std::move(result_);
}

}  // namespace ptx::armcheck
