// SPDX-License-Identifier: BSD-2-Clause
// run_sections (run/runner.h) over a scripted SectionSource written here (lanes of sections made
// by the real engine, errors injected at chosen positions), and over the two real sources:
// EngineSource on small workloads and TraceSource on a trace written by TraceWriter.
#include "run/runner.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "explorer/violation_groups.h"
#include "formats/trace.h"
#include "formats/trace_stream.h"
#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "run/engine_source.h"
#include "run/trace_source.h"
#include "run/trace_stream_source.h"
#include "tests/formats/scratch_dir.h"
#include "workload/workload_file.h"

namespace ptx::run {
namespace {

// ---- A scripted source ------------------------------------------------------------------------

struct Entry {
  SourcedSection section;  // its line is the entry's input position, also for an error
  Status error;            // non-OK: next() fails with it instead of handing the section
};
using Script = std::array<std::vector<Entry>, kVmCount>;  // per lane (= vmid)

class FakeSource : public SectionSource {
 public:
  FakeSource(std::shared_ptr<const Script> script, std::shared_ptr<std::atomic<int>> restarts)
      : script_(std::move(script)), restarts_(std::move(restarts)) {}

  const std::string& name() const override { return name_; }
  std::vector<uint32_t> lanes() const override {
    std::vector<uint32_t> l;
    for (uint32_t v = 0; v < kVmCount; ++v) {
      if (!(*script_)[v].empty()) l.push_back(v);
    }
    return l;
  }
  uint64_t total_units() const override {
    uint64_t n = 0;
    for (const auto& lane : *script_) {
      for (const Entry& e : lane) n += e.section.units;
    }
    return n;
  }
  const char* unit() const override { return "ops"; }
  uint64_t next_position(uint32_t lane) const override {
    return next_[lane] < (*script_)[lane].size() ? (*script_)[lane][next_[lane]].section.line : UINT64_MAX;
  }
  StatusOr<bool> next(uint32_t lane, SourcedSection* out) override {
    if (next_[lane] >= (*script_)[lane].size()) return false;
    const Entry& e = (*script_)[lane][next_[lane]++];
    if (!e.error.ok()) return e.error;
    *out = e.section;
    return true;
  }
  std::unique_ptr<SectionSource> restart() const override {
    ++*restarts_;
    return std::make_unique<FakeSource>(script_, restarts_);
  }

