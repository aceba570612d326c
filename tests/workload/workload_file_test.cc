// SPDX-License-Identifier: BSD-2-Clause
// The workload file parser (workload/workload_file.h): valid files, and every error of the
// header's contract with its position (source name, line) and a phrase of its message.
#include "workload/workload_file.h"

#include <cstdint>
#include <sstream>
#include <streambuf>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/formats/scratch_dir.h"

namespace ptx::workload {
namespace {

constexpr SectionPolicy kSekvm = SectionPolicy::kSekvm;
constexpr SectionPolicy kBatched = SectionPolicy::kBatched;

StatusOr<Workload> Parse(const std::string& text, SectionPolicy policy, const std::string& name = "w.txt") {
  std::istringstream in(text);
  return parse_workload(in, name, ParseOptions{policy});
}

struct Expected {
  uint8_t vmid;
  uint64_t ipa;
  uint8_t level;
  uint64_t descriptor;
  uint32_t line;
};

void ExpectOps(const Workload& w, const std::vector<Expected>& want) {
  ASSERT_EQ(w.ops.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const WorkloadOp& op = w.ops[i];
    EXPECT_EQ(op.vmid, want[i].vmid) << "op " << i;
    EXPECT_EQ(op.ipa, want[i].ipa) << "op " << i;
    EXPECT_EQ(op.level, want[i].level) << "op " << i;
    EXPECT_EQ(op.descriptor, want[i].descriptor) << "op " << i;
    EXPECT_EQ(op.line, want[i].line) << "op " << i;
  }
}

// Section sizes of VM `vm`, in order.
std::vector<size_t> SectionSizes(const Workload& w, uint32_t vm) {
  std::vector<size_t> sizes;
  const VmStream& s = w.streams[vm];
  for (size_t i = 0; i < s.section_count(); ++i) sizes.push_back(s.section_end(i) - s.section_begin(i));
  return sizes;
}

TEST(WorkloadFile, ParsesCommentsBlankLinesDecimalAndHex) {
  const std::string text =
      "# a workload\n"
      "\n"
      "map 1 0x40000000 3 0x400007ff   # trailing comment\n"
      "   map\t2  1073741824 3 1073743871\n"
      "#map 3 0x1000 3 0x7ff\n"
      "map 16 0X40200000 2 0x40200000000007fd\n"
      "map 0 4096 3 0x1\n";
  const StatusOr<Workload> w = Parse(text, kSekvm, "mine.wl");
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  EXPECT_EQ(w->source, "mine.wl");
  ExpectOps(*w, {{1, 0x40000000, 3, 0x400007ff, 3},
                 {2, 0x40000000, 3, 0x400007ff, 4},
                 {16, 0x40200000, 2, 0x40200000000007fdULL, 6},
                 {0, 0x1000, 3, 0x1, 7}});
  // Under sekvm every map is its own section.
  EXPECT_EQ(w->section_count(), 4u);
  EXPECT_EQ(w->streams[1].ops, std::vector<uint32_t>{0});
  EXPECT_EQ(w->streams[16].ops, std::vector<uint32_t>{2});
}

TEST(WorkloadFile, EmptyAndCommentOnlyFilesGiveNoOps) {
  for (const std::string text : {"", "\n\n", "# nothing\n   # at all\n"}) {
    const StatusOr<Workload> w = Parse(text, kSekvm);
    ASSERT_TRUE(w.ok()) << w.status().to_string();
    EXPECT_TRUE(w->ops.empty());
    EXPECT_EQ(w->section_count(), 0u);
  }
}

TEST(WorkloadFile, BeginEndMakeOneSectionUnderBatched) {
  const std::string good =
      "map 1 0x1000 3 0x7ff\n"
      "begin   # a range map\n"
      "map 1 0x2000 3 0x27ff\n"
      "map 1 0x3000 3 0x37ff\n"
      "\n"
      "map 1 0x4000 3 0x47ff\n"
      "end\n"
      "map 2 0x2000 3 0x27ff\n"
      "begin\n"
      "map 1 0x5000 3 0x57ff\n"
      "end\n"
      "map 1 0x6000 3 0x67ff\n";
  const StatusOr<Workload> w = Parse(good, kBatched);
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  ASSERT_EQ(w->ops.size(), 7u);
  EXPECT_EQ(w->ops[1].line, 3u);
  EXPECT_EQ(w->ops[3].line, 6u);
  EXPECT_EQ(SectionSizes(*w, 1), (std::vector<size_t>{1, 3, 1, 1}));
  EXPECT_EQ(SectionSizes(*w, 2), (std::vector<size_t>{1}));
  EXPECT_EQ(w->section_count(), 5u);
}

TEST(WorkloadFile, UnmapLinesAreUnmapOps) {
  const StatusOr<Workload> w =
      Parse("map 1 0x1000 3 0x7ff\nunmap 1 0x1000 3\nbegin\nunmap 1 0x200000 2\nmap 1 0x1000 3 0x17ff\nend\n", kBatched);
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  ExpectOps(*w, {{1, 0x1000, 3, 0x7ff, 1}, {1, 0x1000, 3, 0, 2}, {1, 0x200000, 2, 0, 4}, {1, 0x1000, 3, 0x17ff, 5}});
  EXPECT_EQ(w->ops[0].kind, OpKind::kMap);
  EXPECT_EQ(w->ops[1].kind, OpKind::kUnmap);
  EXPECT_EQ(w->ops[2].map_op(), (MapOp{0x200000, 2, 0, OpKind::kUnmap}));
  EXPECT_EQ(w->ops[3].kind, OpKind::kMap);
  EXPECT_EQ(SectionSizes(*w, 1), (std::vector<size_t>{1, 1, 2}));
}

// tlbi / dsb lines are TLB maintenance steps; outside begin/end each joins the section of its
// VM's previous op (so they work under --sections sekvm), inside it the block.
TEST(WorkloadFile, TlbiAndDsbLinesJoinTheirVmsSection) {
  const StatusOr<Workload> w = Parse(
      "map 1 0x1000 3 0x7ff\nmap 2 0x1000 3 0x7ff\nunmap 1 0x1000 3\ndsb 1\ntlbi 1 ipas2e1is 0x1000 3\n"
      "dsb 1 # completes it\ntlbi 1 vmalle1is\ntlbi 2 vmalls12e1is\ndsb 2\n",
      kSekvm);
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  ASSERT_EQ(w->ops.size(), 9u);
  EXPECT_EQ(SectionSizes(*w, 1), (std::vector<size_t>{1, 5}));
  EXPECT_EQ(SectionSizes(*w, 2), (std::vector<size_t>{3}));
  EXPECT_EQ(w->ops[3].type, OpType::kDsb);
  EXPECT_EQ(w->ops[4].type, OpType::kTlbi);
  EXPECT_EQ(w->ops[4].maintenance(),
            (TlbMaintenance{0, TlbMaintenance::Kind::kTlbi, TlbiKind::kIpas2e1is, 0x1000, 3}));
  EXPECT_EQ(w->ops[4].line, 5u);
  EXPECT_EQ(w->ops[6].maintenance(), (TlbMaintenance{0, TlbMaintenance::Kind::kTlbi, TlbiKind::kVmalle1is, 0, 0}));
  EXPECT_EQ(w->ops[7].maintenance().op, TlbiKind::kVmalls12e1is);
  for (const WorkloadOp& op : w->ops) EXPECT_TRUE(check_workload_op(op).ok()) << op.line;
  const StatusOr<Workload> b = Parse("begin\nmap 1 0x1000 3 0x7ff\ntlbi 1 ipas2e1is 0x1000 0\ndsb 1\nend\n", kBatched);
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(SectionSizes(*b, 1), (std::vector<size_t>{3}));
  EXPECT_EQ(b->ops[1].level, 0);  // no TTL hint
}

TEST(WorkloadFile, ConsecutiveSingleMapsStaySeparateSectionsUnderBatched) {
  const StatusOr<Workload> w = Parse("map 1 0x1000 3 0x7ff\nmap 1 0x2000 3 0x7ff\nmap 1 0x3000 3 0x7ff\n", kBatched);
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  EXPECT_EQ(SectionSizes(*w, 1), (std::vector<size_t>{1, 1, 1}));
}

// ---- Errors -------------------------------------------------------------------------------

struct ErrorCase {
  std::string name;
  std::string text;
  SectionPolicy policy;
  uint64_t line;
  std::string phrase;
  friend void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }
};

class WorkloadFileError : public testing::TestWithParam<ErrorCase> {};

TEST_P(WorkloadFileError, IsBadInputAtItsLine) {
  const ErrorCase& c = GetParam();
  const StatusOr<Workload> w = Parse(c.text, c.policy, "bad.wl");
  ASSERT_FALSE(w.ok());
  const Status& st = w.status();
  EXPECT_EQ(st.code(), StatusCode::kBadInput) << st.to_string();
  EXPECT_EQ(st.position(), (InputPosition{"bad.wl", c.line, 0})) << st.to_string();
  EXPECT_NE(st.message().find(c.phrase), std::string::npos) << st.to_string();
  EXPECT_EQ(st.to_string().rfind("bad.wl:" + std::to_string(c.line) + ": ", 0), 0u) << st.to_string();
}

const std::string kOk = "map 1 0x1000 3 0x7ff\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, WorkloadFileError,
    testing::Values(
        ErrorCase{"TooFewFields", kOk + "map 1 0x2000 3\n", kSekvm, 2, "malformed map"},
        ErrorCase{"TooManyFields", "\n" + kOk + "map 1 0x2000 3 0x7ff 9\n", kSekvm, 3, "got 5 fields"},
        ErrorCase{"MapAlone", "map\n", kSekvm, 1, "got 0 fields"},
        ErrorCase{"VmidNotANumber", "map one 0x1000 3 0x7ff\n", kSekvm, 1, "malformed vmid 'one'"},
        ErrorCase{"EmptyHex", "map 1 0x 3 0x7ff\n", kSekvm, 1, "malformed ipa '0x'"},
        ErrorCase{"NegativeLevel", "map 1 0x1000 -3 0x7ff\n", kSekvm, 1, "malformed level '-3'"},
        ErrorCase{"DescriptorOver2Pow64", "map 1 0x1000 3 18446744073709551616\n", kSekvm, 1,
                  "malformed descriptor '18446744073709551616'"},
        ErrorCase{"BadHexDigit", "map 1 0x1000 3 0x7fg\n", kSekvm, 1, "malformed descriptor '0x7fg'"},
        ErrorCase{"UnknownKeyword", kOk + "umap 1 0x1000 3\n", kSekvm, 2, "unknown keyword 'umap'"},
        ErrorCase{"UnmapWithDescriptor", kOk + "unmap 1 0x1000 3 0x7ff\n", kSekvm, 2, "malformed unmap"},
        ErrorCase{"UnmapTooFewFields", "unmap 1 0x1000\n", kSekvm, 1, "got 2 fields"},
        ErrorCase{"UnmapInvalidVmid", "unmap 17 0x1000 3\n", kSekvm, 1, "invalid vmid 17"},
        ErrorCase{"UnmapLevel1", "unmap 1 0x40000000 1\n", kSekvm, 1, "invalid level 1"},
        ErrorCase{"UnmapUnaligned", "unmap 1 0x201000 2\n", kSekvm, 1, "a level-2 unmap's ipa must be aligned"},
        ErrorCase{"UnmapOfTwoVmsInOneSection", "begin\n" + kOk + "unmap 2 0x1000 3\nend\n", kBatched, 3,
                  "unmap of vmid 2 in a section of vmid 1"},
        ErrorCase{"KeywordIsCaseSensitive", "MAP 1 0x1000 3 0x7ff\n", kSekvm, 1, "unknown keyword 'MAP'"},
        ErrorCase{"InvalidVmid", kOk + kOk + "map 17 0x1000 3 0x7ff\n", kSekvm, 3, "invalid vmid 17"},
        ErrorCase{"HugeVmid", "map 4294967313 0x1000 3 0x7ff\n", kSekvm, 1, "invalid vmid 4294967313"},
        ErrorCase{"InvalidIpa", "map 1 0x1000000000000 3 0x7ff\n", kSekvm, 1, "invalid ipa 0x1000000000000"},
        ErrorCase{"Level1Table", "map 1 0x40000000 1 0x7ff\n", kSekvm, 1, "a level-1 map is a block, not a table"},
        ErrorCase{"Level1Unaligned", "map 1 0x40200000 1 0x7fd\n", kSekvm, 1, "aligned to 1 GiB"},
        ErrorCase{"Level4", "map 1 0x1000 4 0x7ff\n", kSekvm, 1, "invalid level 4"},
        ErrorCase{"Level7", "map 1 0x1000 7 0x7ff\n", kSekvm, 1, "invalid level 7"},
        ErrorCase{"ZeroDescriptor", "map 1 0x1000 3 0\n", kSekvm, 1, "invalid descriptor 0x0"},
        ErrorCase{"TableDescriptorAtLevel2", "map 1 0x200000 2 0x5003\n", kSekvm, 1, "invalid descriptor 0x5003"},
        ErrorCase{"UnalignedPage", "map 1 0x1008 3 0x7ff\n", kSekvm, 1, "invalid ipa 0x1008"},
        ErrorCase{"UnalignedBlock", "map 1 0x201000 2 0x7fd\n", kSekvm, 1, "aligned to 2 MiB"},
        ErrorCase{"BeginUnderSekvm", kOk + "begin\n" + kOk + "end\n", kSekvm, 2, "begin needs --sections batched"},
        ErrorCase{"BeginWithArgument", "begin now\n", kBatched, 1, "malformed begin"},
        ErrorCase{"NestedBegin", "begin\n" + kOk + "begin\n", kBatched, 3, "begin inside the section begun at line 1"},
        ErrorCase{"EndWithoutBegin", kOk + "end\n", kBatched, 2, "end without begin"},
        ErrorCase{"EndTwice", "begin\n" + kOk + "end\nend\n", kBatched, 4, "end without begin"},
        ErrorCase{"EmptySection", kOk + "begin\n# nothing\nend\n", kBatched, 4, "empty section (begin at line 2)"},
        ErrorCase{"TwoVmsInOneSection", "begin\n" + kOk + "map 2 0x1000 3 0x7ff\nend\n", kBatched, 3,
                  "map of vmid 2 in a section of vmid 1 (begin at line 1)"},
        ErrorCase{"BeginWithoutEnd", kOk + "\nbegin\n" + kOk + kOk, kBatched, 3, "begin without end"},
        ErrorCase{"TlbiBeforeAnyOp", "tlbi 1 vmalls12e1is\n", kSekvm, 1,
                  "tlbi of vmid 1 before any map or unmap of that VM"},
        ErrorCase{"DsbOfAnotherVmBeforeItsOps", kOk + "dsb 2\n", kSekvm, 2, "dsb of vmid 2 before any map or unmap"},
        ErrorCase{"TlbiUnknownOp", kOk + "tlbi 1 vae2is\n", kSekvm, 2, "unknown tlbi operation 'vae2is'"},
        ErrorCase{"TlbiWithoutOp", kOk + "tlbi 1\n", kSekvm, 2, "malformed tlbi"},
        ErrorCase{"TlbiByIpaWithoutLevel", kOk + "tlbi 1 ipas2e1is 0x1000\n", kSekvm, 2, "got 3 fields"},
        ErrorCase{"TlbiVmidWithAnIpa", kOk + "tlbi 1 vmalle1is 0x1000 3\n", kSekvm, 2, "malformed tlbi"},
        ErrorCase{"TlbiLevel4", kOk + "tlbi 1 ipas2e1is 0x1000 4\n", kSekvm, 2, "invalid TTL level 4"},
        ErrorCase{"TlbiUnalignedIpa", kOk + "tlbi 1 ipas2e1is 0x1008 3\n", kSekvm, 2, "aligned to 4 KiB"},
        ErrorCase{"TlbiIpaOver2Pow48", kOk + "tlbi 1 ipas2e1is 0x1000000000000 3\n", kSekvm, 2,
                  "invalid ipa 0x1000000000000"},
        ErrorCase{"TlbiInvalidVmid", kOk + "tlbi 17 vmalle1is\n", kSekvm, 2, "invalid vmid 17"},
        ErrorCase{"TlbiBadNumber", kOk + "tlbi 1 ipas2e1is 0x10g0 3\n", kSekvm, 2, "malformed ipa '0x10g0'"},
        ErrorCase{"DsbWithArgument", kOk + "dsb 1 ish\n", kSekvm, 2, "malformed dsb: expected 'dsb <vmid>'"},
        ErrorCase{"DsbOfTwoVmsInOneSection", "begin\n" + kOk + "dsb 2\nend\n", kBatched, 3,
                  "dsb of vmid 2 in a section of vmid 1"},
        ErrorCase{"SectionOfOnlyATlbi", kOk + "begin\ntlbi 1 vmalle1is\nend\n", kBatched, 4,
                  "section without a map or unmap (begin at line 2)"}),
    [](const testing::TestParamInfo<ErrorCase>& i) { return i.param.name; });

