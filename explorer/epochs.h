// SPDX-License-Identifier: BSD-2-Clause
// Barrier epochs: a critical section whose writes are cut by barriers (DSB) into epochs. At a
// barrier every earlier write of the section is complete (visible to every walker), so the states
// a walker can see are, for each epoch k, "every write of epochs 0..k-1, plus any subset of epoch
// k's writes in any order" — each judged against the whole section's before- and after-mapping
// (reference.h). A break-before-make (write 0; barrier; write the new value) then shows only the
// break (a transient fault), and "clear the stale entries; barrier; link the page" shows nothing.
// A section without barriers is one epoch: exactly explore() / explore_faithful().
//
// Pending writes: the first `pending` updates may be another section's writes that no barrier
// completed yet (the VM's previous section, closed without its barrier: the missing-barrier engine
// variant). They are explored with the first epoch, but the states are judged against the state
// after them (the previous section's after-state) and after every update.
//
// More allowed states: each of `also` is a state too (its updates' new values, the last of an
// entry's winning, over the memory the section starts from) whose mappings are allowed, as the
// after-state's are: a shared section's own check allows the states at the commits of the
// sections that overlapped it (explorer/section_group.h, armcheck/event_checker_sections.cc).
//
// Results: `sequences` is the sum over epochs of a(n_k); each class carries its epoch; a third
// mapping seen in several epochs is one violation (lists summed over the epochs; a wrong
// translation if it is one in any epoch) whose epoch is the first that shows it and whose witness
// holds section update indexes of that epoch (replay: apply updates[0, epoch_start) in program
// order, then the witness); `targets` sums the epochs' counts.
#ifndef PTX_EXPLORER_EPOCHS_H_
#define PTX_EXPLORER_EPOCHS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "explorer/exploration.h"
#include "explorer/tables.h"
#include "pagetable/npt_image.h"
#include "pagetable/update.h"

namespace ptx {

// Explores `updates` (program order) made on `memory` walked from `root` with geometry `g`, cut
// before each index of `epoch_ends` (a barrier completed updates [0, i) before update i) — indexes
// outside (0, updates.size()) cut nothing; the updates after the last cut form the last epoch;
// empty: one epoch — with options.mode's explorer, and leaves `memory` at the section's
// after-state (every update applied in program order). The first `pending` updates are pending
// writes of an earlier section (above); `also` more allowed states (above). options.reference
// must be null (this sets its own).
// REQUIRES: g is compatible with memory (tables.h); epoch_ends ascending, each above `pending`;
// pending <= updates.size(); faithful mode: each epoch within kFaithfulMaxUpdates
// (ExploreOptions::check on largest_epoch); the kinds of `also`'s updates set.
Exploration explore_epochs(NptImage& memory, uint64_t root, const Geometry& g, std::span<const Update> updates,
                           std::span<const uint32_t> epoch_ends, std::span<const uint64_t> targets,
                           const ExploreOptions& options, size_t pending = 0,
                           std::span<const std::vector<Update>> also = {});

// The size of the largest epoch (what ExploreOptions::check must accept).
size_t largest_epoch(size_t updates, std::span<const uint32_t> epoch_ends);

}  // namespace ptx

#endif  // PTX_EXPLORER_EPOCHS_H_
