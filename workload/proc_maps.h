// SPDX-License-Identifier: BSD-2-Clause
// One line of /proc/PID/maps (proc(5)), as `--from-process` reads it (from_process.h):
//     START-END PERMS [OFFSET DEV INODE [PATH]]
//     7f2c0000-7f2c1000 r-xp 00000000 08:01 1234   /usr/lib/x86_64-linux-gnu/libc.so.6
// START and END are hexadecimal addresses (1..16 digits, no prefix, as the kernel prints them);
// PERMS is at least 3 characters whose first three say read, write, execute ('r', 'w', 'x', or
// anything else for "no"). Fields are separated by whitespace; what follows PERMS is not read.
// Exposed in its own header so that tests and the proc_maps fuzz target can reach it.
#ifndef PTX_WORKLOAD_PROC_MAPS_H_
#define PTX_WORKLOAD_PROC_MAPS_H_

#include <cstdint>
#include <optional>
#include <string>

namespace ptx::workload {

struct ProcMapping {
  uint64_t start = 0;
  uint64_t end = 0;  // not checked against start: callers skip empty or reversed ranges
  bool read = false, write = false, exec = false;
  uint8_t perms() const { return static_cast<uint8_t>((read ? 1 : 0) | (write ? 2 : 0) | (exec ? 4 : 0)); }
};

// The mapping `line` describes, or nullopt when it is malformed (see above). Never throws.
std::optional<ProcMapping> parse_maps_line(const std::string& line);

}  // namespace ptx::workload

#endif  // PTX_WORKLOAD_PROC_MAPS_H_
