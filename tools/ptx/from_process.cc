#include "tools/ptx/from_process.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "tools/ptx/bad_input.h"
#include "tools/ptx/s2_descriptor.h"

namespace ptx::cli {
namespace {

constexpr uint64_t kMaxMappingBytes = uint64_t{16} << 30;
// Present pages read at most (16 GiB): the level-3 pool maps at most 5887 x 512 pages anyway.
constexpr size_t kMaxPages = size_t{1} << 22;
constexpr uint64_t kRegionPages = kBlockSize / PAGE_SIZE;
constexpr uint64_t kBatchPages = 8;
constexpr uint64_t kPresent = uint64_t{1} << 63;
constexpr uint64_t kPfnMask = (uint64_t{1} << 55) - 1;

struct Mapping {
  uint64_t start = 0;
  uint64_t end = 0;
  bool read = false, write = false, exec = false;
};

struct Page {
  uint64_t va = 0;
  uint64_t pfn = 0;     // 0 when unknown
  uint32_t mapping = 0;  // index of its mapping
  uint8_t perms = 0;     // bit 0 read, 1 write, 2 exec
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Workload make_from_process(const FromProcessOptions& o) {
  const std::string source = fmt::format("pid {}", o.pid);
  if (o.pid <= 0) throw BadInput(fmt::format("--from-process {}: not a process id", o.pid));
  const std::string dir = fmt::format("{}/{}", o.proc_root, o.pid);
  std::ifstream maps(dir + "/maps");
  if (!maps) {
    throw BadInput(fmt::format("--from-process {}: cannot read {}/maps: {}", o.pid, dir,
                               std::strerror(errno)));
  }
  std::string comm;
  {
    std::ifstream c(dir + "/comm");
    std::getline(c, comm);
  }
  std::vector<Mapping> mappings;
  size_t skipped_large = 0;
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream ss(line);
    std::string range, perms;
    ss >> range >> perms;
    const size_t dash = range.find('-');
    if (dash == std::string::npos || perms.size() < 3) {
      throw BadInput(fmt::format("--from-process {}: unexpected line in {}/maps: '{}'", o.pid, dir, line));
    }
    Mapping m;
    try {
      m.start = std::stoull(range.substr(0, dash), nullptr, 16);
      m.end = std::stoull(range.substr(dash + 1), nullptr, 16);
    } catch (const std::exception&) {
      throw BadInput(fmt::format("--from-process {}: unexpected line in {}/maps: '{}'", o.pid, dir, line));
    }
    m.read = perms[0] == 'r';
    m.write = perms[1] == 'w';
    m.exec = perms[2] == 'x';
    if (!m.read && !m.write && !m.exec) continue;
    if (m.start >= KVM_ADDR_SPACE || m.end > KVM_ADDR_SPACE || m.end <= m.start) continue;
    if (m.end - m.start > kMaxMappingBytes) {
      ++skipped_large;
      continue;
    }
    mappings.push_back(m);
  }
  if (mappings.empty() && comm.empty()) {
    throw BadInput(fmt::format("--from-process {}: no such process (or {}/maps is empty)", o.pid, dir));
  }

