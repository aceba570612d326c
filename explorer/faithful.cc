// SPDX-License-Identifier: BSD-2-Clause
// The faithful reference checker (explorer/faithful.h): Coq `TransactionalPageTableWrite` by
// enumeration.
//
// For a section with updates u_0 .. u_{n-1} in program order, Coq's buffer `pt_updates` is
// [u_{n-1}; ...; u_0] (newest first). We enumerate `sample_and_shuffle_updates` of that list, with
// each element named by its program-order index, in exactly the Coq order (explorer/
// sample_and_shuffle.h), apply each list with `update_npt` (cumulative: last element first, head
// last) to an overlay of the before-state, and walk with `pt_map` (ptx::walk) over
// "overlay, else before". Lists reaching the same state (the same values of the written entries)
// are grouped; each state keeps its number of lists and its first shortest list (Coq order).
//
// Nothing here uses the history/counting arguments of the fast explorer: the only shared pieces are
// the walk (pagetable/walk.h), mapping_of (explorer/mapping.h) and, in explore_faithful, the set of
// representative IPAs (AddressClasses), which the differential test checks separately by brute
// force over every IPA.
#include "explorer/faithful.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>

#include <tbb/parallel_for.h>

#include "explorer/address_classes.h"
#include "explorer/class_parallelism.h"
#include "explorer/entry_history.h"
#include "explorer/reference.h"
#include "explorer/sample_and_shuffle.h"

namespace ptx {

namespace {

// Identity of an entry written by `u` (pagetable/geometry.h).
EntryKey key_of(const Update& u, const Geometry& g) {
  return g.key(level_of_kind(u.kind, g.levels), u.entry);
}

// A small map of written entries laid over the before-image (no copy of the image per list).
class Overlay {
 public:
  void write(const EntryKey& k, uint64_t value) {
    for (auto& [key, v] : entries_) {
      if (key == k) {
        v = value;
        return;
      }
    }
    entries_.emplace_back(k, value);
  }
  const uint64_t* find(const EntryKey& k) const {
    for (const auto& [key, v] : entries_) {
      if (key == k) return &v;
    }
    return nullptr;
  }
  void clear() { entries_.clear(); }

 private:
  std::vector<std::pair<EntryKey, uint64_t>> entries_;
};

// Coq `update_npt list npt` (cumulative) onto an overlay: the last element is applied first.
void update_npt_overlay(std::span<const uint8_t> list, std::span<const Update> updates,
                        const Geometry& g, Overlay& overlay) {
  for (size_t i = list.size(); i-- > 0;) {
    const Update& u = updates[list[i]];
    overlay.write(key_of(u, g), u.new_value);
  }
}

// The enumerated states of one section (the whole of FaithfulStates, also used directly by
// explore_faithful).
class StateSet {
 public:
  // One distinct state some list reaches.
  struct State {
    std::vector<uint64_t> values;    // value of each written entry (index = slot)
    uint64_t lists = 0;              // number of lists reaching it
    std::vector<uint32_t> shortest;  // its first shortest list (program-order indexes, Coq order)
    uint64_t shortest_pos = 0;       // position of that list in the Coq enumeration
  };

  // The walk's memory for one state: the written entries' values, else the before-image.
  struct StateMemory {
    const StateSet* impl;
    const std::vector<uint64_t>* values;  // nullptr: the before-state itself
    uint64_t read(int level, uint64_t entry) const {
      if (values != nullptr) {
        const EntryKey k = impl->before.geometry.key(level, entry);
        for (size_t i = 0; i < impl->slots.size(); ++i) {
          if (impl->slots[i] == k) return (*values)[i];
        }
      }
      return impl->before.read(level, entry);
    }
  };

  // What the states show at one IPA: per observed mapping, its list count and best state.
  struct Observed {
    uint64_t lists = 0;
    bool fault = true;  // every state giving this mapping walks to an invalid entry
    size_t best = 0;  // state holding the first shortest list giving this mapping
  };
  struct Observation {
    uint64_t before = 0;
    uint64_t after = 0;
    std::vector<uint64_t> allowed;  // the reference's cuts (reference.h): judged as `after`
    // Judged as the after-state: the after-mapping itself, or a cut's.
    bool as_after(uint64_t m) const { return m == after || std::find(allowed.begin(), allowed.end(), m) != allowed.end(); }
    std::vector<std::pair<uint64_t, Observed>> by_mapping;  // distinct mappings, ascending

    const Observed* find(uint64_t m) const {
      for (const auto& [key, ob] : by_mapping) {
        if (key == m) return &ob;
      }
      return nullptr;
    }
  };

