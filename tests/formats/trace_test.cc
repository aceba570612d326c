// SPDX-License-Identifier: BSD-2-Clause
// The ptx trace (formats/trace.h): TraceWriter -> read_trace round trips (VMs added from several
// threads at once, sections back per VM in seq order, the header's counts filled in), and every
// error of read_trace with its position.
#include "formats/trace.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "tests/formats/scratch_dir.h"

namespace ptx::formats {
namespace {

using test::ScratchDir;

// Sections of VM `vm` made by the engine: section k maps `ops_per_section` fresh pages.
std::vector<Section> EngineSections(Stage2Engine& e, uint32_t vm, size_t count, size_t ops_per_section) {
  std::vector<Section> out;
  uint64_t page = 0;
  for (size_t k = 0; k < count; ++k) {
    CriticalSection cs;
    EXPECT_EQ(e.open_section(vm, &cs), NptError::kOk);
    for (size_t j = 0; j < ops_per_section; ++j, ++page) {
      const uint64_t ipa = 0x40000000 + page * PAGE_SIZE * 37;  // spread over level-3 tables
      EXPECT_EQ(cs.set_npt(ipa, 3, (vm * 0x100000000ULL + page * PAGE_SIZE) | 0x7FF), NptError::kOk);
    }
    out.push_back(cs.close());
  }
  return out;
}

// Adds every VM's sections from its own thread, all VMs at once, and commits.
void WriteConcurrently(const std::vector<std::vector<Section>>& per_vm, const std::string& path,
                       const TraceHeader& header) {
  TraceWriter w;
  std::vector<std::thread> threads;
  for (const std::vector<Section>& list : per_vm) {
    threads.emplace_back([&w, &list] {
      for (const Section& s : list) EXPECT_TRUE(w.add(s).ok());
    });
  }
  for (std::thread& t : threads) t.join();
  const Status st = w.commit(path, header);
  ASSERT_TRUE(st.ok()) << st.to_string();
}

void ExpectRoundTrip(const std::vector<std::vector<Section>>& per_vm, SectionPolicy policy) {
  ScratchDir dir;
  const std::string path = dir / "t.trace";
  WriteConcurrently(per_vm, path, TraceHeader{"qemu-virt", "a description", policy, 12345, 678});
  const StatusOr<Trace> t = read_trace(path);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->path, path);
  EXPECT_EQ(t->header.source, "qemu-virt");
  EXPECT_EQ(t->header.description, "a description");
  EXPECT_EQ(t->header.policy, policy);
  uint64_t sections = 0, ops = 0;
  std::array<size_t, kVmCount> count{};
  for (const std::vector<Section>& list : per_vm) {
    for (const Section& s : list) ++count[s.vmid], ++sections, ops += s.ops.size();
  }
  EXPECT_EQ(t->header.sections, sections) << "filled in from what was added";
  EXPECT_EQ(t->header.ops, ops);
  uint64_t line = 2;  // the header is line 1; then (vmid, seq) order
  for (uint32_t vm = 0; vm < kVmCount; ++vm) {
    ASSERT_EQ(t->vms[vm].size(), count[vm]) << "vm " << vm;
    for (const std::vector<Section>& list : per_vm) {
      if (list.empty() || list[0].vmid != vm) continue;
      for (size_t i = 0; i < list.size(); ++i) {
        ASSERT_EQ(t->vms[vm][i].section, list[i]) << "vm " << vm << " seq " << i;
        ASSERT_EQ(t->vms[vm][i].line, line++);
      }
    }
  }
  const std::vector<std::string> lines = test::split_lines(test::read_file(path));
  ASSERT_EQ(lines.size(), sections + 1);
  const nlohmann::json head = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(head["ptx_trace"], 1);
  EXPECT_EQ(head["policy"], section_policy_name(policy));
}

TEST(Trace, RoundTripOfVmsAddedConcurrently) {
  Stage2Engine sekvm(SectionPolicy::kSekvm), batched(SectionPolicy::kBatched);
  ExpectRoundTrip({EngineSections(sekvm, 1, 50, 1), EngineSections(sekvm, 3, 20, 1),
                   EngineSections(sekvm, 0, 5, 1), EngineSections(sekvm, 16, 7, 1)},
                  SectionPolicy::kSekvm);
  ExpectRoundTrip({EngineSections(batched, 2, 30, 3), EngineSections(batched, 7, 40, 8)}, SectionPolicy::kBatched);
}

// Past 1 MiB a VM's lines go to its temporary file: the round trip is the same.
TEST(Trace, RoundTripOfManySections) {
  Stage2Engine e(SectionPolicy::kBatched);
  ExpectRoundTrip({EngineSections(e, 5, 3000, 4), EngineSections(e, 6, 3, 1), EngineSections(e, 9, 2000, 2)},
                  SectionPolicy::kBatched);
}

TEST(Trace, EmptyTraceRoundTrips) {
  ExpectRoundTrip({}, SectionPolicy::kSekvm);
}

TEST(Trace, NothingIsLeftWithoutCommitAndCommitErrorsNameThePath) {
  ScratchDir dir;
  Stage2Engine e;
  {
    TraceWriter w;
    for (const Section& s : EngineSections(e, 1, 10, 1)) ASSERT_TRUE(w.add(s).ok());
  }
  EXPECT_TRUE(dir.list().empty());
  TraceWriter w;
  ASSERT_TRUE(w.add(EngineSections(e, 2, 1, 1)[0]).ok());
  const std::string path = dir / "missing/t.trace";
  const Status st = w.commit(path, TraceHeader{});
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_NE(st.message().find(path), std::string::npos) << st.to_string();
  EXPECT_TRUE(dir.list().empty());
}

// Sections of every engine variant: maps, unmaps (the op kind), break-before-make barriers and
// sections closed without their barrier round trip, and so does the header's engine; a section's
// line names barriers and a missing closing barrier only when it has them.
TEST(Trace, RoundTripOfEveryEngineVariant) {
  for (const auto& [variant, name] : kEngineVariantNames) {
    Stage2Engine e(SectionPolicy::kSekvm, variant);
    std::vector<Section> sections;
    for (const MapOp& op : {MapOp{0x40000000, 3, 0x10000077f}, MapOp{0x40000000, 3, 0x20000007ff},
                            MapOp{0x40000000, 3, 0, OpKind::kUnmap}, MapOp{0x40000000, 2, 0, OpKind::kUnmap}}) {
      CriticalSection cs;
      ASSERT_EQ(e.open_section(4, &cs), NptError::kOk);
      ASSERT_EQ(cs.apply(op), op.level == 2 ? NptError::kNotMapped : NptError::kOk) << name;
      if (op.level == 3) sections.push_back(cs.close());
    }
    ScratchDir dir;
    const std::string path = dir / "t.trace";
    WriteConcurrently({sections}, path, TraceHeader{"w", "", SectionPolicy::kSekvm, 0, 0, variant});
    const StatusOr<Trace> t = read_trace(path);
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    EXPECT_EQ(t->header.engine, variant);
    ASSERT_EQ(t->vms[4].size(), sections.size());
    for (size_t i = 0; i < sections.size(); ++i) EXPECT_EQ(t->vms[4][i].section, sections[i]) << name << " " << i;
    const std::vector<std::string> lines = test::split_lines(test::read_file(path));
    EXPECT_EQ(nlohmann::json::parse(lines[0])["engine"], name);
    EXPECT_NE(lines[3].find(R"(["0x40000000",3,"0x0","unmap"])"), std::string::npos) << lines[3];
    EXPECT_EQ(lines[2].find("barriers") != std::string::npos, variant == EngineVariant::kBbm) << lines[2];
    EXPECT_EQ(lines[1].find("closing_barrier") != std::string::npos, variant == EngineVariant::kMissingBarrier);
    EXPECT_EQ(lines[1].find("maintenance"), std::string::npos) << "a map over 0 needs none";
    EXPECT_NE(lines[3].find(R"("maintenance":[)"), std::string::npos) << lines[3];  // the unmap's flush
  }
}

// Traces of before the engine variants: no "engine", ops of three elements.
TEST(Trace, OldTracesReadAsSekvmMaps) {
  ScratchDir dir;
  const std::string path = dir / "t";
  test::write_file(path, R"({"ptx_trace":1,"source":"s","policy":"sekvm","sections":1,"ops":1})"
                         "\n"
                         R"({"vmid":1,"seq":0,"ops":[["0x1000",3,"0x17ff"]],"updates":[["PTE","0x911008","0x0","0x17ff"]]})"
                         "\n");
  const StatusOr<Trace> t = read_trace(path);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->header.engine, EngineVariant::kSekvm);
  const Section& s = t->vms[1][0].section;
  EXPECT_EQ(s.ops, (std::vector<MapOp>{{0x1000, 3, 0x17ff, OpKind::kMap}}));
  EXPECT_TRUE(s.barriers.empty());
  EXPECT_TRUE(s.closing_barrier);
}

