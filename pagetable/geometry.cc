#include "pagetable/geometry.h"

namespace ptx {

std::string Geometry::validate() const {
  if (levels < 2 || levels > kMaxLevels) return "levels must be in 2..4";
  if (bits_per_level < 1 || bits_per_level > 9) return "bits_per_level must be in 1..9";
  if (page_shift < 12 || page_shift > 16) return "page_shift must be in 12..16";
  if (ipa_bits() > 48) return "page_shift + levels * bits_per_level must be at most 48";
  return "";
}

}  // namespace ptx
