// SPDX-License-Identifier: BSD-2-Clause
#include "pagetable/geometry.h"

namespace ptx {

Status Geometry::validate() const {
  if (levels < 2 || levels > kMaxLevels) return bad_input("levels must be in 2..4");
  if (bits_per_level < 1 || bits_per_level > 9) return bad_input("bits_per_level must be in 1..9");
  if (page_shift < 12 || page_shift > 16) return bad_input("page_shift must be in 12..16");
  if (ipa_bits() > 48) return bad_input("page_shift + levels * bits_per_level must be at most 48");
  if (rules == DescriptorRules::kArm && page_shift != 12) {
    return bad_input("the arm descriptor rules are those of the 4 KiB granule: page_shift must be 12");
  }
  return ok_status();
}

}  // namespace ptx
