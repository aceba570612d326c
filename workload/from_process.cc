// SPDX-License-Identifier: BSD-2-Clause
#include "workload/from_process.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "base/line_reader.h"
#include "workload/proc_maps.h"
#include "workload/s2_descriptor.h"

namespace ptx::workload {
namespace {

constexpr uint64_t kMaxMappingBytes = uint64_t{16} << 30;
// Present pages read at most (16 GiB): the level-3 pool maps at most 5887 x 512 pages anyway.
constexpr size_t kMaxPages = size_t{1} << 22;
constexpr uint64_t kRegionPages = kBlockSize / PAGE_SIZE;
constexpr uint64_t kBatchPages = 8;
constexpr uint64_t kPresent = uint64_t{1} << 63;
constexpr uint64_t kPfnMask = (uint64_t{1} << 55) - 1;

struct Page {
  uint64_t va = 0;
  uint64_t pfn = 0;      // 0 when unknown
  uint32_t mapping = 0;  // index of its mapping
  uint8_t perms = 0;     // bit 0 read, 1 write, 2 exec
};

// What /proc/PID/maps and pagemap gave.
struct ProcessPages {
  std::string comm;
  std::vector<ProcMapping> mappings;
  size_t skipped_large = 0;
  std::vector<Page> pages;
  bool pagemap_ok = true;
  bool pfns_seen = false;
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

// A maps line is an address range, permissions, offset, device, inode and a path (PATH_MAX).
constexpr uint64_t kMaxMapsLineBytes = 8192;

// The mappings worth reading: accessible, below 2^48, at most 16 GiB.
Status read_maps(int64_t pid, const std::string& dir, ProcessPages* p) {
  std::ifstream maps(dir + "/maps");
  if (!maps) return bad_input("--from-process {}: cannot read {}/maps: {}", pid, dir, std::strerror(errno));
  {
    std::ifstream comm(dir + "/comm");
    std::getline(comm, p->comm);
  }
  LineReader reader(maps, kMaxMapsLineBytes);
  for (std::string line;;) {
    StatusOr<bool> more = reader.next(&line);
    if (!more.ok()) {
      return std::move(more).status().with_context(fmt::format("--from-process {}: {}/maps line {}", pid, dir, reader.line()));
    }
    if (!*more) break;
    const std::optional<ProcMapping> m = parse_maps_line(line);
    if (!m) return bad_input("--from-process {}: unexpected line in {}/maps: '{}'", pid, dir, line);
    if (!m->read && !m->write && !m->exec) continue;
    if (m->start >= KVM_ADDR_SPACE || m->end > KVM_ADDR_SPACE || m->end <= m->start) continue;
    if (m->end - m->start > kMaxMappingBytes) {
      ++p->skipped_large;
      continue;
    }
    p->mappings.push_back(*m);
  }
  if (p->mappings.empty() && p->comm.empty()) {
    return bad_input("--from-process {}: no such process (or {}/maps is empty)", pid, dir);
  }
  return ok_status();
}

// Adds the present pages of mapping `mi`, reading pagemap when it could be opened.
Status read_mapping_pages(int64_t pid, const std::string& dir, int pagemap, uint32_t mi, ProcessPages* p) {
  const ProcMapping& m = p->mappings[mi];
  std::vector<uint64_t> buf;
  const uint64_t first = m.start / PAGE_SIZE, last = m.end / PAGE_SIZE;
  for (uint64_t vpn = first; vpn < last;) {
    const uint64_t n = std::min<uint64_t>(last - vpn, 4096);
    uint64_t have = 0;  // pagemap words read for this chunk
    if (p->pagemap_ok) {
      buf.assign(n, 0);
      const ssize_t got = ::pread(pagemap, buf.data(), n * 8, static_cast<off_t>(vpn * 8));
      if (got >= 0) {
        have = static_cast<uint64_t>(got) / 8;  // short: the process changed under us; the rest is absent
      } else if (p->pages.empty() && vpn == first && mi == 0) {
        p->pagemap_ok = false;  // unreadable (permissions): fall back to "every page present"
      } else {
        return io_error("--from-process {}: reading {}/pagemap: {}", pid, dir, std::strerror(errno));
      }
    }
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t pfn = 0;
      if (i < have) {
        if ((buf[i] & kPresent) == 0) continue;
        pfn = buf[i] & kPfnMask;
        p->pfns_seen |= pfn != 0;
      } else if (p->pagemap_ok) {
        continue;
      }
      if (p->pages.size() == kMaxPages) {
        return bad_input("--from-process {}: more than {} present pages (16 GiB); ptx reads at most that many",
                         pid, kMaxPages);
      }
      p->pages.push_back(Page{(vpn + i) * PAGE_SIZE, pfn, mi, m.perms()});
    }
    vpn += n;
  }
  return ok_status();
}

S2Attrs attrs_of(uint8_t perms) {
  return S2Attrs{S2Memory::kNormal, (perms & 2) ? S2Access::kReadWrite : S2Access::kReadOnly, (perms & 4) != 0};
}

// Builds the ops from the pages: a whole aligned 2 MiB range present with one set of
// permissions is one block, every other page a page (see from_process.h).
class OpBuilder {
 public:
  OpBuilder(const ProcessPages& p, SectionPolicy policy, Workload* w) : p_(p), policy_(policy), w_(w) {}

