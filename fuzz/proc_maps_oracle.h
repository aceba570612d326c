// SPDX-License-Identifier: BSD-2-Clause
// The oracle of proc_maps_fuzz (and of tests/workload/fuzz_regressions_test.cc).
// Input: a /proc/PID/maps text, optionally followed by a NUL byte and pagemap bytes.
//  * Every line goes through parse_maps_line (workload/proc_maps.h), checked against a
//    reference parser written here from the header's rules.
//  * When every line parses and the kept mappings hold at most kMaxFuzzPages pages, the text is
//    written as PID 1's maps under a fake proc root (the pagemap bytes, if any, at the first
//    kept mapping's pagemap offset) and make_from_process (workload/from_process.h) reads it
//    under both section policies: it must succeed with VM 1 ops that pass check_workload_op, lie
//    in kept mappings, and are in address order without overlap when the mappings are.
#ifndef PTX_FUZZ_PROC_MAPS_ORACLE_H_
#define PTX_FUZZ_PROC_MAPS_ORACLE_H_

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "fuzz/fuzz_util.h"
#include "fuzz/number_oracle.h"
#include "pagetable/constants.h"
#include "workload/from_process.h"
#include "workload/proc_maps.h"
#include "workload/s2_descriptor.h"

namespace ptx::fuzz {

inline constexpr uint64_t kMaxFuzzPages = uint64_t{1} << 14;

// proc_maps.h's rules: whitespace-separated fields, the first "HEX-HEX" (1..16 digits each), the
// second at least 3 characters.
inline std::optional<workload::ProcMapping> reference_maps_line(const std::string& line) {
  std::istringstream ss(line);
  std::string range, perms;
  if (!(ss >> range >> perms) || perms.size() < 3) return std::nullopt;
  const size_t dash = range.find('-');
  if (dash == std::string::npos) return std::nullopt;
  const std::optional<uint64_t> start = reference_digits(std::string_view(range).substr(0, dash), 16, 16);
  const std::optional<uint64_t> end = reference_digits(std::string_view(range).substr(dash + 1), 16, 16);
  if (!start || !end) return std::nullopt;
  return workload::ProcMapping{*start, *end, perms[0] == 'r', perms[1] == 'w', perms[2] == 'x'};
}

inline std::string show(const std::optional<workload::ProcMapping>& m) {
  return m ? fmt::format("{:#x}-{:#x} perms {}", m->start, m->end, m->perms()) : "nullopt";
}

// The mappings make_from_process keeps (from_process.h): accessible, non-empty, below 2^48,
// at most 16 GiB.
inline bool kept(const workload::ProcMapping& m) {
  return m.perms() != 0 && m.start < m.end && m.end <= KVM_ADDR_SPACE && m.end - m.start <= (uint64_t{16} << 30);
}

// Parses every line of `maps`, comparing with the reference; fills `mappings` with the kept ones.
inline std::string check_maps_lines(std::string_view maps, std::vector<workload::ProcMapping>* mappings, bool* all_ok) {
  std::istringstream in{std::string(maps)};
  *all_ok = true;
  for (std::string line; std::getline(in, line);) {
    const std::optional<workload::ProcMapping> got = workload::parse_maps_line(line), want = reference_maps_line(line);
    const bool same = got.has_value() == want.has_value() &&
                      (!got || (got->start == want->start && got->end == want->end && got->perms() == want->perms()));
    if (!same) return fmt::format("parse_maps_line('{}') gives {}, the reference {}", line, show(got), show(want));
    *all_ok = *all_ok && got.has_value();
    if (got && kept(*got)) mappings->push_back(*got);
  }
  return "";
}

// Whether the page at `va` is one of a mapping's pages (from_process.cc: START/4K .. END/4K).
inline bool page_in(const std::vector<workload::ProcMapping>& ms, uint64_t va) {
  for (const workload::ProcMapping& m : ms) {
    if (va / PAGE_SIZE >= m.start / PAGE_SIZE && va / PAGE_SIZE < m.end / PAGE_SIZE) return true;
  }
  return false;
}

// "" when every page an op maps lies in a kept mapping and, if those are in order, ops are in order too.
inline std::string check_process_ops(const workload::Workload& w, const std::vector<workload::ProcMapping>& ms) {
  bool sorted = true;
  for (size_t i = 1; i < ms.size(); ++i) sorted = sorted && ms[i - 1].end / PAGE_SIZE <= ms[i].start / PAGE_SIZE;
  uint64_t next_free = 0;
  for (const workload::WorkloadOp& op : w.ops) {
    if (Status st = workload::check_workload_op(op); !st.ok()) return "op fails check_workload_op: " + st.to_string();
    if (op.vmid != workload::kFromProcessVmid) return fmt::format("op of vmid {}", op.vmid);
    const uint64_t size = op.level == 2 ? workload::kBlockSize : PAGE_SIZE;
    for (uint64_t va = op.ipa; va < op.ipa + size; va += PAGE_SIZE) {
      if (!page_in(ms, va)) return fmt::format("op at {:#x} (level {}) maps {:#x}, in no kept mapping", op.ipa, op.level, va);
    }
    if (sorted && op.ipa < next_free) return fmt::format("op at {:#x} overlaps or precedes the previous op", op.ipa);
    next_free = op.ipa + size;
  }
  return "";
}

// Writes `maps` (and `pagemap` at `pagemap_offset`, when there is one) as PID 1 under `root`.
inline bool write_fake_proc(const std::string& root, std::string_view maps, std::optional<std::string_view> pagemap,
                            uint64_t pagemap_offset) {
  const std::string dir = root + "/1";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::filesystem::remove(dir + "/pagemap", ec);
  std::ofstream(dir + "/maps", std::ios::binary | std::ios::trunc) << maps;
  std::ofstream(dir + "/comm", std::ios::trunc) << "fuzz\n";
  if (!pagemap) return true;
  const int fd = ::open((dir + "/pagemap").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const ssize_t n = ::pwrite(fd, pagemap->data(), pagemap->size(), static_cast<off_t>(pagemap_offset));
  ::close(fd);
  return n == static_cast<ssize_t>(pagemap->size());
}

inline std::string check_from_process(const std::string& root, const std::vector<workload::ProcMapping>& ms) {
  for (SectionPolicy policy : {SectionPolicy::kSekvm, SectionPolicy::kBatched}) {
    const StatusOr<workload::Workload> w = workload::make_from_process({1, policy, root});
    if (!w.ok()) return "make_from_process refuses parsed maps: " + w.status().to_string();
    if (std::string p = check_process_ops(*w, ms); !p.empty()) return p;
  }
  return "";
}

// `scratch`: a directory for the fake proc root. `accepted` (if given) is set to whether every
// line parses.
inline std::string check_proc_maps_input(std::string_view data, const std::string& scratch, bool* accepted = nullptr) {
  const size_t nul = data.find('\0');
  const std::string_view maps = data.substr(0, nul);
  std::vector<workload::ProcMapping> ms;
  bool all_ok = false;
  std::string problem = check_maps_lines(maps, &ms, &all_ok);
  if (accepted != nullptr) *accepted = all_ok && problem.empty();
  if (!problem.empty() || !all_ok) return problem;
  uint64_t pages = 0;
  for (const workload::ProcMapping& m : ms) pages += m.end / PAGE_SIZE - m.start / PAGE_SIZE;
  if (pages > kMaxFuzzPages) return "";
  std::optional<std::string_view> pagemap;
  if (nul != std::string_view::npos) pagemap = data.substr(nul + 1);
  const uint64_t offset = ms.empty() ? 0 : ms[0].start / PAGE_SIZE * 8;
  if (!write_fake_proc(scratch + "/proc", maps, pagemap, offset)) return "";  // e.g. tmpfs full: not a finding
  return check_from_process(scratch + "/proc", ms);
}

}  // namespace ptx::fuzz

#endif  // PTX_FUZZ_PROC_MAPS_ORACLE_H_
