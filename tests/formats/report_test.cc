// SPDX-License-Identifier: BSD-2-Clause
// The JSON report (formats/report.h): it parses, its keys and summary, `sections` with --report-all
// or only the violating ones, one section per line, counts past 2^64 as decimal strings, byte-
// identical output for the same input, and no file left behind on an error.
#include "formats/report.h"

#include <cstdint>
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "explorer/section_checker.h"
#include "formats/json_codec.h"
#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "tests/formats/scratch_dir.h"

namespace ptx::formats {
namespace {

using nlohmann::json;
using test::ScratchDir;

struct CheckedRun {
  Totals totals;
  std::vector<CheckedSection> sections;  // by (vmid, seq)
};

// VM 1: three clean sections; VM 2: a clean one, then one that maps one page twice (a violation),
// then a clean one. Made by the engine (batched) and explored by the SectionChecker.
CheckedRun MakeRun() {
  Stage2Engine e(SectionPolicy::kBatched);
  SectionChecker checker;
  CheckedRun run;
  struct Plan {
    uint32_t vm;
    std::vector<std::pair<uint64_t, uint64_t>> maps;  // (ipa, descriptor)
  };
  const std::vector<Plan> plans = {{1, {{0x40000000, 0x80000000 | 0x7FF}}},
                                   {1, {{0x40001000, 0x80001000 | 0x7FF}, {0x40002000, 0x80002000 | 0x7FF}}},
                                   {1, {{0x40003000, 0x80003000 | 0x7FF}}},
                                   {2, {{0x1000, 0x5000 | 0x7FF}}},
                                   {2, {{0x7000, 0x5000 | 0x7FF}, {0x7000, 0x6000 | 0x7FF}}},
                                   {2, {{0x9000, 0x9000 | 0x7FF}}}};
  uint64_t line = 1;
  for (const Plan& p : plans) {
    CriticalSection cs;
    EXPECT_EQ(e.open_section(p.vm, &cs), NptError::kOk);
    for (const auto& [ipa, desc] : p.maps) EXPECT_EQ(cs.set_npt(ipa, 3, desc), NptError::kOk);
    CheckedSection c{cs.close(), {}, line, nullptr};
    line += p.maps.size();
    const Status st = checker.check(c.section, &c.exploration);
    EXPECT_TRUE(st.ok()) << st.to_string();
    run.totals.add(c.section, c.exploration);
    run.sections.push_back(std::move(c));
  }
  EXPECT_EQ(run.totals.violating_sections, 1u);
  return run;
}

const ReportMeta kMeta{"qemu-virt", SectionPolicy::kBatched, ExploreMode::kFaithful, CompareMode::kTranslation, EngineVariant::kSekvm, false, {}, {}, nullptr, nullptr, nullptr, {}};

std::string Write(const ScratchDir& dir, const std::string& name, const CheckedRun& run, bool all,
                  const ReportMeta& meta = kMeta) {
  const std::string path = dir / name;
  const Status st = write_report(path, meta, run.totals, run.sections, {}, all);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return test::read_file(path);
}

TEST(Report, KeysAndSummary) {
  ScratchDir dir;
  const CheckedRun run = MakeRun();
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(Write(dir, "r.json", run, true));
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"compare", "engine", "findings", "mode", "policy", "source", "summary", "sections"}));
  EXPECT_EQ(j["compare"], "translation");
  EXPECT_EQ(j["engine"], "sekvm");
  EXPECT_EQ(j["mode"], "faithful");
  EXPECT_EQ(j["policy"], "batched");
  EXPECT_EQ(j["source"], "qemu-virt");
  const Totals& t = run.totals;
  const json summary = json::parse(j["summary"].dump());
  EXPECT_EQ(summary, (json{{"address_classes", t.address_classes}, {"ops", 8}, {"sections", 6},
                           {"sequences", count_json(t.sequences)}, {"updates", t.updates},
                           {"violating_sections", 1}, {"violations", t.violations},
                  {"transient_faults", t.transient_faults}, {"wrong_translations", t.wrong_translations},
                  {"findings", 0}}));
  EXPECT_GT(t.violations, 0u);
}

