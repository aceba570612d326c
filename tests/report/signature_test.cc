// SPDX-License-Identifier: BSD-2-Clause
// Bug signatures (report/signature.h): the rule neither splits one bug nor merges two. Each engine
// variant's bug on qemu-virt is the signatures stated here, the same for 1 and 2 threads; mutant
// Arm traces made with the Recorder give the signatures stated; tables merge in any order to the
// same table; counts add up to the run's totals; examples stay bounded.
#include <algorithm>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "armcheck/recorder.h"
#include "report/signature_lanes.h"
#include "report/signature_table.h"
#include "run/engine_source.h"
#include "run/runner.h"
#include "workload/qemu_virt.h"

namespace ptx::report {
namespace {

using Stated = std::tuple<std::string, std::vector<std::string>, std::vector<std::string>>;  // verdict, at, shape

struct VariantRun {
  std::vector<SignatureEntry> entries;
  Totals totals;
};

VariantRun RunVariant(EngineVariant v, unsigned threads, size_t examples = 16) {
  auto stream = workload::stream_qemu_virt(workload::QemuVirtOptions{2, 1, 20000, SectionPolicy::kSekvm});
  EXPECT_TRUE(stream.ok());
  run::EngineSource source(std::move(*stream), SectionPolicy::kSekvm, v);
  SignatureLanes lanes(examples);
  run::RunConfig cfg;
  cfg.threads = threads;
  cfg.keep_in_memory = 0;
  cfg.on_violating = [&lanes](const NptImage&, const CheckedSection& s) { lanes.add_section(s); };
  const StatusOr<run::RunOutcome> r = run::run_sections(source, cfg);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return VariantRun{lanes.merged().entries(), r.ok() ? r->totals : Totals{}};
}

std::vector<Stated> Keys(const std::vector<SignatureEntry>& entries) {
  std::vector<Stated> out;
  for (const SignatureEntry& e : entries) out.emplace_back(e.key.verdict, e.key.locations, e.key.shape);
  return out;
}

TEST(Signatures, EachEngineVariantsBugIsTheSignaturesStated) {
  const std::vector<std::string> pending_at{std::string(kPendingLocation)}, pending{std::string(kPendingShape)};
  const std::vector<std::pair<EngineVariant, std::vector<Stated>>> cases = {
      {EngineVariant::kSekvm, {}},
      {EngineVariant::kBbm, {{"transient-fault", {"set_npt:break"}, {"PTE unmap"}}}},
      {EngineVariant::kTwoStepUpdate, {{"wrong-translation", {"set_npt:attributes-first"}, {"PTE remap"}}}},
      {EngineVariant::kDirtyReuse, {{"wrong-translation", {"set_npt:pmd"}, {"PMD link"}}}},
      {EngineVariant::kMissingBarrier,
       {{"wrong-translation", pending_at, pending}, {"transient-fault", pending_at, pending}}},
  };
  for (const auto& [variant, stated] : cases) {
    const VariantRun one = RunVariant(variant, 1);
    EXPECT_EQ(Keys(one.entries), stated) << engine_variant_name(variant);
    uint64_t occurrences = 0;
    for (const SignatureEntry& e : one.entries) {
      occurrences += e.occurrences;
      EXPECT_LE(e.sections, e.occurrences);
      EXPECT_LE(e.examples.size(), 16u);
      EXPECT_TRUE(std::is_sorted(e.examples.begin(), e.examples.end()));
      ASSERT_NE(e.representative, nullptr);
      EXPECT_EQ(e.representative->section.seq, e.first().seq);
      EXPECT_EQ(violation_signature(*e.representative, e.representative->exploration.violations[e.violation]).text(),
                e.key.text());
    }
    EXPECT_EQ(occurrences, one.totals.violations) << engine_variant_name(variant);  // every violation, once
    const VariantRun two = RunVariant(variant, 2);
    ASSERT_EQ(two.entries.size(), one.entries.size());
    for (size_t i = 0; i < one.entries.size(); ++i) {  // the same table for every --threads
      EXPECT_EQ(two.entries[i].id, one.entries[i].id);
      EXPECT_EQ(two.entries[i].sections, one.entries[i].sections);
      EXPECT_EQ(two.entries[i].occurrences, one.entries[i].occurrences);
      EXPECT_EQ(two.entries[i].examples, one.entries[i].examples);
    }
  }
}

TEST(Signatures, TablesMergeInAnyOrderToTheSameTable) {
  auto stream = workload::stream_qemu_virt(workload::QemuVirtOptions{3, 2, 20000, SectionPolicy::kSekvm});
  ASSERT_TRUE(stream.ok());
  run::EngineSource source(std::move(*stream), SectionPolicy::kSekvm, EngineVariant::kMissingBarrier);
  std::vector<SignatureTable> lanes(4, SignatureTable(3));
  run::RunConfig cfg;
  cfg.on_violating = [&lanes](const NptImage&, const CheckedSection& s) {
    lanes[s.section.vmid].add_section(s, occurrence_of(s));
  };
  ASSERT_TRUE(run::run_sections(source, cfg).ok());
  SignatureTable forward(3), backward(3);
  for (const SignatureTable& t : lanes) forward.merge(t);
  for (auto t = lanes.rbegin(); t != lanes.rend(); ++t) backward.merge(*t);
  const std::vector<SignatureEntry> a = forward.entries(), b = backward.entries();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].occurrences, b[i].occurrences);
    EXPECT_EQ(a[i].examples, b[i].examples);
    EXPECT_EQ(a[i].examples.size(), std::min<uint64_t>(3, a[i].sections));
    EXPECT_EQ(a[i].representative->section.seq, b[i].representative->section.seq);
  }
}

