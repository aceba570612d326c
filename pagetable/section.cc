// SPDX-License-Identifier: BSD-2-Clause
#include "pagetable/section.h"

namespace ptx {

std::vector<Update> coq_pt_updates(const Section& s) {
  return std::vector<Update>(s.updates.rbegin(), s.updates.rend());
}

}  // namespace ptx
