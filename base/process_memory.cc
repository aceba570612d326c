// SPDX-License-Identifier: BSD-2-Clause
#include "base/process_memory.h"

#include <malloc.h>

#include <sys/resource.h>

#include <cstdio>
#include <cstring>

namespace ptx {

uint64_t peak_rss_bytes() {
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    unsigned long long kb = 0;
    bool found = false;
    while (!found && std::fgets(line, sizeof line, f) != nullptr) {
      found = std::strncmp(line, "VmHWM:", 6) == 0 && std::sscanf(line + 6, "%llu", &kb) == 1;
    }
    std::fclose(f);
    if (found) return static_cast<uint64_t>(kb) * 1024;
  }
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  return static_cast<uint64_t>(u.ru_maxrss) * 1024;  // Linux: kilobytes
}

bool release_large_blocks_when_freed() { return mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1; }

bool reset_peak_rss() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

}  // namespace ptx