// The first bad line is the one reported, not a later one.
TEST(WorkloadFile, ReportsTheFirstBadLine) {
  const StatusOr<Workload> w = Parse(kOk + "map 1 0x1001 3 0x7ff\nmap 99 0x1000 3 0x7ff\nfoo\n", kSekvm);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().position().line, 2u);
}

// A stream whose reading fails (its buffer throws): kIoError, not a silent short workload.
class FailingBuf : public std::streambuf {
 protected:
  int_type underflow() override { throw std::ios_base::failure("disk on fire"); }
};

TEST(WorkloadFile, StreamFailureIsIoError) {
  FailingBuf buf;
  std::istream in(&buf);
  const StatusOr<Workload> w = parse_workload(in, "broken", ParseOptions{});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kIoError) << w.status().to_string();
}

TEST(WorkloadFile, LoadsAFile) {
  test::ScratchDir dir;
  const std::string path = dir / "w.wl";
  test::write_file(path, "# two ops\nmap 3 0x40000000 2 0x400007fd\n\nmap 3 0x1000 3 0x7ff\n");
  const StatusOr<Workload> w = load_workload_file(path, ParseOptions{});
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  EXPECT_EQ(w->source, path);
  ExpectOps(*w, {{3, 0x40000000, 2, 0x400007fd, 2}, {3, 0x1000, 3, 0x7ff, 4}});
  EXPECT_EQ(w->section_count(), 2u);
}

