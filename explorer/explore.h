// SPDX-License-Identifier: BSD-2-Clause
// explore_section: the one entry point that explores a critical section with the checker
// ExploreOptions::mode names — the fast explorer (explorer.h) or the faithful enumeration
// (faithful.h) — after ExploreOptions::check.
#ifndef PTX_EXPLORER_EXPLORE_H_
#define PTX_EXPLORER_EXPLORE_H_

#include <cstdint>
#include <span>

#include "base/status.h"
#include "explorer/exploration.h"
#include "explorer/tables.h"
#include "pagetable/npt_image.h"
#include "pagetable/update.h"

namespace ptx {

// explore() or explore_faithful() of `updates` (program order) made on `before`, with `targets`
// as there. Errors: what options.check(updates.size()) refuses (kBadInput).
// REQUIRES: as explore().
StatusOr<Exploration> explore_section(const Tables& before, std::span<const Update> updates,
                                      std::span<const uint64_t> targets, const ExploreOptions& options);

}  // namespace ptx

#endif  // PTX_EXPLORER_EXPLORE_H_
