// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/violation_groups.h"

#include <tuple>

#include <fmt/format.h>

namespace ptx {
namespace {

// The pages of the class a violation was found in (its representative, in its epoch).
uint64_t class_pages(const Exploration& x, const Violation& v) {
  for (const AddressClass& c : x.classes) {
    if (c.ipa == v.ipa && c.epoch == v.epoch) return c.pages;
  }
  return 1;
}

bool smaller_witness(const Violation& a, const Violation& b) {
  return std::tuple(a.epoch_start + a.witness.size(), a.witness) < std::tuple(b.epoch_start + b.witness.size(), b.witness);
}

}  // namespace

std::vector<ViolationGroup> group_violations(const Exploration& x) {
  std::vector<ViolationGroup> groups;
  for (size_t i = 0; i < x.violations.size(); ++i) {
    const Violation& v = x.violations[i];
    ViolationGroup* g = nullptr;
    for (ViolationGroup& c : groups) {
      if (c.before == v.before && c.after == v.after && c.observed == v.observed && c.cls == v.cls) g = &c;
    }
    if (g == nullptr) {
      groups.push_back(ViolationGroup{v.before, v.after, v.observed, v.cls, {}, 0, 0, 0, v.ipa, v.ipa, i});
      g = &groups.back();
    }
    g->members.push_back(i);
    g->ipas += class_pages(x, v);
    g->lists += v.sequences;
    if (g->max_lists < v.sequences) g->max_lists = v.sequences;
    g->first_ipa = std::min(g->first_ipa, v.ipa);
    g->last_ipa = std::max(g->last_ipa, v.ipa);
    if (smaller_witness(v, x.violations[g->witness])) g->witness = i;
  }
  return groups;
}

std::string lists_text(const ViolationGroup& g, const Exploration& x, const char* unit) {
  if (g.members.size() <= 1) return fmt::format("{} of {} {}", short_count(g.lists), short_count(x.sequences), unit);
  return fmt::format("up to {} of {} {} in each of its {} address classes", short_count(g.max_lists),
                     short_count(x.sequences), unit, g.members.size());
}

}  // namespace ptx
