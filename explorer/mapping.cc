#include "explorer/mapping.h"

namespace ptx {

std::string_view compare_mode_name(CompareMode m) {
  return m == CompareMode::kDescriptor ? "descriptor" : "translation";
}

bool parse_compare_mode(std::string_view s, CompareMode* out) {
  if (s == "descriptor") {
    *out = CompareMode::kDescriptor;
  } else if (s == "translation") {
    *out = CompareMode::kTranslation;
  } else {
    return false;
  }
  return true;
}

uint64_t mapping_of(CompareMode m, const Geometry& g, uint64_t ipa, uint64_t desc, int last_level) {
  if (m == CompareMode::kDescriptor || desc == 0) return desc;
  const uint64_t oa_mask = g.phys_page(~uint64_t{0});
  const uint64_t attrs = desc & ~oa_mask & ~uint64_t{3};
  uint64_t oa = desc & oa_mask;
  if (last_level == g.block_level()) {
    const uint64_t in_block = g.granule_size(last_level) - 1;
    oa = (oa & ~in_block) | (ipa & in_block & oa_mask);
  }
  return oa | attrs | 3;
}

}  // namespace ptx
