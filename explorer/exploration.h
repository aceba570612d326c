// SPDX-License-Identifier: BSD-2-Clause
// Exploration: the verdict of checking one critical section's updates against the Transactional
// Page Table condition (Coq `TransactionalPageTableWrite`, SPEC §5), produced identically by the
// fast explorer (explorer.h) and the faithful reference (faithful.h).
#ifndef PTX_EXPLORER_EXPLORATION_H_
#define PTX_EXPLORER_EXPLORATION_H_

#include <cstdint>
#include <vector>

#include "base/enum_names.h"
#include "base/status.h"
#include "explorer/mapping.h"
#include "explorer/sequence_count.h"

namespace ptx {

// How many of the section's a(n) sequences (update lists of sample_and_shuffle_updates) make the
// walk of one address return its before-mapping, its after-mapping (and not the before one), or
// any other mapping. before + after + other == a(n). When before == after (the address is not
// changed by the section), every sequence that keeps it counts as `before`. ExactCount
// (sequence_count.h): the classes of a large section share their counts' digits.
struct Counts {
  ExactCount before = 0;
  ExactCount after = 0;
  ExactCount other = 0;
  friend bool operator==(const Counts&, const Counts&) = default;
};

// One address class: a set of IPAs that every reachable state maps alike (see explorer.h for the
// argument), named by one representative IPA.
struct AddressClass {
  uint64_t ipa = 0;        // the representative (a page-aligned IPA in the class)
  uint64_t before = 0;     // mapping of `ipa` before the section (per the compare mode)
  uint64_t after = 0;      // mapping after the section (all updates applied)
  Counts counts;
  uint32_t epoch = 0;      // the barrier epoch whose states these are (epochs.h); 0 without barriers
  uint64_t pages = 0;      // page-aligned IPAs in the class (AddressClasses::class_pages)
  friend bool operator==(const AddressClass&, const AddressClass&) = default;
};

// What a violation means to the guest (a second axis beside "which third mapping").
enum class ViolationClass : uint8_t {
  // Every walk that exposes the observed mapping ends at an invalid entry: the access faults and
  // is retried; no wrong data is reached. The "break" of break-before-make (VRM's
  // Transactional-Page-Table allows "the before-state, the after-state or a page fault").
  kTransientFault,
  // Some walk exposing it reaches an output (a block or a page) or attributes that neither the
  // before- nor the after-mapping has.
  kWrongTranslation,
};

inline constexpr EnumNames<ViolationClass, 2> kViolationClassNames{{
    {ViolationClass::kTransientFault, "transient-fault"},
    {ViolationClass::kWrongTranslation, "wrong-translation"},
}};
constexpr std::string_view violation_class_name(ViolationClass c) { return enum_name(kViolationClassNames, c); }

// A third mapping some sequence exposes.
struct Violation {
  uint64_t ipa = 0;        // the class representative that shows it
  uint64_t before = 0;
  uint64_t after = 0;
  uint64_t observed = 0;   // neither before nor after
  BigCount sequences = 0;  // how many sequences give `observed` at this IPA
  // A shortest list of updates (0-based indexes into the section's updates, program order) that,
  // applied by `update_npt` to the before-state in any order, makes the walk of `ipa` return
  // `observed`. No two indexes write the same entry, so every order gives the same state.
  std::vector<uint32_t> witness;
  ViolationClass cls = ViolationClass::kWrongTranslation;
  // A section cut by barriers (epochs.h): the epoch whose states expose it, and the index of its
  // first update. The replay applies updates[0, epoch_start) in program order (the earlier epochs,
  // complete at the barrier), then the witness. Both 0 without barriers.
  uint32_t epoch = 0;
  uint32_t epoch_start = 0;
  friend bool operator==(const Violation&, const Violation&) = default;
};

struct Exploration {
  size_t updates = 0;                 // n (with pending writes in front: theirs and the section's)
  BigCount sequences = 0;             // a(n) = sum_k C(n,k) k!
  std::vector<AddressClass> classes;  // every class whose walk can differ between states,
                                      // sorted by representative IPA
  std::vector<Counts> targets;        // per target IPA passed in (e.g. the ops' own addresses)
  std::vector<Violation> violations;  // sorted by (ipa, observed)
  // The VM's previous section was closed without its barrier (SectionChecker): its last `pending`
  // writes were explored in front of the section's own. Witness indexes then index that list:
  // below `pending` the previous section's pending writes, from `pending` on the section's updates
  // (index - pending); the before-state a witness applies to is the state before those writes.
  uint32_t pending = 0;
  bool ok() const { return violations.empty(); }
  friend bool operator==(const Exploration&, const Exploration&) = default;
};

// Which checker explores a section.
enum class ExploreMode : uint8_t {
  kFast,      // explore() (explorer.h): exact, by counting; any number of updates
  kFaithful,  // explore_faithful() (faithful.h): enumerates every list; kFaithfulMaxUpdates at most
};

inline constexpr EnumNames<ExploreMode, 2> kExploreModeNames{{
    {ExploreMode::kFast, "fast"},
    {ExploreMode::kFaithful, "faithful"},
}};
constexpr std::string_view explore_mode_name(ExploreMode m) { return enum_name(kExploreModeNames, m); }

// The faithful enumeration lists a(n) = sum_k C(n,k) k! update lists: a(10) = 9,864,101.
inline constexpr size_t kFaithfulMaxUpdates = 10;

struct Reference;  // reference.h

struct ExploreOptions {
  ExploreMode mode = ExploreMode::kFast;
  CompareMode compare = CompareMode::kDescriptor;
  // Use TBB to explore address classes in parallel when there are many.
  bool parallel = true;
  // When set, states are judged against this before/after instead of the explored updates' own
  // (reference.h). Not owned; must outlive the call.
  const Reference* reference = nullptr;

  // OK when a section of `updates` updates can be explored with these options; kBadInput
  // "a section of <n> updates is too large for --mode faithful, which enumerates at most 10
  // (kFaithfulMaxUpdates): ..." when the faithful mode is asked for more than kFaithfulMaxUpdates.
  Status check(size_t updates) const {
    return fits(updates) ? Status() : too_large(updates);
  }
  bool fits(size_t updates) const { return mode == ExploreMode::kFast || updates <= kFaithfulMaxUpdates; }

 private:
  static Status too_large(size_t updates);
};

}  // namespace ptx

#endif  // PTX_EXPLORER_EXPLORATION_H_