TEST(Report, AllSectionsOrOnlyTheViolatingOnes) {
  ScratchDir dir;
  const CheckedRun run = MakeRun();
  const json all = json::parse(Write(dir, "all.json", run, true));
  ASSERT_EQ(all["sections"].size(), run.sections.size());
  for (size_t i = 0; i < run.sections.size(); ++i) {
    EXPECT_EQ(all["sections"][i], section_json(run.sections[i])) << i;
    EXPECT_EQ(all["sections"][i]["vmid"], run.sections[i].section.vmid);
    EXPECT_EQ(all["sections"][i]["seq"], run.sections[i].section.seq);
  }
  const json bad = json::parse(Write(dir, "bad.json", run, false));
  ASSERT_EQ(bad["sections"].size(), 1u);
  EXPECT_EQ(bad["sections"][0], section_json(run.sections[4]));
  EXPECT_EQ(bad["sections"][0]["vmid"], 2);
  EXPECT_EQ(bad["sections"][0]["seq"], 1);
  EXPECT_FALSE(bad["sections"][0]["violations"].empty());
  EXPECT_EQ(bad["summary"], all["summary"]) << "the summary covers every section either way";
}

TEST(Report, NoSectionsToList) {
  ScratchDir dir;
  CheckedRun run = MakeRun();
  run.sections.erase(run.sections.begin() + 4);  // drop the violating one
  EXPECT_EQ(json::parse(Write(dir, "a.json", run, false))["sections"], json::array());
  EXPECT_EQ(json::parse(Write(dir, "b.json", CheckedRun{}, true))["sections"], json::array());
}

TEST(Report, OneSectionPerLine) {
  ScratchDir dir;
  const CheckedRun run = MakeRun();
  const std::vector<std::string> lines = test::split_lines(Write(dir, "r.json", run, true));
  ASSERT_EQ(lines.size(), run.sections.size() + 2);
  EXPECT_EQ(lines.front().substr(lines.front().size() - 12), "\"sections\":[");
  EXPECT_EQ(lines.back(), "]}");
  for (size_t i = 0; i < run.sections.size(); ++i) {
    std::string text = lines[i + 1];
    if (i + 1 < run.sections.size()) {
      ASSERT_EQ(text.back(), ',') << text;
      text.pop_back();
    }
    EXPECT_EQ(json::parse(text), section_json(run.sections[i])) << i;
  }
}

TEST(Report, SectionRecord) {
  const CheckedRun run = MakeRun();
  const CheckedSection& c = run.sections[1];  // two ops
  const json j = section_json(c);
  EXPECT_EQ(j["ops"], json(c.section.ops));
  EXPECT_EQ(j["updates"], json(c.section.updates));
  EXPECT_EQ(j["address_classes"], c.exploration.classes.size());
  EXPECT_EQ(j["sequences"], count_json(c.exploration.sequences));
  ASSERT_EQ(j["targets"].size(), 2u);
  EXPECT_EQ(j["target"], j["targets"][0]);
  EXPECT_EQ(j["violations"], json::array());
  EXPECT_EQ(section_json(run.sections[4])["violations"], json(run.sections[4].exploration.violations));
  // A section without ops has a null target.
  const json empty = section_json(CheckedSection{Section{3, 7, {}, {}, {}, true, {}}, {}, 0, nullptr});
  EXPECT_TRUE(empty["target"].is_null());
  EXPECT_EQ(empty["targets"], json::array());
  EXPECT_EQ(empty["vmid"], 3);
  EXPECT_EQ(empty["seq"], 7);
}