// ---- Reading hand-written traces --------------------------------------------------------------

std::string Header(uint64_t sections, uint64_t ops, const std::string& policy = "sekvm") {
  return fmt::format(R"({{"ptx_trace":1,"source":"s","description":"d","policy":"{}","sections":{},"ops":{}}})",
                     policy, sections, ops);
}
std::string Sec(uint32_t vmid, uint64_t seq, const std::string& ops = R"([["0x1000",3,"0x17ff"]])",
                const std::string& updates = R"([["PTE","0x911008","0x0","0x17ff"]])") {
  return fmt::format(R"({{"vmid":{},"seq":{},"ops":{},"updates":{}}})", vmid, seq, ops, updates);
}
std::string Lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  return text;
}

TEST(Trace, ReadsSectionsInAnyOrderGroupedPerVmBySeq) {
  ScratchDir dir;
  const std::string path = dir / "t";
  test::write_file(path, Lines({Header(5, 6, "batched"), Sec(2, 1), "", Sec(1, 0),
                                Sec(2, 0, R"([["0x1000",3,"0x17ff"],["0x200000",2,"0x2007fd"]])",
                                    R"([["pmd","0x911008","0x0","0x17ff"]])"),
                                Sec(2, 2), Sec(1, 1)}));
  const StatusOr<Trace> t = read_trace(path);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  ASSERT_EQ(t->vms[1].size(), 2u);
  ASSERT_EQ(t->vms[2].size(), 3u);
  EXPECT_EQ(t->vms[1][0].line, 4u);
  EXPECT_EQ(t->vms[1][1].line, 7u);
  EXPECT_EQ(t->vms[2][0].line, 5u);
  EXPECT_EQ(t->vms[2][1].line, 2u);
  EXPECT_EQ(t->vms[2][2].line, 6u);
  for (uint32_t vm : {1u, 2u}) {
    for (size_t i = 0; i < t->vms[vm].size(); ++i) EXPECT_EQ(t->vms[vm][i].section.seq, i);
  }
  const Section& s = t->vms[2][0].section;
  EXPECT_EQ(s.ops, (std::vector<MapOp>{{0x1000, 3, 0x17ff}, {0x200000, 2, 0x2007fd}}));
  EXPECT_EQ(s.updates, (std::vector<Update>{{UpdateKind::kPmd, 0x911008, 0, 0x17ff}}));
}

