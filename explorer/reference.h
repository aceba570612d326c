// SPDX-License-Identifier: BSD-2-Clause
// Reference: the before- and after-state a section's intermediate states are judged against, when
// they are not simply "no update" and "every update" of the updates being explored:
//   * a section cut by barriers (DSB) into epochs (epochs.h): epoch k is explored on the memory
//     after epochs 0..k-1, but judged against the whole section's before and after;
//   * a section whose previous section of the same VM was closed without its barrier (the
//     missing-barrier engine variant): both sections' updates are explored together, judged
//     against this section's own before (the previous section's after) and after.
//   * sections that overlap in time under a shared lock (armcheck/shared_sections.h): the union of
//     their writes is explored, judged against `cuts` too: each cut is the state in which some of
//     the sections are done and the others not begun, or the state at one section's commit (the
//     group's writes made before it closed), and a walk that maps as one of them does is one a
//     walker may see with the sections' transactions serialised (explorer/section_group.h).
// Each side is an overlay of entry values on the explored memory: the state is the memory with
// these entries replaced.
#ifndef PTX_EXPLORER_REFERENCE_H_
#define PTX_EXPLORER_REFERENCE_H_

#include <cstdint>
#include <span>
#include <vector>

#include <boost/container/flat_map.hpp>

#include "explorer/mapping.h"
#include "explorer/tables.h"
#include "pagetable/update.h"
#include "pagetable/walk.h"

namespace ptx {

struct Reference {
  boost::container::flat_map<EntryKey, uint64_t> before;  // entry key -> value before the section
  boost::container::flat_map<EntryKey, uint64_t> after;   // entry key -> value after the section
  // More states whose mappings are allowed (judged as the after-state is): the cuts and commit
  // states of a group of overlapping sections. Empty for a single section.
  std::vector<boost::container::flat_map<EntryKey, uint64_t>> cuts;

  // The updates to compute address classes from (address_classes.h) when `ref` judges the states
  // of `updates` made on `t`: `updates`, then one write of each overlay value that differs from
  // t's. A class is uniform over every state that gives each written entry a value of its
  // history, so these classes are uniform in the before- and after-state too: IPAs that walk
  // alike in every explored state but not in the section's before- or after-state (a later
  // barrier epoch, whose start state the earlier epochs changed) are never one class.
  static std::vector<Update> class_updates(const Tables& t, std::span<const Update> updates, const Reference& ref) {
    std::vector<Update> out(updates.begin(), updates.end());
    std::vector<const Overlay*> sides{&ref.before, &ref.after};
    for (const Overlay& c : ref.cuts) sides.push_back(&c);
    for (const Overlay* o : sides) {
      for (const auto& [key, value] : *o) {
        const uint64_t have = t.read(key.level(), key.entry());
        if (value != have) {
          out.push_back(Update{kind_at_level(key.level(), t.geometry.levels), key.entry(), have, value});
        }
      }
    }
    return out;
  }

  // The mapping of `ipa` in the before- (after-) state, walking `t` with the overlay.
  uint64_t before_mapping(const Tables& t, CompareMode m, uint64_t ipa) const { return mapping(t, m, ipa, before); }
  uint64_t after_mapping(const Tables& t, CompareMode m, uint64_t ipa) const { return mapping(t, m, ipa, after); }
  // The mappings of `ipa` in the cuts (empty without cuts).
  std::vector<uint64_t> cut_mappings(const Tables& t, CompareMode m, uint64_t ipa) const {
    std::vector<uint64_t> out;
    for (const Overlay& c : cuts) out.push_back(mapping(t, m, ipa, c));
    return out;
  }

 private:
  using Overlay = boost::container::flat_map<EntryKey, uint64_t>;
  struct Memory {
    const Tables& t;
    const Overlay& overlay;
    uint64_t read(int level, uint64_t entry) const {
      const auto it = overlay.find(t.geometry.key(level, entry));
      return it != overlay.end() ? it->second : t.read(level, entry);
    }
  };
  static uint64_t mapping(const Tables& t, CompareMode m, uint64_t ipa, const Overlay& o) {
    return mapping_of(m, t.geometry, ipa, walk(t.geometry, t.root, ipa, Memory{t, o}));
  }
};

}  // namespace ptx

#endif  // PTX_EXPLORER_REFERENCE_H_
