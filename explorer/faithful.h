// SPDX-License-Identifier: BSD-2-Clause
// The faithful reference checker: literally what Coq `TransactionalPageTableWrite` states.
//
// It lists `sample_and_shuffle_updates` of the section's updates (in Coq's pt_updates order,
// newest first), applies each list with `update_npt` (cumulative) to the before-state (as an
// overlay of the written entries: the rest of the image is shared), and walks every address of
// interest with `pt_map` in each resulting state. Exponential: a(n) lists of up to n updates.
// It is the oracle the fast explorer (explorer.h) is tested against, and `ptx run --mode faithful`.
#ifndef PTX_EXPLORER_FAITHFUL_H_
#define PTX_EXPLORER_FAITHFUL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "explorer/exploration.h"
#include "explorer/tables.h"
#include "pagetable/npt_image.h"
#include "pagetable/update.h"

namespace ptx {

// Same contract and result as explore() (explorer.h), by enumeration over the same address
// classes (AddressClasses). Witnesses are the shortest enumerated lists giving the observed
// mapping (first in Coq order among the shortest), as update indexes in program order.
// REQUIRES: updates.size() <= kFaithfulMaxUpdates (ExploreOptions::check tells; past it the
// process stops with a message rather than enumerate billions of lists).
Exploration explore_faithful(const NptImage& before, std::span<const Update> updates,
                             std::span<const uint64_t> targets, const ExploreOptions& options = {});
Exploration explore_faithful(const Tables& before, std::span<const Update> updates,
                             std::span<const uint64_t> targets, const ExploreOptions& options = {});

// The states the lists reach, for brute-force tests over many addresses. Built once per section:
// enumerates sample_and_shuffle_updates (Coq order), applies each list with update_npt
// (cumulative) to an overlay of `before`, and groups the lists by the state they reach, keeping
// for each state its number of lists and its first shortest list. verdict() then walks each
// distinct state once. Independent of the counting formula of explorer.h.
// REQUIRES: updates.size() <= kFaithfulMaxUpdates; `before` outlives this object.
struct AddressVerdict {
  uint64_t before = 0;
  uint64_t after = 0;
  Counts counts;
  std::vector<uint64_t> others;  // distinct observed mappings that are neither, ascending
  friend bool operator==(const AddressVerdict&, const AddressVerdict&) = default;
};

class FaithfulStates {
 public:
  FaithfulStates(const NptImage& before, std::span<const Update> updates);
  ~FaithfulStates();
  FaithfulStates(const FaithfulStates&) = delete;
  FaithfulStates& operator=(const FaithfulStates&) = delete;

  size_t list_count() const;   // a(n)
  AddressVerdict verdict(uint64_t ipa, CompareMode compare = CompareMode::kDescriptor) const;
  // The first shortest list (program-order update indexes, in Coq list order) whose state maps
  // `ipa` to `mapping`, or nullopt when no list does.
  std::optional<std::vector<uint32_t>> shortest_list(uint64_t ipa, uint64_t mapping,
                                                     CompareMode compare = CompareMode::kDescriptor) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ptx

#endif  // PTX_EXPLORER_FAITHFUL_H_
