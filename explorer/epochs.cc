// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/epochs.h"

#include <algorithm>

#include <boost/container/small_vector.hpp>

#include "explorer/explorer.h"
#include "explorer/faithful.h"
#include "explorer/reference.h"

namespace ptx {
namespace {

Exploration explore_one(const Tables& t, std::span<const Update> updates, std::span<const uint64_t> targets,
                        const ExploreOptions& options) {
  return options.mode == ExploreMode::kFaithful ? explore_faithful(t, updates, targets, options)
                                                : explore(t, updates, targets, options);
}

// Adds epoch `epoch`'s exploration (its updates start at `start`) to the section's.
void merge(Exploration& total, Exploration&& x, uint32_t epoch, uint32_t start) {
  total.sequences += x.sequences;
  for (AddressClass& c : x.classes) {
    c.epoch = epoch;
    total.classes.push_back(std::move(c));
  }
  if (total.targets.empty()) total.targets.resize(x.targets.size());
  for (size_t i = 0; i < x.targets.size(); ++i) {
    total.targets[i].before += x.targets[i].before;
    total.targets[i].after += x.targets[i].after;
    total.targets[i].other += x.targets[i].other;
  }
  for (Violation& v : x.violations) {
    // The same third mapping seen again in a later epoch (e.g. the state that ends one epoch and
    // starts the next) is one violation: its lists add up, its witness stays the earliest.
    auto same = std::find_if(total.violations.begin(), total.violations.end(), [&](const Violation& t) {
      return t.ipa == v.ipa && t.observed == v.observed;
    });
    if (same != total.violations.end()) {
      same->sequences += v.sequences;
      if (v.cls == ViolationClass::kWrongTranslation) same->cls = ViolationClass::kWrongTranslation;
      continue;
    }
    v.epoch = epoch;
    v.epoch_start = start;
    for (uint32_t& w : v.witness) w += start;
    total.violations.push_back(std::move(v));
  }
}

// The end of each epoch: the cuts inside (0, n), ascending, then n. (Inline storage: a section
// of a few writes and barriers allocates nothing.)
using EpochEnds = boost::container::small_vector<uint32_t, 8>;
EpochEnds epoch_bounds(size_t n, std::span<const uint32_t> epoch_ends) {
  EpochEnds ends;
  for (const uint32_t e : epoch_ends) {
    if (e > 0 && e < n && (ends.empty() || e > ends.back())) ends.push_back(e);
  }
  ends.push_back(static_cast<uint32_t>(n));
  return ends;
}

}  // namespace

size_t largest_epoch(size_t updates, std::span<const uint32_t> epoch_ends) {
  size_t largest = 0, start = 0;
  for (const uint32_t end : epoch_bounds(updates, epoch_ends)) {
    largest = std::max<size_t>(largest, end - start);
    start = end;
  }
  return largest;
}

Exploration explore_epochs(NptImage& memory, uint64_t root, const Geometry& g, std::span<const Update> updates,
                           std::span<const uint32_t> epoch_ends, std::span<const uint64_t> targets,
                           const ExploreOptions& options, size_t pending, std::span<const std::vector<Update>> also) {
  const Tables t(memory, root, g);
  const EpochEnds ends = epoch_bounds(updates.size(), epoch_ends);
  if (ends.size() == 1 && pending == 0 && also.empty()) {  // one epoch: no reference needed
    Exploration x = explore_one(t, updates, targets, options);
    for (const Update& u : updates) memory.apply(u);
    return x;
  }
  Reference ref;
  for (size_t i = 0; i < updates.size(); ++i) {
    const EntryKey key = g.key(t.key_level(updates[i].kind), updates[i].entry);
    ref.after[key] = updates[i].new_value;
    if (i < pending) ref.before[key] = updates[i].new_value;  // the state after the pending writes
  }
  for (const std::vector<Update>& state : also) {
    auto& cut = ref.cuts.emplace_back();
    for (const Update& u : state) cut[g.key(t.key_level(u.kind), u.entry)] = u.new_value;
  }
  ExploreOptions opts = options;
  opts.reference = &ref;
  Exploration total;
  total.updates = updates.size();
  uint32_t start = 0, epoch = 0;
  for (const uint32_t end : ends) {
    const std::span<const Update> part = updates.subspan(start, end - start);
    merge(total, explore_one(t, part, targets, opts), epoch++, start);
    for (const Update& u : part) {
      // The first write's old value (a pending entry keeps its value after the pending writes).
      ref.before.emplace(g.key(t.key_level(u.kind), u.entry), u.old_value);
      memory.apply(u);
    }
    start = end;
  }
  std::sort(total.violations.begin(), total.violations.end(), [](const Violation& a, const Violation& b) {
    return std::tie(a.ipa, a.observed, a.epoch) < std::tie(b.ipa, b.observed, b.epoch);
  });
  return total;
}

}  // namespace ptx
