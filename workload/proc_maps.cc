#include "workload/proc_maps.h"

#include <exception>
#include <sstream>

namespace ptx::workload {

std::optional<ProcMapping> parse_maps_line(const std::string& line) {
  std::istringstream ss(line);
  std::string range, perms;
  ss >> range >> perms;
  const size_t dash = range.find('-');
  if (dash == std::string::npos || perms.size() < 3) return std::nullopt;
  ProcMapping m;
  try {
    m.start = std::stoull(range.substr(0, dash), nullptr, 16);
    m.end = std::stoull(range.substr(dash + 1), nullptr, 16);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  m.read = perms[0] == 'r';
  m.write = perms[1] == 'w';
  m.exec = perms[2] == 'x';
  return m;
}

}  // namespace ptx::workload