  // Present pages, from pagemap when readable.
  Fd pm(::open((dir + "/pagemap").c_str(), O_RDONLY | O_CLOEXEC));
  bool pagemap_ok = pm.get() >= 0;
  bool pfns_seen = false;
  std::vector<Page> pages;
  std::vector<uint64_t> buf;
  for (uint32_t mi = 0; mi < mappings.size(); ++mi) {
    const Mapping& m = mappings[mi];
    const uint8_t perms = static_cast<uint8_t>((m.read ? 1 : 0) | (m.write ? 2 : 0) | (m.exec ? 4 : 0));
    const uint64_t first = m.start / PAGE_SIZE, last = m.end / PAGE_SIZE;
    for (uint64_t vpn = first; vpn < last;) {
      const uint64_t n = std::min<uint64_t>(last - vpn, 4096);
      bool have = false;
      if (pagemap_ok) {
        buf.assign(n, 0);
        const ssize_t got = ::pread(pm.get(), buf.data(), n * 8, static_cast<off_t>(vpn * 8));
        if (got == static_cast<ssize_t>(n * 8)) {
          have = true;
        } else if (got < 0 && pages.empty() && vpn == first && mi == 0) {
          pagemap_ok = false;  // unreadable (permissions): fall back to "every page present"
        } else if (got < 0) {
          throw BadInput(fmt::format("--from-process {}: reading {}/pagemap: {}", o.pid, dir,
                                     std::strerror(errno)));
        }
        // A short read means the process changed under us: treat the rest as absent.
      }
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t pfn = 0;
        if (have) {
          if ((buf[i] & kPresent) == 0) continue;
          pfn = buf[i] & kPfnMask;
          pfns_seen |= pfn != 0;
        } else if (pagemap_ok) {
          continue;
        }
        if (pages.size() == kMaxPages) {
          throw BadInput(fmt::format("--from-process {}: more than {} present pages (16 GiB); ptx "
                                     "reads at most that many",
                                     o.pid, kMaxPages));
        }
        pages.push_back(Page{(vpn + i) * PAGE_SIZE, pfn, mi, perms});
      }
      vpn += n;
    }
  }

  Workload w;
  w.source = source;
  uint64_t blocks = 0, small = 0, next_section = 0, batch_fill = 0;
  uint32_t batch_mapping = UINT32_MAX;
  auto attrs = [](uint8_t perms) {
    return S2Attrs{S2Memory::kNormal, (perms & 2) ? S2Access::kReadWrite : S2Access::kReadOnly,
                   (perms & 4) != 0};
  };
  auto push = [&](uint64_t ipa, int level, uint64_t desc, uint64_t section) {
    WorkloadOp op;
    op.vmid = kFromProcessVmid;
    op.ipa = ipa;
    op.level = static_cast<uint8_t>(level);
    op.descriptor = desc;
    op.section_id = section;
    op.line = static_cast<uint32_t>(w.ops.size() + 1);
    w.ops.push_back(op);
  };
  for (size_t i = 0; i < pages.size();) {
    const Page& p = pages[i];
    // A whole aligned 2 MiB range present with one set of permissions: one block.
    if (p.va % kBlockSize == 0 && i + kRegionPages <= pages.size() &&
        pages[i + kRegionPages - 1].va == p.va + kBlockSize - PAGE_SIZE) {
      bool same = true, contiguous = p.pfn != 0 && p.pfn % kRegionPages == 0;
      for (size_t j = 1; j < kRegionPages && same; ++j) {
        same = pages[i + j].perms == p.perms;
        contiguous = contiguous && pages[i + j].pfn == p.pfn + j;
      }
      if (same) {
        const uint64_t oa = contiguous ? p.pfn * PAGE_SIZE : p.va;
        push(p.va, 2, s2_descriptor(oa, 2, attrs(p.perms)), ++next_section);
        batch_fill = 0;
        ++blocks;
        i += kRegionPages;
        continue;
      }
    }
    const uint64_t oa = p.pfn != 0 ? p.pfn * PAGE_SIZE : p.va;
    uint64_t section;
    if (o.policy == SectionPolicy::kBatched) {
      const bool adjacent = i > 0 && pages[i - 1].va + PAGE_SIZE == p.va;
      if (batch_fill == 0 || batch_mapping != p.mapping || !adjacent) {
        batch_fill = 0;
        ++next_section;  // a new section
      }
      section = next_section;
      batch_mapping = p.mapping;
      batch_fill = (batch_fill + 1) % kBatchPages;
    } else {
      section = ++next_section;
    }
    push(p.va, 3, s2_descriptor(oa, 3, attrs(p.perms)), section);
    ++small;
    ++i;
  }
  w.description = fmt::format(
      "process {}{}: {} pages, {} 2 MiB blocks from {} mappings ({}){}", o.pid,
      comm.empty() ? "" : fmt::format(" ({})", comm), small, blocks, mappings.size(),
      !pagemap_ok ? "pagemap unreadable: every page of a mapping counted"
                  : (pfns_seen ? "pagemap: present pages and frames" : "pagemap: present pages"),
      skipped_large ? fmt::format(", {} mappings over 16 GiB skipped", skipped_large) : "");
  w.finalize();
  return w;
}

}  // namespace ptx::cli
