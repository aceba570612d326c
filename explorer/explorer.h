// SPDX-License-Identifier: BSD-2-Clause
// The fast, exact Transactional Page Table checker.
//
// Given a VM's state before a critical section and the section's updates (program order), it
// decides, for every valid IPA, whether every list of `sample_and_shuffle_updates` applied by
// `update_npt` leaves the walk (`pt_map`) at the before- or the after-mapping, and counts how many
// of the a(n) = sum_k C(n,k) k! lists give each mapping — the figures the faithful reference
// (faithful.h) computes by enumeration — without listing the lists.
//
// Algorithm.
//  * States: a list's resulting state gives each written entry one value of its history
//    (entry_history.h). Only the ≤ levels entries on a walk path matter to an IPA.
//  * Addresses: AddressClasses gives one representative IPA per class of IPAs that every state
//    maps alike (argument in address_classes.h); other IPAs are unaffected.
//  * Per representative, a depth-first walk that branches only on the written entries it reads,
//    over their distinct history values: at most the product of the path entries' history lengths
//    walks (2^4 = 16 for a SeKVM section), never n! orders. Each leaf of that search fixes the
//    values of the written entries it read (a disjoint event) and yields one mapping.
//  * Counting a leaf: for an entry written m times, the sub-lists of its writes whose first element
//    (the write `update_npt` applies last) has value v have exponential generating function
//    [v = before] + (c_v / m)((1+x)^m - 1), with c_v the writes of value v; an unconstrained entry
//    contributes (1+x)^m. Lists are interleavings, so the number of lists with the leaf's values is
//    sum_K K! [x^K] of the product: sum over subsets T of the read entries of
//    prod_{T} (c_v/m) * prod_{not T} ([v=before] - c_v/m) * a(n - M + sum_T m), M = writes to the
//    read entries. Exact in arbitrary precision; 2^(entries read) terms.
//  * Witness: the leaf giving the violating mapping with the fewest entries off their before-value;
//    one write of the needed value per such entry.
//  * Short paths (same results): a section of one update has the lists [] and [u] only, so each
//    address's counts are read off its before- and after-walk (1 and 1, or 2 when they agree) —
//    and when it writes a leaf over a leaf in per-level pools, off the written entry's two values,
//    with no walk and no class search (one_write.h);
//    up to 30 updates, a leaf whose entries are each written once is counted from a table of
//    (n, entries read, entries at their written value); large counts are ExactCount, shared by
//    the classes and targets that have them (no per-class copy of a(n)-sized numbers).
// Complexity: O(classes * 2^levels * levels) walks plus the class enumeration; classes are
// explored in parallel with TBB when there are enough of them (class_parallelism.h).
//
// Observers: the theorem quantifies over every observer vmid; an observer other than the section's
// VM has an empty pt_updates buffer (the previous section was completed by a barrier), so its only
// list is [] and it trivially sees the before-mapping. The check is therefore run for the
// section's own VM, whose image is `before`. A missing barrier is modelled by passing the previous
// section's updates in front of this one's.
#ifndef PTX_EXPLORER_EXPLORER_H_
#define PTX_EXPLORER_EXPLORER_H_

#include <cstdint>
#include <span>

#include "explorer/exploration.h"
#include "explorer/tables.h"
#include "pagetable/npt_image.h"
#include "pagetable/update.h"

namespace ptx {

// Explores `updates` (program order: updates[0] was written first) made on `before`.
// `targets`: IPAs whose counts are reported in Exploration::targets (in order), typically the
// section's op addresses. REQUIRES: every update's kind is a level of before.geometry(); every
// target < before.geometry().ipa_limit().
Exploration explore(const NptImage& before, std::span<const Update> updates,
                    std::span<const uint64_t> targets, const ExploreOptions& options = {});
// The same on `before` walked from another root, or with another geometry of its memory
// (tables.h): a flat memory explored for each of its roots.
Exploration explore(const Tables& before, std::span<const Update> updates,
                    std::span<const uint64_t> targets, const ExploreOptions& options = {});
// The same into *out, which it overwrites, reusing the storage of out's vectors where it can: a
// caller that explores section after section (SectionChecker) keeps one Exploration and
// allocates nothing for the common one-write section (one_write.h).
void explore(const Tables& before, std::span<const Update> updates, std::span<const uint64_t> targets,
             const ExploreOptions& options, Exploration* out);

}  // namespace ptx

#endif  // PTX_EXPLORER_EXPLORER_H_