TEST(Report, CountsPast2Pow64AreDecimalStrings) {
  ScratchDir dir;
  CheckedRun run = MakeRun();
  run.totals.sequences = (BigCount(1) << 64) + 5;
  run.sections[0].exploration.sequences = BigCount(1) << 70;
  const json j = json::parse(Write(dir, "r.json", run, true));
  EXPECT_EQ(j["summary"]["sequences"], "18446744073709551621");
  EXPECT_EQ(j["sections"][0]["sequences"], "1180591620717411303424");
  EXPECT_TRUE(j["sections"][1]["sequences"].is_number_unsigned());
}

// A section's record names its barriers, a missing closing barrier and the pending writes explored
// in front of it, only when it has them; ops carry their kind.
TEST(Report, SectionsOfEngineVariants) {
  const MapOp map{0x40000000, 3, 0x80000000 | 0x7FF}, remap{0x40000000, 3, 0x90000000 | 0x7FF},
      unmap{0x40000000, 3, 0, OpKind::kUnmap};
  for (const EngineVariant v : {EngineVariant::kSekvm, EngineVariant::kBbm, EngineVariant::kMissingBarrier}) {
    Stage2Engine e(SectionPolicy::kSekvm, v);
    SectionChecker checker;
    std::vector<json> records;
    for (const MapOp& op : {map, remap, unmap}) {
      CriticalSection cs;
      ASSERT_EQ(e.open_section(1, &cs), NptError::kOk);
      ASSERT_EQ(cs.apply(op), NptError::kOk);
      CheckedSection c{cs.close(), {}, 1, nullptr};
      ASSERT_TRUE(checker.check(c.section, &c.exploration).ok());
      records.push_back(section_json(c));
    }
    EXPECT_EQ(records[2]["ops"][0]["kind"], "unmap");
    EXPECT_EQ(records[1]["ops"][0]["kind"], "map");
    EXPECT_EQ(records[1].contains("barriers"), v == EngineVariant::kBbm);
    if (v == EngineVariant::kBbm) {
      EXPECT_EQ(records[1]["barriers"], json::array({1}));
    }
    for (const json& r : records) EXPECT_EQ(r.contains("closing_barrier"), v == EngineVariant::kMissingBarrier);
    EXPECT_EQ(records[0].contains("pending"), false);
    if (v == EngineVariant::kMissingBarrier) {
      EXPECT_EQ(records[1]["closing_barrier"], false);
      EXPECT_EQ(records[1]["pending"], 4);  // the first map's PGD PUD PMD PTE
      EXPECT_EQ(records[2]["pending"], 1);
    } else {
      EXPECT_FALSE(records[2].contains("pending"));
    }
  }
}

TEST(Report, SameInputGivesTheSameBytes) {
  ScratchDir dir;
  const std::string a = Write(dir, "a.json", MakeRun(), true);
  const std::string b = Write(dir, "b.json", MakeRun(), true);
  EXPECT_EQ(a, b);
  EXPECT_EQ(Write(dir, "a.json", MakeRun(), false), Write(dir, "b.json", MakeRun(), false));
  ReportMeta other = kMeta;
  other.compare = CompareMode::kDescriptor;
  EXPECT_NE(Write(dir, "c.json", MakeRun(), true, other), a);
}

TEST(Report, ErrorsAreIoErrorsNamingThePathAndLeaveNoFile) {
  ScratchDir dir;
  const CheckedRun run = MakeRun();
  for (const std::string& path : {dir / "missing/r.json", dir / "taken"}) {
    std::filesystem::create_directory(dir / "taken");
    const Status st = write_report(path, kMeta, run.totals, run.sections, {}, true);
    EXPECT_EQ(st.code(), StatusCode::kIoError) << st.to_string();
    EXPECT_NE(st.message().find(path), std::string::npos) << st.to_string();
    EXPECT_EQ(dir.list(), std::vector<std::string>{"taken"});
  }
}

