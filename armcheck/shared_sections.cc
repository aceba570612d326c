// SPDX-License-Identifier: BSD-2-Clause
#include "armcheck/shared_sections.h"

#include <algorithm>
#include <unordered_map>

namespace ptx::armcheck {

SharedSection& SharedSections::open(uint64_t lock, uint32_t tid, uint64_t now, uint64_t line) {
  const uint64_t serial = next_serial_++;
  SharedSection& s = sections_[serial];
  s.serial = serial;
  s.lock = lock;
  s.tid = tid;
  s.first_line = line;
  s.opened = now;
  return s;
}

SharedSection& SharedSections::section(uint64_t serial) { return sections_.at(serial); }

std::vector<const SharedSection*> SharedSections::close(uint64_t serial, uint64_t now) {
  forget_unneeded(sections_.at(serial).lock);
  SharedSection& s = sections_.at(serial);
  s.closed = now;
  std::vector<const SharedSection*> group{&s};
  for (const auto& [other, t] : sections_) {
    // Overlap in time: t opened before s closed and closed (if it did) after s opened, counted in
    // writes (no write between two events: neither sees a state of the other's making).
    if (other == serial || t.lock != s.lock) continue;
    if (t.opened < s.closed && (t.closed == UINT64_MAX || t.closed > s.opened)) group.push_back(&t);
  }
  return group;
}

// A closed section is kept while an open section of its lock overlaps it (that one's group will
// include it); called before a section of `lock` closes, so the one closing now is kept for its
// caller until the next close.
void SharedSections::forget_unneeded(uint64_t lock) {
  uint64_t oldest_open = UINT64_MAX;
  for (const auto& [serial, t] : sections_) {
    if (t.lock == lock && t.closed == UINT64_MAX) oldest_open = std::min(oldest_open, t.opened);
  }
  for (auto it = sections_.begin(); it != sections_.end();) {
    const SharedSection& t = it->second;
    const bool overlaps_none = t.lock == lock && t.closed != UINT64_MAX && t.closed <= oldest_open;
    it = overlaps_none ? sections_.erase(it) : std::next(it);
  }
}

std::vector<SharedEntryClash> SharedSections::clashes(const std::vector<const SharedSection*>& group) {
  struct At {
    const SharedWrite* w;
    uint32_t tid;
    uint64_t serial;
  };
  std::unordered_map<uint64_t, std::vector<At>> by_entry;
  for (const SharedSection* s : group) {
    for (const SharedWrite& w : s->writes) by_entry[w.update.entry].push_back(At{&w, s->tid, s->serial});
  }
  std::vector<SharedEntryClash> out;
  for (auto& [entry, writes] : by_entry) {
    std::sort(writes.begin(), writes.end(), [](const At& a, const At& b) { return a.w->seq < b.w->seq; });
    for (size_t i = 1; i < writes.size(); ++i) {
      const At &a = writes[i - 1], &b = writes[i];
      if (a.serial == b.serial || b.w->order == armtrace::MemOrder::kCas || !reported_.insert(b.w->seq).second) continue;
      out.push_back(SharedEntryClash{entry, a.w, b.w, a.tid, b.tid});
    }
  }
  std::sort(out.begin(), out.end(), [](const SharedEntryClash& x, const SharedEntryClash& y) { return x.second->seq < y.second->seq; });
  return out;
}

}  // namespace ptx::armcheck
