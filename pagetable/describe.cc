// SPDX-License-Identifier: BSD-2-Clause
#include "pagetable/describe.h"

#include <fmt/format.h>

namespace ptx {

std::string size_text(uint64_t bytes) {
  static const char* const kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  for (int u = 4; u > 0; --u) {
    const uint64_t unit = uint64_t{1} << (10 * u);
    if (bytes >= unit && bytes % unit == 0) return fmt::format("{} {}", bytes / unit, kUnits[u]);
  }
  return fmt::format("{} bytes", bytes);
}

namespace {

std::string leaf_attributes(uint64_t desc) {
  std::string s;
  const uint64_t ap = (desc >> 6) & 3;
  s += ap == 3 ? " RW" : ap == 1 ? " RO" : ap == 2 ? " WO" : " none";
  if ((desc >> 54) & 1) s += " XN";
  if (((desc >> 2) & 0xf) <= 3) s += " dev";  // MemAttr 0b00xx: Device memory
  return s;
}

}  // namespace

std::string describe_descriptor(const Geometry& g, int level, uint64_t desc) {
  switch (g.classify(level, desc)) {
    case EntryType::kInvalid:
      return desc == 0 ? "invalid" : fmt::format("invalid (stale bits {:#x})", desc);
    case EntryType::kTable: return fmt::format("table -> {:#x}", g.table_address(desc));
    case EntryType::kBlock: {
      const uint64_t size = g.granule_size(level);
      return fmt::format("block {:#x} ({}){}", g.phys_page(desc) & ~(size - 1), size_text(size), leaf_attributes(desc));
    }
    case EntryType::kPage: return fmt::format("page {:#x}{}", g.phys_page(desc), leaf_attributes(desc));
  }
  return "?";
}

}  // namespace ptx
