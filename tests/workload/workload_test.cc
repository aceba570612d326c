// SPDX-License-Identifier: BSD-2-Clause
// Workload (workload/workload.h): finalize() cuts each VM's ops into a stream of sections —
// consecutive ops of one VM with equal section_id share a section, whatever other VMs' ops come
// between them — and check_workload_op applies check_map_op with the granule alignment rule.
#include "workload/workload.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ptx::workload {
namespace {

WorkloadOp Op(uint8_t vmid, uint64_t section_id, uint64_t ipa = 0x1000) {
  WorkloadOp op;
  op.vmid = vmid;
  op.section_id = section_id;
  op.ipa = ipa;
  op.descriptor = ipa | 0x7FF;
  return op;
}

Workload Make(const std::vector<WorkloadOp>& ops) {
  Workload w;
  w.ops = ops;
  w.finalize();
  return w;
}

// The sections of VM `vm` as lists of indexes into Workload::ops.
std::vector<std::vector<uint32_t>> Sections(const Workload& w, uint32_t vm) {
  const VmStream& s = w.streams[vm];
  std::vector<std::vector<uint32_t>> out;
  for (size_t i = 0; i < s.section_count(); ++i) {
    out.emplace_back(s.ops.begin() + static_cast<ptrdiff_t>(s.section_begin(i)),
                     s.ops.begin() + static_cast<ptrdiff_t>(s.section_end(i)));
  }
  return out;
}

using Cuts = std::vector<std::vector<uint32_t>>;

TEST(WorkloadFinalize, EmptyWorkloadHasNoSections) {
  const Workload w = Make({});
  EXPECT_EQ(w.section_count(), 0u);
  for (const VmStream& s : w.streams) {
    EXPECT_TRUE(s.ops.empty());
    EXPECT_EQ(s.section_count(), 0u);
  }
}

TEST(WorkloadFinalize, ConsecutiveOpsWithOneSectionIdShareASection) {
  // Section id 0 for the first op too: it must still open a section.
  const Workload w = Make({Op(3, 0), Op(3, 0), Op(3, 1), Op(3, 2), Op(3, 2), Op(3, 2)});
  EXPECT_EQ(Sections(w, 3), (Cuts{{0, 1}, {2}, {3, 4, 5}}));
  EXPECT_EQ(w.streams[3].ops, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(w.section_count(), 3u);
}

TEST(WorkloadFinalize, ARepeatedButNotConsecutiveIdOpensANewSection) {
  const Workload w = Make({Op(1, 7), Op(1, 8), Op(1, 7), Op(1, 7)});
  EXPECT_EQ(Sections(w, 1), (Cuts{{0}, {1}, {2, 3}}));
  EXPECT_EQ(w.section_count(), 3u);
}

TEST(WorkloadFinalize, InterleavedVmsKeepTheirOwnSections) {
  // VM 1's ops 0 and 2 share id 5 with VM 2's op 1 between them: one section of VM 1, and VM 2's
  // op with the same id is a section of VM 2 (a section never spans two VMs).
  const Workload w = Make({Op(1, 5), Op(2, 5), Op(1, 5), Op(2, 6), Op(0, 6), Op(16, 6), Op(2, 6), Op(1, 9)});
  EXPECT_EQ(Sections(w, 1), (Cuts{{0, 2}, {7}}));
  EXPECT_EQ(Sections(w, 2), (Cuts{{1}, {3, 6}}));
  EXPECT_EQ(Sections(w, 0), (Cuts{{4}}));
  EXPECT_EQ(Sections(w, 16), (Cuts{{5}}));
  for (uint32_t vm : {3u, 4u, 15u}) EXPECT_EQ(w.streams[vm].section_count(), 0u) << vm;
  EXPECT_EQ(w.section_count(), 6u);
}

TEST(WorkloadFinalize, StreamsKeepInputOrderPerVm) {
  std::vector<WorkloadOp> ops;
  for (uint64_t i = 0; i < 40; ++i) ops.push_back(Op(static_cast<uint8_t>(1 + i % 3), i / 2, (i + 1) << 12));
  const Workload w = Make(ops);
  size_t total = 0;
  for (uint32_t vm = 1; vm <= 3; ++vm) {
    const VmStream& s = w.streams[vm];
    total += s.ops.size();
    for (size_t k = 0; k + 1 < s.ops.size(); ++k) EXPECT_LT(s.ops[k], s.ops[k + 1]);
    for (uint32_t i : s.ops) EXPECT_EQ(w.ops[i].vmid, vm);
    // Sections are in order and cover the stream exactly.
    ASSERT_GT(s.section_count(), 0u);
    EXPECT_EQ(s.section_begin(0), 0u);
    for (size_t k = 0; k + 1 < s.section_count(); ++k) EXPECT_EQ(s.section_end(k), s.section_begin(k + 1));
    EXPECT_EQ(s.section_end(s.section_count() - 1), s.ops.size());
  }
  EXPECT_EQ(total, ops.size());
}

TEST(WorkloadFinalize, CallingItAgainRebuildsTheStreams) {
  Workload w = Make({Op(1, 0), Op(1, 0), Op(2, 0)});
  ASSERT_EQ(w.section_count(), 2u);
  w.finalize();  // same ops: same streams, not doubled
  EXPECT_EQ(Sections(w, 1), (Cuts{{0, 1}}));
  EXPECT_EQ(w.section_count(), 2u);
  w.ops.push_back(Op(1, 1));
  w.ops[1].section_id = 3;
  w.finalize();
  EXPECT_EQ(Sections(w, 1), (Cuts{{0}, {1}, {3}}));
  EXPECT_EQ(Sections(w, 2), (Cuts{{2}}));
  EXPECT_EQ(w.section_count(), 4u);
}

// ---- check_workload_op -----------------------------------------------------------------------

struct OpCase {
  std::string name;
  uint8_t vmid;
  uint64_t ipa;
  uint8_t level;
  uint64_t descriptor;
  std::string error;  // a phrase of the message; empty: OK
  friend void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }
};

class CheckWorkloadOp : public testing::TestWithParam<OpCase> {};

TEST_P(CheckWorkloadOp, FollowsCheckMapOpWithAlignment) {
  const OpCase& c = GetParam();
  WorkloadOp op;
  op.vmid = c.vmid;
  op.ipa = c.ipa;
  op.level = c.level;
  op.descriptor = c.descriptor;
  const Status st = check_workload_op(op);
  if (c.error.empty()) {
    EXPECT_TRUE(st.ok()) << st.to_string();
  } else {
    EXPECT_EQ(st.code(), StatusCode::kBadInput);
    EXPECT_NE(st.message().find(c.error), std::string::npos) << st.message();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CheckWorkloadOp,
    testing::Values(
        OpCase{"Page", 1, 0x40000000, 3, 0x40000000 | 0x7FF, ""},
        OpCase{"Block", 1, 0x40200000, 2, 0x40200000 | 0x7FD, ""},
        OpCase{"Host", 0, 0x1000, 3, 1, ""},
        OpCase{"Corevisor", 16, 0x1000, 3, 1, ""},
        OpCase{"TopOfAddressSpace", 2, (uint64_t{1} << 48) - 0x1000, 3, 0x7FF, ""},
        OpCase{"PageDescriptorLooksLikeTableIsFineAtLevel3", 2, 0x1000, 3, 0x1003, ""},
        OpCase{"Vmid17", 17, 0x1000, 3, 0x7FF, "invalid vmid 17"},
        OpCase{"Vmid255", 255, 0x1000, 3, 0x7FF, "invalid vmid 255"},
        OpCase{"IpaAt2Pow48", 1, uint64_t{1} << 48, 3, 0x7FF, "invalid ipa 0x1000000000000"},
        OpCase{"Level1Table", 1, 0x40000000, 1, 0x7FF, "a level-1 map is a block, not a table"},
        OpCase{"Level1Unaligned", 1, 0x40200000, 1, 0x7FD, "aligned to 1 GiB"},
        OpCase{"Level4", 1, 0x1000, 4, 0x7FF, "invalid level 4"},
        OpCase{"UnalignedPage", 1, 0x1800, 3, 0x7FF, "invalid ipa 0x1800"},
        OpCase{"PageAlignedBlock", 1, 0x40001000, 2, 0x7FD, "aligned to 2 MiB"},
        OpCase{"ZeroDescriptor", 1, 0x1000, 3, 0, "invalid descriptor 0x0"},
        OpCase{"TableDescriptorAtLevel2", 1, 0x200000, 2, 0x5003, "invalid descriptor 0x5003"}),
    [](const testing::TestParamInfo<OpCase>& i) { return i.param.name; });

}  // namespace
}  // namespace ptx::workload
