// SPDX-License-Identifier: BSD-2-Clause
#include "workload/proc_maps.h"

#include <sstream>
#include <string_view>

#include "base/number.h"

namespace ptx::workload {

std::optional<ProcMapping> parse_maps_line(const std::string& line) {
  std::istringstream ss(line);
  std::string range, perms;
  ss >> range >> perms;
  const size_t dash = range.find('-');
  if (dash == std::string::npos || perms.size() < 3) return std::nullopt;
  // Hex digits only: std::stoull took a sign, a 0x prefix and trailing garbage ("1000-2000zz").
  const std::string_view r(range);
  const std::optional<uint64_t> start = parse_hex_digits(r.substr(0, dash));
  const std::optional<uint64_t> end = parse_hex_digits(r.substr(dash + 1));
  if (!start || !end) return std::nullopt;
  ProcMapping m;
  m.start = *start;
  m.end = *end;
  m.read = perms[0] == 'r';
  m.write = perms[1] == 'w';
  m.exec = perms[2] == 'x';
  return m;
}

}  // namespace ptx::workload
