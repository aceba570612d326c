// SPDX-License-Identifier: BSD-2-Clause
#include "armcheck/roots.h"

namespace ptx::armcheck {

StatusOr<Geometry> geometry_of_control(uint64_t value, std::string_view reg) {
  const uint64_t t0sz = value & 0x3f;
  const uint64_t tg0 = (value >> 14) & 3;
  if (tg0 != 0) {
    return unsupported("{} value {:#x}: TG0 {:#b} is not the 4 KiB granule, the only one ptx walks", reg, value, tg0);
  }
  int start;
  if (t0sz >= 16 && t0sz <= 20) {
    start = 0;
  } else if (t0sz >= 25 && t0sz <= 29) {
    start = 1;
  } else if (t0sz >= 34 && t0sz <= 38) {
    start = 2;
  } else {
    return unsupported("{} value {:#x}: T0SZ {} gives a {}-bit input; ptx walks T0SZ 16-20, 25-29 or 34-38 "
                       "(start level 0, 1 or 2 without concatenated tables)",
                       reg, value, t0sz, 64 - t0sz);
  }
  return Geometry::arm(start);
}

void Roots::activate(const Root& r) {
  for (Root& old : roots_) {
    if (old.base == r.base) {
      old = r;
      return;
    }
  }
  roots_.push_back(r);
}

bool Roots::is_root(uint64_t page, bool registered) const {
  for (const Root& r : roots_) {
    if (r.base == page && (r.registered || !registered)) return true;
  }
  return false;
}

}  // namespace ptx::armcheck
