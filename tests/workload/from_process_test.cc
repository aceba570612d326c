// SPDX-License-Identifier: BSD-2-Clause
// make_from_process (workload/from_process.h) over a fake /proc tree (FromProcessOptions::
// proc_root): PID/maps, PID/comm and a PID/pagemap of 8 bytes per virtual page (bit 63 present,
// bits 0..54 the frame). Blocks and pages, output addresses, permissions, what is skipped, the
// fallback without pagemap, the errors and the batched sections.
#include "workload/from_process.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/formats/scratch_dir.h"
#include "workload/s2_descriptor.h"

namespace ptx::workload {
namespace {

constexpr int64_t kPid = 4242;
constexpr uint64_t kPresent = uint64_t{1} << 63;
// Flag bits of a pagemap entry that are not part of the frame (soft-dirty, exclusive, file).
constexpr uint64_t kOtherFlags = (uint64_t{1} << 55) | (uint64_t{1} << 56) | (uint64_t{1} << 61);
constexpr uint64_t kRegion = kBlockSize / PAGE_SIZE;  // 512 pages

class FakeProc {
 public:
  FakeProc() { std::filesystem::create_directories(dir_.path() / std::to_string(kPid)); }
  std::string file(const std::string& name) const { return dir_ / (std::to_string(kPid) + "/" + name); }

  void maps(const std::string& text) { test::write_file(file("maps"), text); }
  void comm(const std::string& text) { test::write_file(file("comm"), text + "\n"); }
  // Pagemap entries of `n` pages from `va`: present, frames first_pfn, first_pfn + step, ... (0:
  // no frame shown). Creates the pagemap file (absent pages read as 0).
  void present(uint64_t va, uint64_t n, uint64_t first_pfn = 0, uint64_t step = 1) {
    std::vector<uint64_t> e(n);
    for (uint64_t i = 0; i < n; ++i) e[i] = kPresent | kOtherFlags | (first_pfn ? first_pfn + i * step : 0);
    pwrite_entries(va, e);
  }
  void absent(uint64_t va) { pwrite_entries(va, {0}); }

  StatusOr<Workload> read(SectionPolicy policy = SectionPolicy::kSekvm, int64_t pid = kPid) const {
    return make_from_process(FromProcessOptions{pid, policy, dir_.path().string()});
  }

