#include "explorer/exploration.h"

namespace ptx {

Status ExploreOptions::check(size_t updates) const {
  if (mode == ExploreMode::kFaithful && updates > kFaithfulMaxUpdates) {
    return bad_input(
        "{} updates; --mode faithful enumerates at most {} (kFaithfulMaxUpdates): use --mode fast "
        "(faithful-limit)",
        updates, kFaithfulMaxUpdates);
  }
  return ok_status();
}

}  // namespace ptx
