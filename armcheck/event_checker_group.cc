// SPDX-License-Identifier: BSD-2-Clause
// EventChecker: the group check of shared sections that overlapped in time (shared_sections.h,
// explorer/section_group.h).
#include <algorithm>
#include <unordered_map>

#include "armcheck/event_checker.h"
#include "explorer/section_group.h"

namespace ptx::armcheck {

namespace {

// The group's writes in the order they were made, each with its member (section) index.
struct GroupWrites {
  std::vector<Update> updates;
  std::vector<uint32_t> member;
  std::vector<uint64_t> lines;
  std::vector<std::string> srcs;
  std::vector<uint32_t> tids;  // per member
  std::vector<size_t> commits;  // per member: the updates made before it closed (all: still open)
  uint64_t first_line = UINT64_MAX;
};

GroupWrites collect(const std::vector<const SharedSection*>& group) {
  struct At {
    const SharedWrite* w;
    uint32_t member;
  };
  std::vector<At> all;
  GroupWrites g;
  for (const SharedSection* s : group) {
    if (s->writes.empty() || g.tids.size() == kMaxGroupSections) continue;
    for (const SharedWrite& w : s->writes) all.push_back(At{&w, static_cast<uint32_t>(g.tids.size())});
    g.tids.push_back(s->tid);
    g.first_line = std::min(g.first_line, s->first_line);
  }
  std::sort(all.begin(), all.end(), [](const At& a, const At& b) { return a.w->seq < b.w->seq; });
  for (const At& a : all) {
    g.updates.push_back(a.w->update);
    g.member.push_back(a.member);
    g.lines.push_back(a.w->line);
    g.srcs.push_back(a.w->src);
  }
  for (const SharedSection* s : group) {
    if (s->writes.empty() || g.commits.size() == g.tids.size()) continue;
    g.commits.push_back(static_cast<size_t>(
        std::count_if(all.begin(), all.end(), [&](const At& a) { return a.w->seq <= s->closed; })));
  }
  return g;
}

}  // namespace

// The state at the commit of each section of `group` but the first (the one closing now) that
// closed before: every entry the group's sections wrote, at its value then (the old value of its
// first write, when they wrote it only later).
std::vector<std::vector<Update>> EventChecker::commit_states(const std::vector<const SharedSection*>& group) const {
  std::vector<const SharedWrite*> all;
  for (const SharedSection* s : group) {
    for (const SharedWrite& w : s->writes) all.push_back(&w);
  }
  std::sort(all.begin(), all.end(), [](const SharedWrite* a, const SharedWrite* b) { return a->seq < b->seq; });
  std::vector<std::vector<Update>> out;
  for (size_t m = 1; m < group.size() && out.size() < kMaxGroupSections; ++m) {
    if (group[m]->closed == UINT64_MAX) continue;
    std::unordered_map<uint64_t, size_t> at;  // entry -> its index in the state
    std::vector<Update>& state = out.emplace_back();
    for (const SharedWrite* w : all) {
      const auto [it, fresh] = at.emplace(w->update.entry, state.size());
      if (fresh) {
        state.push_back(Update{kind_at_level(arm_level_of(w->update.entry), kMaxLevels), w->update.entry, 0,
                               w->update.old_value});
      }
      if (w->seq <= group[m]->closed) state[it->second].new_value = w->update.new_value;
    }
  }
  return out;
}

Status EventChecker::explore_group(const std::vector<const SharedSection*>& group, uint64_t last_line) {
  if (!options_.explore_sections || group.size() < 2) return ok_status();
  GroupWrites g = collect(group);
  if (g.tids.size() < 2 || !options_.explore.fits(g.updates.size())) return ok_status();
  for (Update& u : g.updates) u.kind = kind_at_level(arm_level_of(u.entry), kMaxLevels);
  std::unordered_map<uint64_t, uint64_t> now;
  for (const Update& u : g.updates) now.emplace(u.entry, memory_.read(0, u.entry));
  const SharedSection& closing = *group.front();
  Section section;
  section.seq = sections_ - 1;  // the closing section's (a group is not a section of its own)
  section.updates = g.updates;
  for (const Root& root : roots_.live()) {
    undo(g.updates);
    Exploration x = ptx::explore_group(memory_, root.base, root.geometry, g.updates, g.member,
                                       static_cast<uint32_t>(g.tids.size()), options_.explore, g.commits);
    for (const auto& [entry, value] : now) memory_.write(0, entry, value);
    if (x.classes.empty()) continue;
    result_.totals.add_exploration(x);
    const bool keep = options_.keep_all || !x.ok();
    if (!keep && options_.on_clean_section) options_.on_clean_section();
    if (!keep && (options_.on_clean_section || !options_.on_section)) continue;
    auto ctx = std::make_shared<SectionContext>();
    *ctx = SectionContext{closing.tid, closing.lock, g.first_line, last_line, false, root.base, root.stage,
                          root.id, g.lines, g.srcs, {}, g.tids};
    CheckedSection c{section, std::move(x), g.first_line, std::move(ctx)};
    c.section.vmid = root.id;
    if (options_.on_section) options_.on_section(c);
    if (options_.on_violation && !c.exploration.ok()) {
      undo(g.updates);
      options_.on_violation(Tables(memory_, root.base, root.geometry), c);
      for (const auto& [entry, value] : now) memory_.write(0, entry, value);
    }
    if (keep && result_.kept.size() < options_.keep_in_memory) result_.kept.push_back(std::move(c));
  }
  for (const Update& u : g.updates) forget_climbs(u, now.at(u.entry));
  return ok_status();
}

}  // namespace ptx::armcheck
