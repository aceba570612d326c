// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/exploration.h"

namespace ptx {

Status ExploreOptions::too_large(size_t updates) {
  {
    return bad_input(
        "a section of {} updates is too large for --mode faithful, which enumerates at most {} "
        "(kFaithfulMaxUpdates): use --mode fast or smaller sections (faithful-limit)",
        updates, kFaithfulMaxUpdates);
  }
}

}  // namespace ptx