  void run() {
    for (size_t i = 0; i < p_.pages.size();) {
      if (block_at(i)) {
        i += kRegionPages;
      } else {
        page_at(i++);
      }
    }
  }
  uint64_t blocks = 0, small = 0;

 private:
  void push(uint64_t ipa, int level, uint64_t desc, uint64_t section) {
    WorkloadOp op;
    op.vmid = kFromProcessVmid;
    op.ipa = ipa;
    op.level = static_cast<uint8_t>(level);
    op.descriptor = desc;
    op.section_id = section;
    op.line = static_cast<uint32_t>(w_->ops.size() + 1);
    w_->ops.push_back(op);
  }

  bool block_at(size_t i) {
    const std::vector<Page>& pages = p_.pages;
    const Page& p = pages[i];
    if (p.va % kBlockSize != 0 || i + kRegionPages > pages.size() ||
        pages[i + kRegionPages - 1].va != p.va + kBlockSize - PAGE_SIZE) {
      return false;
    }
    bool contiguous = p.pfn != 0 && p.pfn % kRegionPages == 0;
    for (size_t j = 1; j < kRegionPages; ++j) {
      if (pages[i + j].perms != p.perms) return false;
      contiguous = contiguous && pages[i + j].pfn == p.pfn + j;
    }
    const uint64_t oa = contiguous ? p.pfn * PAGE_SIZE : p.va;
    push(p.va, 2, s2_descriptor(oa, 2, attrs_of(p.perms)), ++next_section_);
    batch_fill_ = 0;
    ++blocks;
    return true;
  }

  void page_at(size_t i) {
    const Page& p = p_.pages[i];
    const uint64_t oa = p.pfn != 0 ? p.pfn * PAGE_SIZE : p.va;
    if (policy_ == SectionPolicy::kBatched) {
      const bool adjacent = i > 0 && p_.pages[i - 1].va + PAGE_SIZE == p.va;
      if (batch_fill_ == 0 || batch_mapping_ != p.mapping || !adjacent) {
        batch_fill_ = 0;
        ++next_section_;  // a new section
      }
      batch_mapping_ = p.mapping;
      batch_fill_ = (batch_fill_ + 1) % kBatchPages;
    } else {
      ++next_section_;
    }
    push(p.va, 3, s2_descriptor(oa, 3, attrs_of(p.perms)), next_section_);
    ++small;
  }

  const ProcessPages& p_;
  SectionPolicy policy_;
  Workload* w_;
  uint64_t next_section_ = 0, batch_fill_ = 0;
  uint32_t batch_mapping_ = UINT32_MAX;
};

}  // namespace

StatusOr<Workload> make_from_process(const FromProcessOptions& o) {
  if (o.pid <= 0) return bad_input("--from-process {}: not a process id", o.pid);
  const std::string dir = fmt::format("{}/{}", o.proc_root, o.pid);
  ProcessPages p;
  PTX_RETURN_IF_ERROR(read_maps(o.pid, dir, &p));
  Fd pm(::open((dir + "/pagemap").c_str(), O_RDONLY | O_CLOEXEC));
  p.pagemap_ok = pm.get() >= 0;
  for (uint32_t mi = 0; mi < p.mappings.size(); ++mi) {
    PTX_RETURN_IF_ERROR(read_mapping_pages(o.pid, dir, pm.get(), mi, &p));
  }
  Workload w;
  w.source = fmt::format("pid {}", o.pid);
  OpBuilder b(p, o.policy, &w);
  b.run();
  w.description = fmt::format(
      "process {}{}: {} pages, {} 2 MiB blocks from {} mappings ({}){}", o.pid,
      p.comm.empty() ? "" : fmt::format(" ({})", p.comm), b.small, b.blocks, p.mappings.size(),
      !p.pagemap_ok ? "pagemap unreadable: every page of a mapping counted"
                    : (p.pfns_seen ? "pagemap: present pages and frames" : "pagemap: present pages"),
      p.skipped_large ? fmt::format(", {} mappings over 16 GiB skipped", p.skipped_large) : "");
  w.finalize();
  return w;
}

}  // namespace ptx::workload