 private:
  const std::string name_ = "fake";
  std::shared_ptr<const Script> script_;
  std::shared_ptr<std::atomic<int>> restarts_;
  std::array<size_t, kVmCount> next_{};
};

// One section to make: `ops` fresh pages of VM `vm`, and with `remap` the last page mapped again
// (two leaf writes to one entry in one section: a violation).
struct Step {
  uint32_t vm;
  size_t ops;
  bool remap;
};

// Makes the steps' sections with a batched engine, in order; positions are op numbers (the
// first op's), as for a workload.
Script BuildScript(const std::vector<Step>& steps) {
  Stage2Engine e(SectionPolicy::kBatched);
  std::array<uint64_t, kVmCount> page{};
  Script script;
  uint64_t line = 1;
  for (const Step& st : steps) {
    CriticalSection cs;
    EXPECT_EQ(e.open_section(st.vm, &cs), NptError::kOk);
    uint64_t ipa = 0;
    for (size_t j = 0; j < st.ops; ++j) {
      ipa = 0x40000000 + page[st.vm]++ * 3 * PAGE_SIZE;
      EXPECT_EQ(cs.set_npt(ipa, 3, (uint64_t{st.vm + 1} << 32 | ipa) | 0x7FF), NptError::kOk);
    }
    if (st.remap) {
      EXPECT_EQ(cs.set_npt(ipa, 3, 0x123456000 | 0x7FF), NptError::kOk);
    }
    const size_t ops = st.ops + (st.remap ? 1 : 0);
    script[st.vm].push_back(Entry{SourcedSection{cs.close(), line, ops}, Status()});
    line += ops;
  }
  return script;
}

// `per_vm` sections of each of `vms`, round robin; every 7th section of a VM remaps.
std::vector<Step> RoundRobin(const std::vector<uint32_t>& vms, size_t per_vm) {
  std::vector<Step> steps;
  for (size_t k = 0; k < per_vm; ++k) {
    for (uint32_t vm : vms) steps.push_back(Step{vm, 1 + (k + vm) % 3, k % 7 == 3});
  }
  return steps;
}

// Replaces lane `vm`'s entry `index` by an error positioned at the entry's line.
uint64_t InjectError(Script& s, uint32_t vm, size_t index) {
  Entry& e = s[vm][index];
  e.error = std::move(bad_input("scripted failure of lane {} entry {}", vm, index)).at("fake", e.section.line);
  return e.section.line;
}

struct Fake {
  std::shared_ptr<const Script> script;
  std::shared_ptr<std::atomic<int>> restarts = std::make_shared<std::atomic<int>>(0);
  explicit Fake(Script s) : script(std::make_shared<const Script>(std::move(s))) {}
  FakeSource source() const { return FakeSource(script, restarts); }
};

// What a run must give: each lane's sections checked in order by one SectionChecker.
RunOutcome Expected(const Script& s, bool keep_all) {
  SectionChecker checker;
  RunOutcome out;
  for (const auto& lane : s) {
    for (const Entry& e : lane) {
      Exploration x;
      EXPECT_TRUE(checker.check(e.section.section, &x).ok());
      out.totals.add(e.section.section, x);
      if (keep_all || !x.violations.empty()) out.kept.push_back(CheckedSection{e.section.section, x, e.section.line, nullptr});
    }
  }
  return out;
}

void ExpectSameOutcome(const RunOutcome& got, const RunOutcome& want, const std::string& what) {
  EXPECT_EQ(got.totals, want.totals) << what;
  ASSERT_EQ(got.kept.size(), want.kept.size()) << what;
  for (size_t i = 0; i < want.kept.size(); ++i) {
    EXPECT_EQ(got.kept[i].section, want.kept[i].section) << what << " kept " << i;
    EXPECT_EQ(got.kept[i].exploration, want.kept[i].exploration) << what << " kept " << i;
    EXPECT_EQ(got.kept[i].line, want.kept[i].line) << what << " kept " << i;
  }
}

RunConfig Config(unsigned threads, bool keep_all = false) {
  RunConfig c;
  c.threads = threads;
  c.keep_all = keep_all;
  return c;
}

// More sections per lane than kChunkSections, so lanes hand threads over mid-way.
const std::vector<Step> kSteps = RoundRobin({1, 2, 5, 16}, 150);

TEST(Runner, SameOutcomeForOneTwoAndFourThreads) {
  const Fake fake(BuildScript(kSteps));
  for (bool keep_all : {false, true}) {
    const RunOutcome want = Expected(*fake.script, keep_all);
    ASSERT_GT(want.totals.violating_sections, 0u);
    EXPECT_EQ(want.kept.size(), keep_all ? kSteps.size() : want.totals.violating_sections);
    for (unsigned threads : {1u, 2u, 4u}) {
      FakeSource src = fake.source();
      const StatusOr<RunOutcome> got = run_sections(src, Config(threads, keep_all));
      ASSERT_TRUE(got.ok()) << got.status().to_string();
      ExpectSameOutcome(*got, want, fmt::format("threads {} keep_all {}", threads, keep_all));
      for (size_t i = 1; i < got->kept.size(); ++i) {  // ordered by (lane, seq)
        const Section &a = got->kept[i - 1].section, &b = got->kept[i].section;
        EXPECT_TRUE(a.vmid < b.vmid || (a.vmid == b.vmid && a.seq < b.seq)) << i;
      }
    }
  }
  EXPECT_EQ(fake.restarts->load(), 0) << "a run without errors is not replayed";
}

TEST(Runner, SinkSeesEverySectionOnceInLaneOrder) {
  const Fake fake(BuildScript(kSteps));
  for (bool explore : {true, false}) {
    for (unsigned threads : {1u, 2u, 4u}) {
      std::array<std::vector<uint64_t>, kVmCount> seen;  // seqs per lane
      std::array<std::atomic<bool>, kVmCount> busy{};
      std::atomic<int> overlaps{0};
      RunConfig c = Config(threads);
      c.explore = explore;
      c.sink = [&](const Section& s) {
        if (busy[s.vmid].exchange(true)) ++overlaps;
        seen[s.vmid].push_back(s.seq);
        busy[s.vmid] = false;
        return Status();
      };
      FakeSource src = fake.source();
      ASSERT_TRUE(run_sections(src, c).ok());
      EXPECT_EQ(overlaps.load(), 0);
      for (uint32_t vm = 0; vm < kVmCount; ++vm) {
        std::vector<uint64_t> want;
        for (const Entry& e : (*fake.script)[vm]) want.push_back(e.section.section.seq);
        EXPECT_EQ(seen[vm], want) << "vm " << vm << " threads " << threads << " explore " << explore;
      }
    }
  }
}

// keep_sink sees every kept section once, each lane's in order; keep_in_memory bounds what the
// outcome holds to the first violating sections of each lane; violation_groups counts them all.
TEST(Runner, KeptSectionsGoToTheSinkAndOnlyTheFirstFewAreHeld) {
  const Fake fake(BuildScript(kSteps));
  for (bool keep_all : {false, true}) {
    const RunOutcome want = Expected(*fake.script, keep_all);
    uint64_t want_groups = 0;
    for (const CheckedSection& c : want.kept) want_groups += group_violations(c.exploration).size();
    for (unsigned threads : {1u, 2u, 4u}) {
      std::array<std::vector<uint64_t>, kVmCount> sunk;  // seqs per lane
      RunConfig c = Config(threads, keep_all);
      c.keep_in_memory = 2;
      c.keep_sink = [&](const CheckedSection& s) {
        sunk[s.section.vmid].push_back(s.section.seq);
        return Status();
      };
      FakeSource src = fake.source();
      const StatusOr<RunOutcome> got = run_sections(src, c);
      ASSERT_TRUE(got.ok()) << got.status().to_string();
      EXPECT_EQ(got->totals, want.totals);
      EXPECT_EQ(got->violation_groups, want_groups);
      std::array<std::vector<uint64_t>, kVmCount> want_sunk, want_held;
      for (const CheckedSection& k : want.kept) {
        want_sunk[k.section.vmid].push_back(k.section.seq);
        auto& held = want_held[k.section.vmid];
        if (!k.exploration.violations.empty() && held.size() < 2) held.push_back(k.section.seq);
      }
      std::array<std::vector<uint64_t>, kVmCount> held;
      for (const CheckedSection& k : got->kept) held[k.section.vmid].push_back(k.section.seq);
      EXPECT_EQ(sunk, want_sunk) << "threads " << threads << " keep_all " << keep_all;
      EXPECT_EQ(held, want_held) << "threads " << threads << " keep_all " << keep_all;
    }
  }
}

TEST(Runner, WithoutExploringSectionsAreCountedOnly) {
  const Fake fake(BuildScript(kSteps));
  const RunOutcome explored = Expected(*fake.script, false);
  for (unsigned threads : {1u, 3u}) {
    RunConfig c = Config(threads, /*keep_all=*/true);
    c.explore = false;
    int hooks = 0;
    c.on_violation = [&](const NptImage&, const Section&, const Exploration&) { ++hooks; };
    FakeSource src = fake.source();
    const StatusOr<RunOutcome> got = run_sections(src, c);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_EQ(got->totals.sections, kSteps.size());
    EXPECT_EQ(got->totals.ops, explored.totals.ops);
    EXPECT_EQ(got->totals.updates, explored.totals.updates);
    EXPECT_EQ(got->totals.sequences, 0);
    EXPECT_EQ(got->totals.address_classes, 0u);
    EXPECT_EQ(got->totals.violations, 0u);
    EXPECT_EQ(got->totals.violating_sections, 0u);
    EXPECT_TRUE(got->kept.empty());
    EXPECT_EQ(hooks, 0);
  }
}

TEST(Runner, ProgressUnitsSumToTheTotalAndViolationsReachTheHook) {
  const Fake fake(BuildScript(kSteps));
  const uint64_t total = fake.source().total_units();
  const RunOutcome want = Expected(*fake.script, false);
  for (unsigned threads : {1u, 2u, 4u}) {
    std::atomic<uint64_t> units{0};
    std::atomic<uint64_t> calls{0};
    std::atomic<uint64_t> hooks{0};
    RunConfig c = Config(threads);
    c.on_progress = [&](uint64_t u) {
      units += u;
      ++calls;
    };
    c.on_violation = [&](const NptImage&, const Section&, const Exploration& x) {
      EXPECT_FALSE(x.violations.empty());
      ++hooks;
    };
    FakeSource src = fake.source();
    ASSERT_TRUE(run_sections(src, c).ok());
    EXPECT_EQ(units.load(), total) << threads;
    EXPECT_EQ(calls.load(), kSteps.size()) << threads;
    EXPECT_EQ(hooks.load(), want.totals.violating_sections) << threads;
  }
}

TEST(Runner, SinkIoErrorIsReturnedAsItIs) {
  const Fake fake(BuildScript(kSteps));
  const Status disk_full = std::move(io_error("writing t.trace: No space left on device")).at("t.trace");
  for (unsigned threads : {1u, 2u, 4u}) {
    RunConfig c = Config(threads);
    c.sink = [&](const Section& s) { return s.vmid == 5 && s.seq == 70 ? disk_full : Status(); };
    FakeSource src = fake.source();
    const StatusOr<RunOutcome> got = run_sections(src, c);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status(), disk_full) << got.status().to_string();
  }
}

// Lane 1 fails at its 10th section, lane 3 at its 50th — which comes first in the input, since
// lane 3's sections all come before lane 1's. Lane-by-lane work meets lane 1's error first; the
// reported error must be lane 3's whatever the threads.
TEST(Runner, TheFirstErrorInInputOrderIsReported) {
  std::vector<Step> steps = RoundRobin({3, 7}, 80);
  const std::vector<Step> later = RoundRobin({1}, 80);
  steps.insert(steps.end(), later.begin(), later.end());
  Script s = BuildScript(steps);
  InjectError(s, 1, 10);
  const uint64_t first = InjectError(s, 3, 50);
  const Status want = s[3][50].error;
  const Fake fake(std::move(s));
  for (unsigned threads : {1u, 2u, 4u}) {
    FakeSource src = fake.source();
    const StatusOr<RunOutcome> got = run_sections(src, Config(threads));
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status(), want) << "threads " << threads << ": " << got.status().to_string();
    EXPECT_EQ(got.status().position(), (InputPosition{"fake", first, 0}));
  }
  EXPECT_GE(fake.restarts->load(), 3) << "each failed run is replayed from a restarted source";
}