// The spooled sections (ReportSections, what `ptx --report` uses) give the same bytes as the
// vector form: all sections or only the violating ones, VMs added concurrently and out of vmid
// order, many sections (past the spool's 1 MiB buffer), and none.
std::string WriteSpooled(const ScratchDir& dir, const std::string& name, const CheckedRun& run, bool all) {
  ReportSections spool;
  std::vector<std::thread> threads;
  for (uint32_t vm : {2u, 1u}) {  // the second VM first: the file is ordered by vmid anyway
    threads.emplace_back([&, vm] {
      for (const CheckedSection& s : run.sections) {
        if (s.section.vmid != vm || (!all && s.exploration.violations.empty())) continue;
        EXPECT_TRUE(spool.add(s).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const std::string path = dir / name;
  const Status st = write_report(path, kMeta, run.totals, spool, {});
  EXPECT_TRUE(st.ok()) << st.to_string();
  return test::read_file(path);
}

TEST(Report, SpooledSectionsGiveTheSameBytes) {
  ScratchDir dir;
  const CheckedRun run = MakeRun();
  EXPECT_EQ(WriteSpooled(dir, "s.json", run, true), Write(dir, "v.json", run, true));
  EXPECT_EQ(WriteSpooled(dir, "s.json", run, false), Write(dir, "v.json", run, false));
  EXPECT_EQ(WriteSpooled(dir, "s.json", CheckedRun{}, true), Write(dir, "v.json", CheckedRun{}, true));
  CheckedRun big;
  for (int copy = 0; copy < 3000; ++copy) {
    for (const CheckedSection& s : run.sections) big.sections.push_back(s);
  }
  std::stable_sort(big.sections.begin(), big.sections.end(),
                   [](const CheckedSection& a, const CheckedSection& b) { return a.section.vmid < b.section.vmid; });
  const std::string spooled = WriteSpooled(dir, "s.json", big, true);
  EXPECT_GT(spooled.size(), size_t{2} << 20) << "past the spool's buffer";
  EXPECT_EQ(spooled, Write(dir, "v.json", big, true));
}

// A bounded report: a selective spool writes only the sections select() keeps, byte for byte as
// the vector form of those sections, past the spool's buffer too, and with the signatures list.
TEST(Report, SelectedSpooledSectionsAreExactlyTheChosenOnes) {
  ScratchDir dir;
  const CheckedRun run = MakeRun();
  CheckedRun big;
  for (int copy = 0; copy < 3000; ++copy) {
    for (const CheckedSection& s : run.sections) {
      big.sections.push_back(s);
      big.sections.back().section.seq = big.sections.size();  // distinct positions
    }
  }
  std::stable_sort(big.sections.begin(), big.sections.end(),
                   [](const CheckedSection& a, const CheckedSection& b) { return a.section.vmid < b.section.vmid; });
  const auto keep = [](uint32_t, uint64_t pos) { return pos % 7 == 3; };
  ReportSections spooled(ReportSections::Order::kByVm, true);
  CheckedRun chosen;
  for (const CheckedSection& s : big.sections) {
    ASSERT_TRUE(spooled.add(s).ok());
    if (keep(s.section.vmid, s.section.seq)) chosen.sections.push_back(s);
  }
  spooled.select(keep);
  ReportMeta meta = kMeta;
  meta.signatures = json::array({json{{"id", "S00000001"}}});
  ASSERT_TRUE(write_report(dir / "s.json", meta, big.totals, spooled, {}).ok());
  ASSERT_TRUE(write_report(dir / "v.json", meta, big.totals, chosen.sections, {}, true).ok());
  const std::string got = test::read_file(dir / "s.json");
  EXPECT_EQ(got, test::read_file(dir / "v.json"));
  const json j = json::parse(got);
  EXPECT_EQ(j["sections"].size(), chosen.sections.size());
  EXPECT_EQ(j["summary"]["signatures"], 1);
  EXPECT_EQ(j["signatures"][0]["id"], "S00000001");
}

}  // namespace
}  // namespace ptx::formats
