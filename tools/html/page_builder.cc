// SPDX-License-Identifier: BSD-2-Clause
#include "tools/html/page_builder.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "explorer/mapping.h"
#include "pagetable/describe.h"
#include "pagetable/walk.h"

namespace ptx::html {
namespace {

// The before-memory with some entries overwritten (a state of the section).
struct StateMemory {
  const Tables& before;
  const std::map<EntryKey, uint64_t>& written;
  uint64_t read(int level, uint64_t entry) const {
    const auto it = written.find(before.geometry.key(level, entry));
    return it != written.end() ? it->second : before.read(level, entry);
  }
};

WalkView walk_view(const Tables& t, const std::map<EntryKey, uint64_t>& state, const std::vector<EntryKey>& by_witness,
                   uint64_t ipa, const std::string& verdict) {
  const Geometry& g = t.geometry;
  const WalkResult w = walk(g, t.root, ipa, StateMemory{t, state});
  WalkView v;
  for (int l = 0; l < w.steps; ++l) {
    const WalkStep& step = w.path[l];
    const EntryKey k = g.key(l, step.entry);
    v.path.push_back(EntryView{g.arm_level(l), std::string(update_kind_name(kind_at_level(g.arm_level(l), kMaxLevels))),
                               step.entry, step.value, describe_descriptor(g, l, step.value),
                               step.value != t.read(l, step.entry),
                               std::find(by_witness.begin(), by_witness.end(), k) != by_witness.end()});
  }
  const int last = w.last_level();
  const bool fault = maps_nothing(g, w.descriptor, last);
  v.mapping = fault ? 0 : w.descriptor;
  v.result = fault ? "no mapping (fault)"
                   : fmt::format("maps {:#x} ({})", g.phys_page(w.descriptor),
                                 g.classify(last, w.descriptor) == EntryType::kBlock ? "block" : "page");
  v.verdict = verdict;
  return v;
}

std::vector<UpdateView> update_views(const CheckedSection& s, const Geometry& g, const std::vector<uint32_t>& order) {
  std::vector<UpdateView> out;
  const Geometry arm = Geometry::arm();
  for (uint32_t i = 0; i < s.section.updates.size(); ++i) {
    const Update& u = s.section.updates[i];
    const int level = static_cast<int>(u.kind);  // kinds name the 4-level (Arm) level
    const Geometry& d = g.levels == kMaxLevels ? g : arm;
    out.push_back(UpdateView{i, std::string(update_kind_name(u.kind)), level, u.entry, u.old_value, u.new_value,
                             describe_descriptor(d, level, u.old_value), describe_descriptor(d, level, u.new_value),
                             std::find(order.begin(), order.end(), i) != order.end()});
  }
  return out;
}

}  // namespace

ViolationPage build_page(const Tables& before, const CheckedSection& s, const ViolationGroup& g,
                         const std::string& where) {
  const Violation& v = s.exploration.violations[g.witness];
  const Geometry& geo = before.geometry;
  ViolationPage p;
  p.title = fmt::format("ptx violation: {}, IPA {:#x}", where, v.ipa);
  p.section = where;
  p.verdict_class = std::string(violation_class_name(g.cls));
  p.ipa = v.ipa;
  p.ipa_range = g.first_ipa == g.last_ipa ? fmt::format("{:#x} ({} IPAs of its class)", g.first_ipa, g.ipas)
                                          : fmt::format("{:#x}..{:#x} ({} IPAs)", g.first_ipa, g.last_ipa, g.ipas);
  p.lists = lists_text(g, s.exploration, "lists");
  for (uint32_t i = 0; i < v.epoch_start; ++i) p.witness.push_back(i);
  p.witness.insert(p.witness.end(), v.witness.begin(), v.witness.end());
  p.updates = update_views(s, geo, p.witness);
  const std::string observed = g.cls == ViolationClass::kTransientFault ? "observed (transient fault)"
                                                                        : "observed (wrong translation)";
  std::map<EntryKey, uint64_t> state;
  std::vector<EntryKey> applied;
  p.before = walk_view(before, state, applied, v.ipa, "before");
  p.steps.push_back(p.before);
  for (size_t k = 0; k < p.witness.size(); ++k) {
    const Update& u = s.section.updates[p.witness[k]];
    const EntryKey key = geo.key(before.key_level(u.kind), u.entry);
    state[key] = u.new_value;
    applied.push_back(key);
    p.steps.push_back(walk_view(before, state, applied, v.ipa, k + 1 == p.witness.size() ? observed : "intermediate"));
  }
  std::map<EntryKey, uint64_t> after;
  for (const Update& u : s.section.updates) after[geo.key(before.key_level(u.kind), u.entry)] = u.new_value;
  p.after = walk_view(before, after, {}, v.ipa, "after");
  return p;
}

IndexRow index_row(const ViolationPage& page, const ViolationGroup& g, const std::string& file) {
  return IndexRow{file, page.section, page.verdict_class, page.ipa_range, page.lists, g.ipas};
}

}  // namespace ptx::html