  StateSet(const Tables& b, std::span<const Update> updates) : before(b) {
    const size_t n = updates.size();
    if (n > kFaithfulMaxUpdates) {
      // A broken REQUIRES (callers check ExploreOptions::check first), not bad input: a(n) lists
      // past the limit would exhaust memory, so stop here in every build.
      std::fprintf(stderr, "ptx: FaithfulStates: %zu updates, more than kFaithfulMaxUpdates (%zu)\n",
                   n, kFaithfulMaxUpdates);
      std::abort();
    }
    const Geometry& g = before.geometry;
    for (const Update& u : updates) {
      const EntryKey k = key_of(u, g);
      if (std::find(slots.begin(), slots.end(), k) == slots.end()) slots.push_back(k);
    }

    // The after-state: every update, i.e. update_npt (pt_updates npt') npt = program order.
    Overlay overlay;
    for (const Update& u : updates) overlay.write(key_of(u, g), u.new_value);
    for (const EntryKey& k : slots) before_values.push_back(before.memory.read(k.level(), k.entry()));
    values_of(overlay, after_values);

    // Coq pt_updates = program order reversed, elements named by program-order index.
    CoqList<uint8_t> pt_updates;
    for (size_t i = n; i-- > 0;) pt_updates.push_back(static_cast<uint8_t>(i));

    // sample_and_shuffle_updates pt_updates = shuffle_lists (sample_updates pt_updates), and
    // shuffle_lists ls = concat (map shuffle_updates ls): unfolded here one sample at a time so
    // that only one sample's permutations are held in memory (same lists, same order).
    const std::vector<CoqList<uint8_t>> samples =
        sample_updates(std::span<const uint8_t>(pt_updates.data(), pt_updates.size()));
    std::map<std::vector<uint64_t>, size_t> index;  // state values -> states index
    std::vector<uint64_t> values;                    // the current list's state
    uint64_t pos = 0;
    for (const CoqList<uint8_t>& sample : samples) {
      const std::vector<CoqList<uint8_t>> lists =
          shuffle_updates(std::span<const uint8_t>(sample.data(), sample.size()));
      for (const CoqList<uint8_t>& list : lists) {
        overlay.clear();
        update_npt_overlay(list, updates, g, overlay);
        values_of(overlay, values);
        auto it = index.find(values);
        if (it == index.end()) {
          it = index.emplace(values, states.size()).first;
          State s;
          s.values = values;
          states.push_back(std::move(s));
        }
        State& s = states[it->second];
        if (s.lists == 0 || list.size() < s.shortest.size()) {
          s.shortest.assign(list.begin(), list.end());
          s.shortest_pos = pos;
        }
        ++s.lists;
        ++pos;
      }
    }
    list_count = pos;
  }

  // The state an overlay describes: each written entry's overlay value, else its before-value.
  void values_of(const Overlay& overlay, std::vector<uint64_t>& v) const {
    v.resize(slots.size());
    for (size_t i = 0; i < slots.size(); ++i) {
      const uint64_t* w = overlay.find(slots[i]);
      v[i] = w != nullptr ? *w : before_values[i];
    }
  }

  // The mapping of `ipa` in the state `values` (nullptr: before); *fault tells whether the walk
  // ended at an invalid entry.
  uint64_t mapping(uint64_t ipa, CompareMode compare, const std::vector<uint64_t>* values,
                   bool* fault = nullptr) const {
    const Geometry& g = before.geometry;
    const WalkResult w = walk(g, before.root, ipa, StateMemory{this, values});
    if (fault != nullptr) *fault = maps_nothing(g, w.descriptor, w.last_level());
    return mapping_of(compare, g, ipa, w);
  }