constexpr uint64_t kRoot = 0x40000000, kL1 = 0x40001000, kL2 = 0x40002000, kL3 = 0x40003000;
constexpr uint64_t kLock = 0x99;
constexpr uint64_t kPage = 0x80000000 | 0x7c3;

// A section of two leaf writes to the same entry (an intermediate page: a wrong translation).
void TwoLeafWrites(Recorder& rec, uint64_t entry, const char* first, const char* second) {
  rec.lock(kLock);
  rec.write(entry, kPage, first);
  rec.write(entry, kPage + 0x1000, second);
  rec.barrier();
  rec.unlock(kLock);
}

std::vector<SignatureEntry> Mutant(const std::function<void(Recorder&)>& code) {
  SignatureTable table(16);
  uint64_t order = 0;
  Recorder::Options o;
  o.on_section = [&](const CheckedSection& s) {
    if (!s.exploration.ok()) table.add_section(s, occurrence_of(s, order));
    ++order;
  };
  Recorder rec(o);
  rec.init(kRoot, 0x4000);
  rec.write(kRoot, kL1 | 3);
  rec.write(kL1, kL2 | 3);
  rec.write(kL2, kL3 | 3);
  rec.root(kRoot, Stage::k2, 7);
  code(rec);
  EXPECT_TRUE(rec.finish().ok());
  return table.entries();
}

TEST(Signatures, OneBugAtManyAddressesIsOneSignature) {
  const std::vector<SignatureEntry> e = Mutant([](Recorder& rec) {
    for (uint64_t i = 0; i < 5; ++i) TwoLeafWrites(rec, kL3 + 8 * i, "pgt.c:10", "pgt.c:11");
  });
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(Keys(e), (std::vector<Stated>{{"wrong-translation", {"pgt.c:10"}, {"PTE map"}}}));
  EXPECT_EQ(e[0].sections, 5u);
  EXPECT_EQ(e[0].occurrences, 5u);
  EXPECT_EQ(e[0].key.ops, "-");
}

TEST(Signatures, TheSameShapeFromOtherCodeIsAnotherSignature) {
  const std::vector<SignatureEntry> e = Mutant([](Recorder& rec) {
    TwoLeafWrites(rec, kL3, "pgt.c:10", "pgt.c:11");
    TwoLeafWrites(rec, kL3 + 8, "split.c:40", "split.c:41");
    TwoLeafWrites(rec, kL3 + 16, "pgt.c:10", "pgt.c:11");
  });
  EXPECT_EQ(Keys(e), (std::vector<Stated>{{"wrong-translation", {"pgt.c:10"}, {"PTE map"}},
                                          {"wrong-translation", {"split.c:40"}, {"PTE map"}}}));
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].sections, 2u);
  EXPECT_EQ(e[1].sections, 1u);
}