// A section the checker refuses (an update whose old value is not the entry's) is an error at
// (source name, the section's line), and an earlier one in input order wins over a source error.
TEST(Runner, CheckerErrorsArePositioned) {
  Script s = BuildScript(RoundRobin({2, 4}, 100));
  Entry& bad = s[4][40];
  bad.section.section.updates.back().old_value ^= 0x1000;
  const uint64_t line = bad.section.line;
  InjectError(s, 2, 60);  // later in the input
  const Fake fake(std::move(s));
  for (unsigned threads : {1u, 2u, 4u}) {
    FakeSource src = fake.source();
    const StatusOr<RunOutcome> got = run_sections(src, Config(threads));
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), StatusCode::kBadInput);
    EXPECT_EQ(got.status().position(), (InputPosition{"fake", line, 0})) << got.status().to_string();
    EXPECT_NE(got.status().message().find("says the old value was"), std::string::npos) << got.status().to_string();
  }
}

// ---- EngineSource --------------------------------------------------------------------------------

// VMs 1..vms, round robin; a 2 MiB block every 11th step, a batched remap (a violation) every 9th.
std::string WorkloadText(uint32_t vms, size_t per_vm) {
  std::string t = "# generated\n";
  for (size_t k = 0; k < per_vm; ++k) {
    for (uint32_t vm = 1; vm <= vms; ++vm) {
      const uint64_t ipa = 0x40000000 + k * 5 * PAGE_SIZE;
      if (k % 11 == 0) {
        t += fmt::format("map {} {:#x} 2 {:#x}\n", vm, 0x100000000 + k * 0x200000, 0x80000000 + k * 0x200000 + 0x7FD);
      } else if (k % 9 == 4) {
        t += fmt::format("begin\nmap {} {:#x} 3 0x7ff\nmap {} {:#x} 3 0x17ff\nend\n", vm, ipa, vm, ipa);
      } else {
        t += fmt::format("map {} {:#x} 3 {:#x}\n", vm, ipa, ipa | 0x7FF);
      }
    }
  }
  return t;
}

