// SPDX-License-Identifier: BSD-2-Clause
#include "report/picture_budget.h"

#include <algorithm>

namespace ptx::report {

std::vector<PictureBudget::Pick> PictureBudget::take(const CheckedSection& s, const Occurrence& at) {
  Lane& lane = *lanes_[std::min<uint32_t>(at.lane, kVmCount)];
  std::vector<Pick> out;
  std::vector<std::string> seen;
  for (size_t i = 0; i < s.exploration.violations.size(); ++i) {
    std::string id = violation_signature(s, s.exploration.violations[i]).id();
    if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
    seen.push_back(id);
    uint64_t& taken = lane.taken[id];
    if (taken >= limit_) continue;
    ++taken;
    out.push_back(Pick{std::move(id), i, at});
    lane.picks.push_back(out.back());
  }
  return out;
}

void PictureBudget::finish(std::vector<Pick>* kept, std::vector<Pick>* removed) const {
  std::vector<Pick> all;
  for (const CacheAligned<Lane>& l : lanes_) all.insert(all.end(), l->picks.begin(), l->picks.end());
  std::stable_sort(all.begin(), all.end(), [](const Pick& a, const Pick& b) {
    return a.id != b.id ? a.id < b.id : a.at < b.at;
  });
  std::string id;
  uint64_t n = 0;
  for (Pick& p : all) {
    if (p.id != id) {
      id = p.id;
      n = 0;
    }
    (n++ < limit_ ? kept : removed)->push_back(std::move(p));
  }
}

}  // namespace ptx::report
