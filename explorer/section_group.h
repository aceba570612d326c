// SPDX-License-Identifier: BSD-2-Clause
// explore_group: the Transactional Page Table check of critical sections that overlap in time,
// as several threads holding one lock shared make them (Linux's stage-2 faults under the MMU lock
// taken for read, armcheck/shared_sections.h).
//
// What a walker may see. While sections S1..Sk are open together, each written entry holds some
// value of its history (any of the values written to it so far, or the one before them), every
// entry independently: the states are the products of the entries' histories, exactly the states
// of one section made of all their writes (address_classes.h). So the group is explored as that
// one section: every subset of the union of their writes, in every order.
//
// What it may see and still be right. Each section is a transaction of its own, so a state is
// correct for an IPA when the IPA maps as it does in some cut: some of the sections done, the
// others not begun (2^k states; the empty cut is the before-state, the full cut the after-state).
// An entry written by several sections (their code serialises those writes, e.g. by cmpxchg:
// otherwise ptx reports shared-entry) takes in a cut the value after the longest prefix of its
// writes whose sections are all done. A mapping no cut gives is a violation: a transient fault if
// the walk ends at an invalid entry, a wrong translation otherwise, as for one section.
//
// The states at the commits. A cut puts a section's writes in or out as a whole, so it cannot
// give a state in which a section is done on top of writes another section made before it and
// still undoes later: in Linux 6.12's shared fault path (block-and-page) vCPU 1 links the tables
// of a range, vCPU 0 installs a 2 MiB block in vCPU 1's table and read-unlocks, then vCPU 1 breaks
// that block and installs a table holding its one page. A walk may see the block: it is the state
// after vCPU 0's section committed (serialised, vCPU 0 then vCPU 1: the block, then vCPU 1
// replacing it, which KVM allows: the rest of the range is mapped again on the next fault). No cut
// gives it: with vCPU 0 done and vCPU 1 not begun the tables that hold the block are not linked,
// with both done the block is gone. So the state at each section's commit (its unlock) is allowed
// too: the memory then, every write of the group made before it (`commits`). It is no new
// judgement: when that section closed, that very state was the after-state of its own group check
// (the open sections with their writes so far), and a walker may still be in it. What the open
// sections wrote by then stays judged by their own close against every cut and commit state of
// their groups, so a section's wrong intermediate state is still found, unless another section of
// the group committed at exactly that moment (tests/explorer/section_group_test.cc).
//
// Why it is exact for disjoint sections: if S1..Sk write disjoint entries and each is transactional
// in every state of the others (each Si's own check covers its states against each cut of the
// others, which are among the group's states), every product state maps each IPA as one of the
// cuts does, since an IPA's walk reads at most one entry per level and each entry it reads is at
// the before- or after-value of its own section's view. Conversely every product state is one a
// walker can see. Brute force over every IPA of the reduced geometry agrees
// (tests/explorer/section_group_test.cc).
//
// Barriers. The group is explored without barrier epochs: a state the threads' DSBs rule out is
// still explored (a superset: sound, and for the writes of Linux's shared paths, which end each
// write to an entry with its final value before the DSB, no false report follows).
#ifndef PTX_EXPLORER_SECTION_GROUP_H_
#define PTX_EXPLORER_SECTION_GROUP_H_

#include <cstdint>
#include <span>

#include "explorer/exploration.h"
#include "pagetable/npt_image.h"
#include "pagetable/update.h"

namespace ptx {

// The most sections explore_group takes (2^k cuts and k commit states are walked per address class).
inline constexpr uint32_t kMaxGroupSections = 8;

// Explores `updates` (in the order they were made; update i belongs to section member[i] in
// 0..members-1) on `memory`, the state before all of them, walking from `root` with `g`; judged
// against the before-state, the after-state (every update), every cut, and the state after the
// first commits[j] updates for each j (a section's commit: the updates made before it closed; a
// value of 0 or updates.size() adds nothing). Leaves `memory` in the after-state. Witness indexes
// index `updates`.
// REQUIRES: member.size() == updates.size(); every member[i] < members <= kMaxGroupSections;
// commits.size() <= kMaxGroupSections; options.fits(updates.size()).
Exploration explore_group(NptImage& memory, uint64_t root, const Geometry& g, std::span<const Update> updates,
                          std::span<const uint32_t> member, uint32_t members, const ExploreOptions& options,
                          std::span<const size_t> commits = {});

}  // namespace ptx

#endif  // PTX_EXPLORER_SECTION_GROUP_H_