workload::Workload Parse(const std::string& text, SectionPolicy policy = SectionPolicy::kBatched) {
  std::istringstream in(text);
  StatusOr<workload::Workload> w = workload::parse_workload(in, "w.wl", workload::ParseOptions{policy});
  EXPECT_TRUE(w.ok()) << w.status().to_string();
  return w.ok() ? std::move(w).value() : workload::Workload{};
}

TEST(EngineSource, MakesTheEnginesSectionsOfEachStream) {
  const workload::Workload w = Parse(WorkloadText(3, 40));
  EngineSource src(w, SectionPolicy::kBatched);
  EXPECT_EQ(src.name(), "w.wl");
  EXPECT_EQ(src.lanes(), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(src.total_units(), w.ops.size());
  EXPECT_STREQ(src.unit(), "ops");
  Stage2Engine reference(SectionPolicy::kBatched);
  for (uint32_t vm = 1; vm <= 3; ++vm) {
    const workload::VmStream& st = w.streams[vm];
    for (size_t i = 0; i < st.section_count(); ++i) {
      const workload::WorkloadOp& first = w.ops[st.ops[st.section_begin(i)]];
      EXPECT_EQ(src.next_position(vm), first.line);
      CriticalSection cs;
      ASSERT_EQ(reference.open_section(vm, &cs), NptError::kOk);
      for (size_t j = st.section_begin(i); j < st.section_end(i); ++j) {
        const workload::WorkloadOp& op = w.ops[st.ops[j]];
        ASSERT_EQ(cs.set_npt(op.ipa, op.level, op.descriptor), NptError::kOk);
      }
      SourcedSection got;
      const StatusOr<bool> more = src.next(vm, &got);
      ASSERT_TRUE(more.ok() && *more) << more.status().to_string();
      EXPECT_EQ(got.section, cs.close()) << "vm " << vm << " section " << i;
      EXPECT_EQ(got.line, first.line);
      EXPECT_EQ(got.units, st.section_end(i) - st.section_begin(i));
    }
    EXPECT_EQ(src.next_position(vm), UINT64_MAX);
    SourcedSection none;
    const StatusOr<bool> more = src.next(vm, &none);
    ASSERT_TRUE(more.ok());
    EXPECT_FALSE(*more);
  }
  // restart(): a fresh engine at the start of the same workload.
  const std::unique_ptr<SectionSource> again = src.restart();
  SourcedSection s;
  ASSERT_TRUE(again->next(2, &s).ok());
  EXPECT_EQ(s.section.seq, 0u);
  EXPECT_EQ(s.line, w.ops[w.streams[2].ops[0]].line);
}

// Each engine variant makes the sections (maps and unmaps) its own engine makes, also after restart().
TEST(EngineSource, MakesTheSectionsOfItsEngineVariant) {
  const workload::Workload w = Parse(
      "map 1 0x40000000 3 0x77f\nmap 2 0x1000 3 0x7ff\nmap 1 0x40000000 3 0x10007ff\nunmap 1 0x40000000 2\n"
      "map 1 0x40200000 3 0x20007ff\n",
      SectionPolicy::kSekvm);
  for (const auto& [variant, name] : kEngineVariantNames) {
    EngineSource src(w, SectionPolicy::kSekvm, variant);
    const std::unique_ptr<SectionSource> again = src.restart();
    Stage2Engine reference(SectionPolicy::kSekvm, variant);
    for (uint32_t vm : {1u, 2u}) {
      for (uint32_t i : w.streams[vm].ops) {
        const MapOp op = w.ops[i].map_op();
        // sekvm (and dirty-reuse and missing-barrier, SeKVM's code with another bug) makes a
        // remap to another output (line 3) with break-before-make: the unmap's section, then the
        // map's.
        constexpr uint64_t kOutput = PHYS_MASK & PAGE_MASK;
        const WalkResult at = reference.walk(vm, op.ipa);
        const bool sekvm_remap = variant == EngineVariant::kSekvm || variant == EngineVariant::kDirtyReuse ||
                                 variant == EngineVariant::kMissingBarrier;
        const bool breaks = sekvm_remap && op.kind == OpKind::kMap && at.last_level() == op.level &&
                            Stage2Engine::geometry().classify(op.level, at.descriptor) != EntryType::kInvalid &&
                            ((at.descriptor ^ op.descriptor) & kOutput) != 0;
        std::vector<MapOp> calls;
        if (breaks) calls.push_back(MapOp{op.ipa, op.level, 0, OpKind::kUnmap});
        calls.push_back(op);
        for (const MapOp& call : calls) {
          CriticalSection cs;
          ASSERT_EQ(reference.open_section(vm, &cs), NptError::kOk);
          ASSERT_EQ(cs.apply(call), NptError::kOk) << name;
          const Section want = cs.close();
          SourcedSection got, got_again;
          ASSERT_TRUE(*src.next(vm, &got) && *again->next(vm, &got_again)) << name;
          EXPECT_EQ(got.section, want) << name << " line " << w.ops[i].line;
          EXPECT_EQ(got_again.section, want) << name << " after restart()";
          EXPECT_EQ(got.units, call.kind == op.kind ? 1u : 0u) << name << " line " << w.ops[i].line;
        }
        EXPECT_EQ(breaks, sekvm_remap && w.ops[i].line == 3) << name;
      }
    }
  }
}

TEST(EngineSource, RunMatchesTheScriptedExpectation) {
  const workload::Workload w = Parse(WorkloadText(4, 120));
  // The sections the engine makes, checked in order, are what every thread count reports.
  Script script;
  {
    EngineSource src(w, SectionPolicy::kBatched);
    for (uint32_t vm : src.lanes()) {
      for (SourcedSection s; *src.next(vm, &s);) script[vm].push_back(Entry{s, Status()});
    }
  }
  const RunOutcome want = Expected(script, true);
  ASSERT_GT(want.totals.violating_sections, 0u);
  for (unsigned threads : {1u, 2u, 4u}) {
    EngineSource src(w, SectionPolicy::kBatched);
    const StatusOr<RunOutcome> got = run_sections(src, Config(threads, true));
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    ExpectSameOutcome(*got, want, fmt::format("threads {}", threads));
  }
}

TEST(EngineSource, RefusedOpIsAnErrorAtItsLine) {
  struct Case {
    std::string text;
    SectionPolicy policy;
    uint64_t line;
    std::string phrase;
  };
  const std::vector<Case> cases = {
      {"map 1 0x40000000 2 0x400007fd\nmap 2 0x40001000 3 0x7ff\nmap 1 0x40001000 3 0x7ff\n", SectionPolicy::kSekvm, 3,
       "(map-under-block)"},
      {"map 2 0x200000 2 0x2007fd\nbegin\nmap 2 0x1000 3 0x7ff\nmap 2 0x201000 3 0x7ff\nend\n", SectionPolicy::kBatched,
       4, "(map-under-block)"},
      {"map 3 0x1000 3 0x7ff\nmap 3 0x0 2 0x7fd\n", SectionPolicy::kSekvm, 2, "(level-2-over-table)"},
      {"map 3 0x1000 3 0x7ff\nunmap 3 0x2000 3\n", SectionPolicy::kSekvm, 2, "(not-mapped)"},
      {"map 3 0x200000 2 0x2007fd\nunmap 3 0x201000 3\n", SectionPolicy::kSekvm, 2, "(unmap-under-block)"},
      // VMs 2 and then 1 fail (lane 1 fails first if lanes go in order); VM 2 is reported.
      {WorkloadText(2, 30) + "map 2 0x200000 2 0x7fd\nmap 2 0x201000 3 0x7ff\nmap 1 0x100000000 3 0x7ff\n",
       SectionPolicy::kBatched, 0, "(map-under-block)"},
  };
  for (const Case& c : cases) {
    const workload::Workload w = Parse(c.text, c.policy);
    const uint64_t line = c.line != 0 ? c.line : w.ops[w.ops.size() - 2].line;
    for (unsigned threads : {1u, 2u, 4u}) {
      EngineSource src(w, c.policy);
      const StatusOr<RunOutcome> got = run_sections(src, Config(threads));
      ASSERT_FALSE(got.ok()) << c.text;
      EXPECT_EQ(got.status().code(), StatusCode::kBadInput);
      EXPECT_EQ(got.status().position(), (InputPosition{"w.wl", line, 0})) << got.status().to_string();
      EXPECT_NE(got.status().message().find(c.phrase), std::string::npos) << got.status().to_string();
    }
  }
}

// ---- TraceSource ---------------------------------------------------------------------------------

TEST(TraceSource, ReplayOfARecordedTraceGivesTheLiveRunsResults) {
  test::ScratchDir dir;
  const workload::Workload w = Parse(WorkloadText(3, 100));
  EngineSource live_src(w, SectionPolicy::kBatched);
  const StatusOr<RunOutcome> live = run_sections(live_src, Config(2, true));
  ASSERT_TRUE(live.ok()) << live.status().to_string();
  ASSERT_GT(live->totals.violating_sections, 0u);

  // Record: make the sections without exploring, sink them into a TraceWriter.
  formats::TraceWriter writer;
  RunConfig rec = Config(2);
  rec.explore = false;
  rec.sink = [&](const Section& s) { return writer.add(s); };
  EngineSource rec_src(w, SectionPolicy::kBatched);
  ASSERT_TRUE(run_sections(rec_src, rec).ok());
  const std::string path = dir / "t.trace";
  ASSERT_TRUE(writer.commit(path, formats::TraceHeader{w.source, w.description, SectionPolicy::kBatched, 0, 0}).ok());
  const StatusOr<formats::Trace> trace = formats::read_trace(path);
  ASSERT_TRUE(trace.ok()) << trace.status().to_string();

  TraceSource src(*trace);
  EXPECT_EQ(src.name(), path);
  EXPECT_STREQ(src.unit(), "sections");
  EXPECT_EQ(src.total_units(), live->totals.sections);
  EXPECT_EQ(src.lanes(), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(src.next_position(1), 2u) << "VM 1's first section follows the header";
  const StatusOr<formats::TraceIndex> index = formats::index_trace(path);
  ASSERT_TRUE(index.ok() && index->streamable()) << index.status().to_string();
  for (const auto& [threads, streamed] : {std::pair{1u, false}, {4u, false}, {1u, true}, {4u, true}}) {
    TraceSource whole(*trace);
    TraceStreamSource stream(*index);
    SectionSource& replay = streamed ? static_cast<SectionSource&>(stream) : whole;
    EXPECT_EQ(replay.next_position(1), 2u);
    const StatusOr<RunOutcome> got = run_sections(replay, Config(threads, true));
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_TRUE(!streamed || stream.check_op_count().ok());
    EXPECT_EQ(got->totals, live->totals);
    ASSERT_EQ(got->kept.size(), live->kept.size());
    for (size_t i = 0; i < got->kept.size(); ++i) {
      EXPECT_EQ(got->kept[i].section, live->kept[i].section) << i;
      EXPECT_EQ(got->kept[i].exploration, live->kept[i].exploration) << i;
      EXPECT_EQ(got->kept[i].line, trace->vms[got->kept[i].section.vmid][got->kept[i].section.seq].line) << i;
    }
  }
}

TEST(TraceSource, ACorruptedSectionIsAnErrorAtItsTraceLine) {
  test::ScratchDir dir;
  const workload::Workload w = Parse(WorkloadText(2, 20));
  EngineSource src(w, SectionPolicy::kBatched);
  formats::TraceWriter writer;
  for (uint32_t vm : src.lanes()) {
    for (SourcedSection s; *src.next(vm, &s);) {
      if (vm == 2 && s.section.seq == 5) s.section.updates[0].old_value = 0x42;
      ASSERT_TRUE(writer.add(s.section).ok());
    }
  }
  const std::string path = dir / "t.trace";
  ASSERT_TRUE(writer.commit(path, formats::TraceHeader{"w.wl", "", SectionPolicy::kBatched, 0, 0}).ok());
  const StatusOr<formats::Trace> trace = formats::read_trace(path);
  ASSERT_TRUE(trace.ok()) << trace.status().to_string();
  const StatusOr<formats::TraceIndex> index = formats::index_trace(path);
  ASSERT_TRUE(index.ok()) << index.status().to_string();
  for (const auto& [threads, streamed] : {std::pair{1u, false}, {2u, false}, {1u, true}, {2u, true}}) {
    TraceSource whole(*trace);
    TraceStreamSource stream(*index);
    SectionSource& replay = streamed ? static_cast<SectionSource&>(stream) : whole;
    const StatusOr<RunOutcome> got = run_sections(replay, Config(threads));
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().position(), (InputPosition{path, trace->vms[2][5].line, 0})) << got.status().to_string();
    EXPECT_NE(got.status().message().find("old value was 0x42"), std::string::npos) << got.status().to_string();
  }
}

}  // namespace
}  // namespace ptx::run