TEST(Signatures, ALinkOfADirtyTableIsNotAnIntermediateLeaf) {
  // A table page with a stale PTE linked under a second L2 entry: a different bug from the same file.
  constexpr uint64_t kDirty = 0x40004000;
  const std::vector<SignatureEntry> e = Mutant([](Recorder& rec) {
    rec.init(kDirty, 0x1000);
    rec.write(kDirty + 8, kPage + 0x5000, "alloc.c:3");  // not reachable yet: a dirty free page
    TwoLeafWrites(rec, kL3, "pgt.c:10", "pgt.c:11");
    rec.lock(kLock);
    rec.write(kL2 + 8, kDirty | 3, "pgt.c:10");
    rec.write(kDirty + 8, 0, "pgt.c:12");
    rec.barrier();
    rec.unlock(kLock);
  });
  EXPECT_EQ(Keys(e), (std::vector<Stated>{{"wrong-translation", {"pgt.c:10"}, {"PTE map"}},
                                          {"wrong-translation", {"pgt.c:10"}, {"PMD link"}}}));
}

TEST(Signatures, FindingsAndTlbVerdictsKeyOnTheirKindAndSrc) {
  SignatureTable t(2);
  for (uint64_t line = 1; line <= 5; ++line) {
    t.add_finding(Finding{"unlocked-write", line, "detail", line % 2 ? "a.c:1" : "b.c:2"},
                  Occurrence{0, line, 0, 0, line, true});
    t.add_finding(Finding{"kernel-warn", line, "a kind no code names", "a.c:1"}, Occurrence{0, line, 0, 0, line, true});
  }
  tlb::TlbFinding f;
  f.verdict = tlb::Verdict::kStaleMapping;
  f.cause = tlb::Cause::kNoTlbi;
  f.level = 3;
  for (uint64_t seq = 0; seq < 3; ++seq) {
    f.src = "engine:" + std::to_string(seq);  // an engine section's event: one location
    t.add_tlb(f, Occurrence{1, seq, 0, 0, seq, true});
  }
  const std::vector<SignatureEntry> e = t.entries();
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].key.family, Family::kTlb);
  EXPECT_EQ(e[0].key.verdict_text(), "stale-mapping (no-tlbi)");
  EXPECT_EQ(e[0].occurrences, 3u);
  EXPECT_EQ(e[0].key.locations, std::vector<std::string>{"engine"});
  std::vector<std::string> kinds;
  for (size_t i = 1; i < e.size(); ++i) kinds.push_back(e[i].key.verdict + " " + e[i].key.locations[0]);
  std::sort(kinds.begin(), kinds.end());
  EXPECT_EQ(kinds, (std::vector<std::string>{"kernel-warn a.c:1", "unlocked-write a.c:1", "unlocked-write b.c:2"}));
  for (const SignatureEntry& s : e) EXPECT_LE(s.examples.size(), 2u);
}

// A TLB verdict's or finding's "sections" counts the distinct places it occurs at, also past the
// examples kept (it once compared with the last example, and counted every later occurrence).
TEST(Signatures, SectionsCountDistinctPlacesPastTheExamples) {
  SignatureTable t(2);
  tlb::TlbFinding f;
  f.verdict = tlb::Verdict::kStaleMapping;
  f.cause = tlb::Cause::kNoTlbi;
  f.level = 3;
  f.src = "engine:1";
  for (uint64_t line = 10; line < 15; ++line) {
    for (int k = 0; k < 4; ++k) t.add_tlb(f, Occurrence{1, line, 0, 0, line, true});  // 4 verdicts a line
  }
  for (uint64_t line = 1; line <= 3; ++line) {
    for (int k = 0; k < 3; ++k) t.add_finding(Finding{"kernel-warn", line, "warn", "a.c:1"}, Occurrence{0, line, 0, 0, line, true});
  }
  const std::vector<SignatureEntry> e = t.entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].occurrences, 20u);
  EXPECT_EQ(e[0].sections, 5u);
  EXPECT_EQ(e[0].examples.size(), 2u);
  EXPECT_EQ(e[1].occurrences, 9u);
  EXPECT_EQ(e[1].sections, 3u);
}

}  // namespace
}  // namespace ptx::report