 private:
  void pwrite_entries(uint64_t va, const std::vector<uint64_t>& e) {
    const int fd = ::open(file("pagemap").c_str(), O_WRONLY | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    const size_t bytes = e.size() * sizeof(uint64_t);
    EXPECT_EQ(::pwrite(fd, e.data(), bytes, static_cast<off_t>(va / PAGE_SIZE * 8)), static_cast<ssize_t>(bytes));
    ::close(fd);
  }
  test::ScratchDir dir_;
};

std::string MapsLine(uint64_t start, uint64_t end, const std::string& perms, const std::string& name = "") {
  return fmt::format("{:08x}-{:08x} {} 00000000 00:00 0          {}\n", start, end, perms, name);
}

constexpr S2Attrs kRw{S2Memory::kNormal, S2Access::kReadWrite, false};

Workload Read(const FakeProc& p, SectionPolicy policy = SectionPolicy::kSekvm) {
  StatusOr<Workload> w = p.read(policy);
  EXPECT_TRUE(w.ok()) << w.status().to_string();
  return w.ok() ? std::move(w).value() : Workload{};
}

// Section sizes of VM 1.
std::vector<size_t> SectionSizes(const Workload& w) {
  std::vector<size_t> sizes;
  const VmStream& s = w.streams[kFromProcessVmid];
  for (size_t i = 0; i < s.section_count(); ++i) sizes.push_back(s.section_end(i) - s.section_begin(i));
  return sizes;
}

TEST(FromProcess, PresentAlignedRangesBecomeBlocks) {
  FakeProc p;
  p.maps(MapsLine(0x400000, 0xA00000, "rw-p", "[heap]"));  // three 2 MiB regions
  p.present(0x400000, kRegion, 0x80000);          // contiguous frames, 2 MiB aligned: a THP
  p.present(0x600000, kRegion, 0x90000, 2);       // frames not contiguous
  p.present(0x800000, kRegion, 0xA0001);          // contiguous but not 2 MiB aligned
  const Workload w = Read(p);
  ASSERT_EQ(w.ops.size(), 3u);
  const uint64_t oa[3] = {0x80000ULL << 12, 0x600000, 0x800000};  // the frame, else the VA
  for (size_t i = 0; i < 3; ++i) {
    const WorkloadOp& op = w.ops[i];
    EXPECT_EQ(op.vmid, kFromProcessVmid);
    EXPECT_EQ(op.level, 2);
    EXPECT_EQ(op.ipa, 0x400000 + i * kBlockSize);
    EXPECT_EQ(op.descriptor, s2_descriptor(oa[i], 2, kRw)) << i;
    EXPECT_EQ(op.line, i + 1);
    EXPECT_TRUE(check_workload_op(op).ok());
  }
  EXPECT_EQ(w.source, "pid 4242");
  EXPECT_NE(w.description.find("pagemap: present pages and frames"), std::string::npos) << w.description;
}

TEST(FromProcess, PartialOrUnalignedRangesBecomePages) {
  FakeProc p;
  p.maps(MapsLine(0x400000, 0x600000, "rw-p") + MapsLine(0x801000, 0xA01000, "rw-p"));
  p.present(0x400000, kRegion, 0x80000);
  p.absent(0x400000 + 100 * PAGE_SIZE);        // one page missing: no block
  p.present(0x801000, kRegion);                // 512 pages, no frames shown, not 2 MiB aligned
  const Workload w = Read(p);
  ASSERT_EQ(w.ops.size(), 2 * kRegion - 1);
  for (size_t i = 0; i < w.ops.size(); ++i) {
    const WorkloadOp& op = w.ops[i];
    ASSERT_EQ(op.level, 3);
    if (i > 0) {
      ASSERT_LT(w.ops[i - 1].ipa, op.ipa) << "ops are in address order";
    }
    const uint64_t oa = op.ipa < 0x600000 ? (0x80000 + (op.ipa - 0x400000) / PAGE_SIZE) * PAGE_SIZE : op.ipa;
    ASSERT_EQ(op.descriptor, s2_descriptor(oa, 3, kRw)) << std::hex << op.ipa;
    ASSERT_NE(op.ipa, 0x400000 + 100 * PAGE_SIZE);
  }
}

TEST(FromProcess, ARegionSplitByPermissionsIsPagesAndOneSplitByMappingsIsABlock) {
  FakeProc p;
  p.maps(MapsLine(0x400000, 0x500000, "r-xp") + MapsLine(0x500000, 0x600000, "rw-p") +
         MapsLine(0x600000, 0x700000, "r--p") + MapsLine(0x700000, 0x800000, "r--p"));
  p.present(0x400000, 2 * kRegion);
  const Workload w = Read(p);
  ASSERT_EQ(w.ops.size(), kRegion + 1);
  for (size_t i = 0; i < kRegion; ++i) ASSERT_EQ(w.ops[i].level, 3);
  EXPECT_EQ(w.ops[kRegion].level, 2);
  EXPECT_EQ(w.ops[kRegion].ipa, 0x600000u);
}

TEST(FromProcess, PermissionsMapToDescriptors) {
  struct Case {
    std::string perms;
    S2Access access;
    bool exec;
  };
  const std::vector<Case> cases = {{"r--p", S2Access::kReadOnly, false}, {"rw-p", S2Access::kReadWrite, false},
                                   {"r-xp", S2Access::kReadOnly, true},  {"rwxp", S2Access::kReadWrite, true},
                                   {"--xp", S2Access::kReadOnly, true},  {"-w-s", S2Access::kReadWrite, false}};
  FakeProc p;
  std::string maps;
  for (size_t i = 0; i < cases.size(); ++i) maps += MapsLine(0x10000 + i * 0x2000, 0x11000 + i * 0x2000, cases[i].perms);
  p.maps(maps);
  p.present(0x10000, 2 * cases.size());  // the gaps between the mappings are in no mapping
  const Workload w = Read(p);
  ASSERT_EQ(w.ops.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const S2Attrs a{S2Memory::kNormal, cases[i].access, cases[i].exec};
    EXPECT_EQ(w.ops[i].descriptor, s2_descriptor(w.ops[i].ipa, 3, a)) << cases[i].perms;
    EXPECT_EQ((w.ops[i].descriptor & kS2Xn) == 0, cases[i].exec) << cases[i].perms;
    EXPECT_EQ(w.ops[i].descriptor & kS2ApRw, cases[i].access == S2Access::kReadOnly ? kS2ApRead : kS2ApRw)
        << cases[i].perms;
  }
}

TEST(FromProcess, SkipsNoAccessHighAndHugeMappings) {
  FakeProc p;
  const uint64_t huge = (uint64_t{16} << 30) + PAGE_SIZE;  // one page over 16 GiB
  p.maps(MapsLine(0x10000, 0x12000, "r--p") + MapsLine(0x12000, 0x20000, "---p") +
         MapsLine(0x100000000, 0x100000000 + huge, "rw-p") +
         MapsLine(0xffffff000000, 0x1000000001000, "rw-p") +  // crosses 2^48
         "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n");
  const Workload w = Read(p);  // no pagemap: every page of a kept mapping counts
  ASSERT_EQ(w.ops.size(), 2u);
  EXPECT_EQ(w.ops[0].ipa, 0x10000u);
  EXPECT_EQ(w.ops[1].ipa, 0x11000u);
  EXPECT_NE(w.description.find("1 mappings over 16 GiB skipped"), std::string::npos) << w.description;
}

TEST(FromProcess, ExactlySixteenGiBIsKept) {
  FakeProc p;
  p.maps(MapsLine(0x100000000, 0x500000000, "rw-p"));  // 16 GiB = 2^22 pages, all present
  const Workload w = Read(p);
  EXPECT_EQ(w.ops.size(), 8192u);  // 2 MiB blocks
  EXPECT_EQ(w.description.find("skipped"), std::string::npos) << w.description;
}

TEST(FromProcess, MoreThan2Pow22PresentPagesIsRefused) {
  FakeProc p;
  p.maps(MapsLine(0x100000000, 0x300000000, "rw-p") + MapsLine(0x300000000, 0x500000000, "r--p") +
         MapsLine(0x600000000, 0x600001000, "r--p"));
  const StatusOr<Workload> w = p.read();
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kBadInput);
  EXPECT_NE(w.status().message().find("more than 4194304 present pages"), std::string::npos)
      << w.status().to_string();
}

TEST(FromProcess, WithoutPagemapEveryPageCountsAndTheDescriptionSaysSo) {
  FakeProc p;
  p.maps(MapsLine(0x400000, 0x600000, "rw-p") + MapsLine(0x700000, 0x703000, "r-xp"));
  p.comm("fakeproc");
  const Workload w = Read(p);
  ASSERT_EQ(w.ops.size(), 4u);  // one block (identity) and three pages
  EXPECT_EQ(w.ops[0].descriptor, s2_descriptor(0x400000, 2, kRw));
  EXPECT_EQ(w.ops[3].descriptor, s2_descriptor(0x702000, 3, {S2Memory::kNormal, S2Access::kReadOnly, true}));
  EXPECT_NE(w.description.find("pagemap unreadable"), std::string::npos) << w.description;
  EXPECT_NE(w.description.find("fakeproc"), std::string::npos) << w.description;
  EXPECT_NE(w.description.find("4242"), std::string::npos) << w.description;
}

// A pagemap that opens but cannot be read (here a directory: pread fails with EISDIR) falls back to
// "every page present", like a missing one.
TEST(FromProcess, UnreadablePagemapFallsBackToEveryPage) {
  FakeProc p;
  p.maps(MapsLine(0x400000, 0x402000, "rw-p"));
  std::filesystem::create_directory(p.file("pagemap"));
  const Workload w = Read(p);
  ASSERT_EQ(w.ops.size(), 2u);
  EXPECT_NE(w.description.find("pagemap unreadable"), std::string::npos) << w.description;
}

TEST(FromProcess, PagemapWithoutFramesUsesTheVirtualAddress) {
  FakeProc p;
  p.maps(MapsLine(0x400000, 0x404000, "rw-p"));
  p.present(0x400000, 2);  // present, frames hidden (no CAP_SYS_ADMIN); the other two absent
  p.absent(0x403000);
  const Workload w = Read(p);
  ASSERT_EQ(w.ops.size(), 2u);
  EXPECT_EQ(w.ops[1].descriptor, s2_descriptor(0x401000, 3, kRw));
  EXPECT_NE(w.description.find("pagemap: present pages"), std::string::npos) << w.description;
  EXPECT_EQ(w.description.find("frames"), std::string::npos) << w.description;
}

TEST(FromProcess, MalformedMapsLineIsBadInputNamingIt) {
  for (const std::string bad : {"garbage", "00400000 rw-p 0 00:00 0", "zz-00500000 rw-p", "00400000-00500000 rw"}) {
    FakeProc p;
    p.maps(MapsLine(0x10000, 0x11000, "r--p") + bad + "\n");
    const StatusOr<Workload> w = p.read();
    ASSERT_FALSE(w.ok()) << bad;
    EXPECT_EQ(w.status().code(), StatusCode::kBadInput);
    EXPECT_NE(w.status().message().find("'" + bad + "'"), std::string::npos) << w.status().to_string();
    EXPECT_NE(w.status().message().find("--from-process 4242"), std::string::npos) << w.status().to_string();
  }
}

TEST(FromProcess, MissingProcessAndBadPids) {
  FakeProc p;
  for (int64_t pid : {int64_t{4243}, int64_t{0}, int64_t{-7}}) {
    const StatusOr<Workload> w = p.read(SectionPolicy::kSekvm, pid);
    ASSERT_FALSE(w.ok()) << pid;
    EXPECT_EQ(w.status().code(), StatusCode::kBadInput);
    EXPECT_NE(w.status().message().find(fmt::format("--from-process {}", pid)), std::string::npos)
        << w.status().to_string();
  }
  // Empty maps: no such process, unless comm exists (a kernel thread has no mappings).
  p.maps("");
  const StatusOr<Workload> gone = p.read();
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.status().message().find("no such process"), std::string::npos) << gone.status().to_string();
  p.comm("kthreadd");
  const StatusOr<Workload> kthread = p.read();
  ASSERT_TRUE(kthread.ok()) << kthread.status().to_string();
  EXPECT_TRUE(kthread->ops.empty());
}

TEST(FromProcess, BatchedGroupsUpToEightAdjacentPagesOfOneMapping) {
  FakeProc p;
  const uint64_t a = 0x1000000, b = a + 20 * PAGE_SIZE, c = b + 8 * PAGE_SIZE;
  p.maps(MapsLine(a, b, "rw-p") + MapsLine(b, b + 5 * PAGE_SIZE, "rw-p") + MapsLine(c, c + 3 * PAGE_SIZE, "rw-p"));
  p.present(a, 28 + 3);       // covers all three mappings (and the gap, which no mapping has)
  p.absent(a + 10 * PAGE_SIZE);  // a hole in the first mapping
  const Workload batched = Read(p, SectionPolicy::kBatched);
  ASSERT_EQ(batched.ops.size(), 27u);
  // A: 0-7 | 8-9 | (hole) 11-18 | 19; B (a new mapping, though adjacent): 5; C: 3.
  EXPECT_EQ(SectionSizes(batched), (std::vector<size_t>{8, 2, 8, 1, 5, 3}));
  const Workload sekvm = Read(p, SectionPolicy::kSekvm);
  EXPECT_EQ(SectionSizes(sekvm), std::vector<size_t>(27, 1));
}

TEST(FromProcess, ABlockIsItsOwnSectionUnderBatched) {
  FakeProc p;
  p.maps(MapsLine(0x3fe000, 0x602000, "rw-p"));
  p.present(0x3fe000, 2 + kRegion + 2);
  const Workload w = Read(p, SectionPolicy::kBatched);
  ASSERT_EQ(w.ops.size(), 5u);
  EXPECT_EQ(w.ops[2].level, 2);
  EXPECT_EQ(SectionSizes(w), (std::vector<size_t>{2, 1, 2}));
}

}  // namespace
}  // namespace ptx::workload