TEST(WorkloadFile, FileErrorsArePositionedAtThePath) {
  test::ScratchDir dir;
  const std::string path = dir / "bad.wl";
  test::write_file(path, "map 1 0x1000 3 0x7ff\nbegin\n");
  const StatusOr<Workload> w = load_workload_file(path, ParseOptions{kBatched});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().position(), (InputPosition{path, 2, 0}));
}

TEST(WorkloadFile, DirectoryIsBadInput) {
  test::ScratchDir dir;
  const StatusOr<Workload> w = load_workload_file(dir.path().string(), ParseOptions{});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kBadInput);
  EXPECT_NE(w.status().to_string().find(dir.path().string()), std::string::npos) << w.status().to_string();
  EXPECT_NE(w.status().message().find("is a directory, not a workload file"), std::string::npos)
      << w.status().to_string();
}

TEST(WorkloadFile, MissingFileIsIoError) {
  test::ScratchDir dir;
  const std::string path = dir / "absent.wl";
  const StatusOr<Workload> w = load_workload_file(path, ParseOptions{});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kIoError);
  EXPECT_NE(w.status().to_string().find(path), std::string::npos) << w.status().to_string();
  EXPECT_NE(w.status().message().find("cannot open workload file"), std::string::npos) << w.status().to_string();
}

}  // namespace
}  // namespace ptx::workload