  Observation observe(uint64_t ipa, CompareMode compare) const {
    Observation o;
    if (reference != nullptr) {
      o.before = reference->before_mapping(before, compare, ipa);
      o.after = reference->after_mapping(before, compare, ipa);
      o.allowed = reference->cut_mappings(before, compare, ipa);
    } else {
      o.before = mapping(ipa, compare, nullptr);
      o.after = mapping(ipa, compare, &after_values);
    }
    for (size_t i = 0; i < states.size(); ++i) {
      const State& s = states[i];
      bool fault = false;
      const uint64_t m = mapping(ipa, compare, &s.values, &fault);
      auto it = std::find_if(o.by_mapping.begin(), o.by_mapping.end(),
                             [m](const auto& p) { return p.first == m; });
      Observed* ob;
      if (it == o.by_mapping.end()) {
        o.by_mapping.emplace_back(m, Observed{.lists = 0, .fault = true, .best = i});
        ob = &o.by_mapping.back().second;
      } else {
        ob = &it->second;
        const State& b = states[ob->best];
        if (std::pair(s.shortest.size(), s.shortest_pos) < std::pair(b.shortest.size(), b.shortest_pos)) {
          ob->best = i;
        }
      }
      ob->lists += s.lists;
      ob->fault = ob->fault && fault;
    }
    std::sort(o.by_mapping.begin(), o.by_mapping.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return o;
  }

  static Counts counts_of(const Observation& o) {
    uint64_t before = 0, after = 0, other = 0;
    for (const auto& [m, ob] : o.by_mapping) {
      if (m == o.before) {
        before += ob.lists;
      } else if (o.as_after(m)) {
        after += ob.lists;
      } else {
        other += ob.lists;
      }
    }
    return Counts{BigCount(before), BigCount(after), BigCount(other)};
  }

  const Tables before;
  const Reference* reference = nullptr;  // explore_faithful's options.reference
  std::vector<EntryKey> slots;  // distinct written entries, in order of first write
  std::vector<uint64_t> before_values;  // value of each written entry in `before`
  std::vector<uint64_t> after_values;   // ... after every update
  std::vector<State> states;  // in order of first reaching list
  uint64_t list_count = 0;
};

}  // namespace

struct FaithfulStates::Impl : StateSet {
  using StateSet::StateSet;
};

FaithfulStates::FaithfulStates(const NptImage& before, std::span<const Update> updates)
    : impl_(std::make_unique<Impl>(Tables(before), updates)) {}

FaithfulStates::~FaithfulStates() = default;

size_t FaithfulStates::list_count() const { return static_cast<size_t>(impl_->list_count); }

AddressVerdict FaithfulStates::verdict(uint64_t ipa, CompareMode compare) const {
  const StateSet::Observation o = impl_->observe(ipa, compare);
  AddressVerdict v;
  v.before = o.before;
  v.after = o.after;
  v.counts = StateSet::counts_of(o);
  for (const auto& [m, ob] : o.by_mapping) {
    if (m != o.before && !o.as_after(m)) v.others.push_back(m);  // ascending: map order
  }
  return v;
}

std::optional<std::vector<uint32_t>> FaithfulStates::shortest_list(uint64_t ipa, uint64_t mapping,
                                                                   CompareMode compare) const {
  const StateSet::Observation o = impl_->observe(ipa, compare);
  const StateSet::Observed* ob = o.find(mapping);
  if (ob == nullptr) return std::nullopt;
  return impl_->states[ob->best].shortest;
}

Exploration explore_faithful(const NptImage& before, std::span<const Update> updates,
                             std::span<const uint64_t> targets, const ExploreOptions& options) {
  return explore_faithful(Tables(before), updates, targets, options);
}

Exploration explore_faithful(const Tables& before, std::span<const Update> updates,
                             std::span<const uint64_t> targets, const ExploreOptions& options) {
  StateSet impl(before, updates);  // REQUIRES: at most kFaithfulMaxUpdates
  impl.reference = options.reference;
  const EntryHistories histories(before, options.reference == nullptr
                                             ? std::vector<Update>(updates.begin(), updates.end())
                                             : Reference::class_updates(before, updates, *options.reference));
  const AddressClasses address_classes(before, histories);
  const std::vector<uint64_t>& reps = address_classes.representatives();

  Exploration ex;
  ex.updates = updates.size();
  ex.sequences = sequence_count(updates.size());
  ex.classes.resize(reps.size());
  std::vector<std::vector<Violation>> per_class(reps.size());

  auto explore_class = [&](size_t i) {
    const uint64_t ipa = reps[i];
    const StateSet::Observation o = impl.observe(ipa, options.compare);
    ex.classes[i] = AddressClass{ipa, o.before, o.after, StateSet::counts_of(o), 0, address_classes.class_pages()[i]};
    for (const auto& [m, ob] : o.by_mapping) {
      if (m == o.before || o.as_after(m)) continue;
      Violation v;
      v.ipa = ipa;
      v.before = o.before;
      v.after = o.after;
      v.observed = m;
      v.sequences = BigCount(ob.lists);
      v.witness = impl.states[ob.best].shortest;
      v.cls = ob.fault ? ViolationClass::kTransientFault : ViolationClass::kWrongTranslation;
      per_class[i].push_back(std::move(v));
    }
  };
  if (use_parallel_classes(options.parallel, reps.size())) {
    tbb::parallel_for(size_t{0}, reps.size(), explore_class);
  } else {
    for (size_t i = 0; i < reps.size(); ++i) explore_class(i);
  }

  for (auto& vs : per_class) {
    for (auto& v : vs) ex.violations.push_back(std::move(v));
  }
  std::sort(ex.violations.begin(), ex.violations.end(), [](const Violation& a, const Violation& b) {
    return std::pair(a.ipa, a.observed) < std::pair(b.ipa, b.observed);
  });

  ex.targets.reserve(targets.size());
  for (const uint64_t t : targets) {
    ex.targets.push_back(StateSet::counts_of(impl.observe(t, options.compare)));
  }
  return ex;
}

}  // namespace ptx
