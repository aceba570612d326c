// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/explore.h"

#include "explorer/explorer.h"
#include "explorer/faithful.h"

namespace ptx {

StatusOr<Exploration> explore_section(const Tables& before, std::span<const Update> updates,
                                      std::span<const uint64_t> targets, const ExploreOptions& options) {
  PTX_RETURN_IF_ERROR(options.check(updates.size()));
  if (options.mode == ExploreMode::kFaithful) return explore_faithful(before, updates, targets, options);
  return explore(before, updates, targets, options);
}

}  // namespace ptx
