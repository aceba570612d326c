// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/section_group.h"

#include "explorer/explorer.h"
#include "explorer/faithful.h"
#include "explorer/reference.h"
#include "explorer/tables.h"

namespace ptx {
namespace {

using Overlay = boost::container::flat_map<EntryKey, uint64_t>;

// The cut in which the sections of `done` (a bit per member) are done: each entry at the value
// after the longest prefix of its writes whose sections are all done.
Overlay cut_of(const Tables& t, std::span<const Update> updates, std::span<const uint32_t> member, uint32_t done) {
  Overlay cut;
  boost::container::flat_map<EntryKey, bool> stopped;  // the entry's prefix ended
  for (size_t i = 0; i < updates.size(); ++i) {
    const EntryKey key = t.geometry.key(t.key_level(updates[i].kind), updates[i].entry);
    bool& stop = stopped[key];
    if (stop) continue;
    if ((done >> member[i] & 1) == 0) {
      stop = true;
      continue;
    }
    cut[key] = updates[i].new_value;
  }
  return cut;
}

// The state after the first `n` updates: each entry at the value of its last write among them.
Overlay prefix_of(const Tables& t, std::span<const Update> updates, size_t n) {
  Overlay state;
  for (size_t i = 0; i < n; ++i) state[t.geometry.key(t.key_level(updates[i].kind), updates[i].entry)] = updates[i].new_value;
  return state;
}

}  // namespace

Exploration explore_group(NptImage& memory, uint64_t root, const Geometry& g, std::span<const Update> updates,
                          std::span<const uint32_t> member, uint32_t members, const ExploreOptions& options,
                          std::span<const size_t> commits) {
  const Tables t(memory, root, g);
  Reference ref;
  for (const Update& u : updates) ref.after[g.key(t.key_level(u.kind), u.entry)] = u.new_value;
  const uint32_t all = (uint32_t{1} << members) - 1;
  for (uint32_t done = 1; done < all; ++done) ref.cuts.push_back(cut_of(t, updates, member, done));
  for (const size_t n : commits) {
    if (n > 0 && n < updates.size()) ref.cuts.push_back(prefix_of(t, updates, n));
  }
  ExploreOptions opts = options;
  opts.reference = &ref;
  Exploration x = options.mode == ExploreMode::kFaithful ? explore_faithful(t, updates, {}, opts)
                                                         : explore(t, updates, {}, opts);
  for (const Update& u : updates) memory.apply(u);
  return x;
}

}  // namespace ptx