struct BadTrace {
  std::string name;
  std::vector<std::string> lines;
  uint64_t line;  // 0: positioned at the path alone
  std::string phrase;
  friend void PrintTo(const BadTrace& c, std::ostream* os) { *os << c.name; }
};

class ReadTraceError : public testing::TestWithParam<BadTrace> {};

TEST_P(ReadTraceError, IsBadInputAtItsLine) {
  const BadTrace& c = GetParam();
  ScratchDir dir;
  const std::string path = dir / "bad.trace";
  test::write_file(path, Lines(c.lines));
  const StatusOr<Trace> t = read_trace(path);
  ASSERT_FALSE(t.ok());
  const Status& st = t.status();
  EXPECT_EQ(st.code(), StatusCode::kBadInput) << st.to_string();
  EXPECT_NE(st.message().find(c.phrase), std::string::npos) << st.to_string();
  if (c.line != 0) {
    EXPECT_EQ(st.position(), (InputPosition{path, c.line, 0})) << st.to_string();
  } else {
    EXPECT_EQ(st.to_string().rfind(path + ":", 0), 0u) << st.to_string();
  }
}

const std::string kOp = R"(["0x1000",3,"0x17ff"])";
const std::string kUp = R"(["PTE","0x911008","0x0","0x17ff"])";
// Sec(1, 0) with `extra` fields.
std::string Sec1(const std::string& extra) {
  return fmt::format(R"({{"vmid":1,"seq":0,"ops":[{}],"updates":[{}],{}}})", kOp, kUp, extra);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ReadTraceError,
    testing::Values(
        BadTrace{"HeaderNotJson", {"ptx trace v1"}, 1, "not JSON"},
        BadTrace{"SectionNotJson", {Header(1, 1), R"({"vmid":1,)"}, 2, "not JSON"},
        BadTrace{"BlankLinesCount", {Header(1, 1), "", "", "{"}, 4, "not JSON"},
        BadTrace{"HeaderMissing", {Sec(1, 0)}, 1, "not a ptx trace"},
        BadTrace{"HeaderNotAnObject", {"[1]", Header(0, 0)}, 1, "not a ptx trace"},
        BadTrace{"BadVersion", {R"({"ptx_trace":2,"source":"s","policy":"sekvm","sections":0,"ops":0})"}, 1,
                 "unsupported trace version 2"},
        BadTrace{"BadPolicy", {Header(0, 0, "fast")}, 1, "\"policy\" must be \"sekvm\" or \"batched\""},
        BadTrace{"PolicyMissing", {R"({"ptx_trace":1,"source":"s","sections":0,"ops":0})"}, 1, "\"policy\""},
        BadTrace{"SourceNotString", {R"({"ptx_trace":1,"source":3,"policy":"sekvm","sections":0,"ops":0})"}, 1,
                 "\"source\" must be a string"},
        BadTrace{"SectionsNotACount",
                 {R"({"ptx_trace":1,"source":"s","policy":"sekvm","sections":"1","ops":0})"}, 1,
                 "\"sections\" must be a non-negative integer"},
        BadTrace{"SectionNotAnObject", {Header(1, 1), "[1]"}, 2, "malformed section"},
        BadTrace{"VmidAsString", {Header(1, 1), R"({"vmid":"1","seq":0,"ops":[],"updates":[]})"}, 2,
                 "\"vmid\" must be a non-negative integer"},
        BadTrace{"NegativeSeq", {Header(1, 1), Sec(1, 0), R"({"vmid":1,"seq":-1,"ops":[],"updates":[]})"}, 3,
                 "\"seq\" must be a non-negative integer"},
        BadTrace{"OpsNotAnArray", {Header(1, 1), R"({"vmid":1,"seq":0,"ops":{},"updates":[]})"}, 2,
                 "\"ops\" must be an array"},
        BadTrace{"UpdatesMissing", {Header(1, 1), R"({"vmid":1,"seq":0,"ops":[]})"}, 2, "\"updates\" must be an array"},
        BadTrace{"OpOfTwo", {Header(1, 1), Sec(1, 0, R"([["0x1000",3]])")}, 2, "malformed op"},
        BadTrace{"OpLevelAsString", {Header(1, 1), Sec(1, 0, R"([["0x1000","3","0x17ff"]])")}, 2, "malformed op"},
        BadTrace{"OpIpaNotHex", {Header(1, 1), Sec(1, 0, R"([["0xzz",3,"0x17ff"]])")}, 2, "malformed op ipa"},
        BadTrace{"UpdateNotAnArray", {Header(1, 1), Sec(1, 0, "[" + kOp + "]", R"([{"kind":"PTE"}])")}, 2,
                 "malformed update"},
        BadTrace{"UpdateOldValueNotHex", {Header(1, 1), Sec(1, 0, "[" + kOp + "]", R"([["PTE","0x8","old","0x1"]])")},
                 2, "malformed update old value"},
        BadTrace{"InvalidVmid", {Header(1, 1), Sec(17, 0)}, 2, "invalid vmid 17"},
        BadTrace{"OpLevel1", {Header(1, 1), Sec(1, 0, R"([["0x1000",1,"0x17ff"]])")}, 2, "invalid level 1"},
        BadTrace{"OpLevel7", {Header(1, 1), Sec(1, 0, R"([["0x1000",7,"0x17ff"]])")}, 2, "invalid level 7"},
        BadTrace{"OpZeroDescriptor", {Header(1, 1), Sec(1, 0, R"([["0x1000",3,"0x0"]])")}, 2, "invalid descriptor 0x0"},
        BadTrace{"OpIpaOver2Pow48", {Header(1, 1), Sec(1, 0, R"([["0x1000000000000",3,"0x7ff"]])")}, 2,
                 "invalid ipa 0x1000000000000"},
        BadTrace{"TableDescriptorAtLevel2", {Header(1, 1), Sec(1, 0, R"([["0x200000",2,"0x5003"]])")}, 2,
                 "invalid descriptor 0x5003"},
        BadTrace{"BadUpdateKind", {Header(1, 1), Sec(1, 0, "[" + kOp + "]", R"([["PXD","0x8","0x0","0x1"]])")}, 2,
                 "malformed update kind \"PXD\""},
        BadTrace{"SekvmSectionOfTwoOps", {Header(1, 2), Sec(3, 0, "[" + kOp + "," + kOp + "]")}, 2,
                 "has 2 ops, but the trace's policy is sekvm"},
        BadTrace{"RepeatedSeq", {Header(3, 3), Sec(1, 0), Sec(1, 1), Sec(1, 0)}, 4, "seq 0 appears twice (also line 2)"},
        BadTrace{"MissingSeq", {Header(2, 2), Sec(1, 0), Sec(1, 2)}, 0, "seq 1 is missing"},
        BadTrace{"MissingSeqZero", {Header(2, 2), Sec(1, 0), Sec(4, 1)}, 0, "vmid 4 seq 0 is missing"},
        BadTrace{"Truncated", {Header(3, 3), Sec(1, 0), Sec(1, 1)}, 0, "header announces 3 sections and 3 ops"},
        BadTrace{"OpsCountDiffers", {Header(2, 5), Sec(1, 0), Sec(1, 1)}, 0, "the file has 2 and 2"},
        BadTrace{"BadEngine",
                 {R"({"ptx_trace":1,"source":"s","policy":"sekvm","engine":"linux","sections":0,"ops":0})"}, 1,
                 "\"engine\" must be sekvm, bbm, dirty-reuse, two-step-update or missing-barrier"},
        BadTrace{"BadOpKind", {Header(1, 1), Sec(1, 0, R"([["0x1000",3,"0x0","clear"]])")}, 2,
                 "malformed op kind \"clear\": expected map or unmap"},
        BadTrace{"OpOfFive", {Header(1, 1), Sec(1, 0, R"([["0x1000",3,"0x0","unmap",1]])")}, 2, "malformed op"},
        BadTrace{"UnmapWithDescriptor", {Header(1, 1), Sec(1, 0, R"([["0x1000",3,"0x17ff","unmap"]])")}, 2,
                 "invalid descriptor 0x17ff: an unmap writes 0"},
        BadTrace{"BarriersNotAnArray", {Header(1, 1), R"({"vmid":1,"seq":0,"ops":[],"updates":[],"barriers":1})"}, 2,
                 "\"barriers\" must be an array"},
        BadTrace{"BarrierNotAnIndex", {Header(1, 1), R"({"vmid":1,"seq":0,"ops":[],"updates":[],"barriers":[-1]})"},
                 2, "malformed barrier -1"},
        BadTrace{"ClosingBarrierNotABool",
                 {Header(1, 1), R"({"vmid":1,"seq":0,"ops":[],"updates":[],"closing_barrier":0})"}, 2,
                 "\"closing_barrier\" must be true or false"},
        BadTrace{"MaintenanceNotAnArray", {Header(1, 1), Sec1(R"("maintenance":{})")}, 2,
                 "\"maintenance\" must be an array"},
        BadTrace{"MaintenanceUnknownOp", {Header(1, 1), Sec1(R"("maintenance":[[1,"vae2is"]])")}, 2,
                 "malformed maintenance step [1,\"vae2is\"]"},
        BadTrace{"MaintenanceIpaOpWithoutIpa", {Header(1, 1), Sec1(R"("maintenance":[[1,"ipas2e1is"]])")}, 2,
                 "malformed maintenance step"},
        BadTrace{"MaintenanceLevel4", {Header(1, 1), Sec1(R"("maintenance":[[1,"ipas2e1is","0x1000",4]])")}, 2,
                 "the TTL level 0..3"},
        BadTrace{"MaintenancePastTheWrites", {Header(1, 1), Sec1(R"("maintenance":[[2,"dsb"]])")}, 2,
                 "ascending and at most 1"},
        BadTrace{"MaintenanceDescending", {Header(1, 1), Sec1(R"("maintenance":[[1,"dsb"],[0,"dsb"]])")}, 2,
                 "ascending"},
        BadTrace{"Empty", {}, 0, "empty trace"},
        BadTrace{"OnlyBlankLines", {"", ""}, 0, "empty trace"}),
    [](const testing::TestParamInfo<BadTrace>& i) { return i.param.name; });

TEST(Trace, BatchedTracesAcceptSeveralOpsPerSection) {
  ScratchDir dir;
  const std::string path = dir / "t";
  test::write_file(path, Lines({Header(1, 2, "batched"), Sec(3, 0, "[" + kOp + "," + kOp + "]", "[" + kUp + "]")}));
  const StatusOr<Trace> t = read_trace(path);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->vms[3][0].section.ops.size(), 2u);
}

TEST(Trace, DirectoryIsBadInputAndMissingFileIsIoError) {
  ScratchDir dir;
  const StatusOr<Trace> d = read_trace(dir.path().string());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kBadInput);
  EXPECT_NE(d.status().message().find("is a directory"), std::string::npos) << d.status().to_string();
  const std::string path = dir / "absent.trace";
  const StatusOr<Trace> m = read_trace(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kIoError);
  EXPECT_NE(m.status().to_string().find(path), std::string::npos) << m.status().to_string();
  EXPECT_NE(m.status().message().find("cannot open trace"), std::string::npos) << m.status().to_string();
}

}  // namespace
}  // namespace ptx::formats
