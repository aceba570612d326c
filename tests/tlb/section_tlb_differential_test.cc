// SPDX-License-Identifier: BSD-2-Clause
// SectionTlb (tlb/section_tlb.h) keeps the memory and roots its TLB passes read itself; the
// reference (reference_section_tlb.h) folds the same events through a whole EventChecker. On random
// engine workloads of every engine variant and section policy, with sections edited by hand as a
// workload's or a trace's may be (maintenance dropped, cut short or reordered, a TTL hint wrong,
// no closing barrier, a descriptor the Arm rules read otherwise), under every TlbOptions, their
// findings (every field, in order), summaries and errors are equal.
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "tests/tlb/reference_section_tlb.h"
#include "tests/tlb/section_fold_util.h"
#include "tlb/section_tlb.h"

namespace ptx::tlb {
namespace {

using test::describe;
using test::edit;
using test::random_options;

constexpr uint64_t kBase = 0x40000000;  // the IPAs: 8 pages and a 2 MiB block beside them

// A random op on the IPAs of kBase: pages (AF set or not: cached or not) and blocks, maps over
// whatever is there, unmaps of pages, blocks and table-mapped ranges.
MapOp random_op(std::mt19937_64& rng) {
  const uint64_t output = uint64_t{0x80000000} + (rng() % 4) * 0x200000;
  const uint64_t attrs = (rng() % 4 == 0 ? 0x3 : 0x403) | (rng() % 2) * 0x40 | (rng() % 2) * 0x80;
  if (rng() % 20 == 0) return MapOp{kBase + (rng() % 8) * 0x1000, 3, output | 0x2, OpKind::kMap};  // Arm-incompatible
  switch (rng() % 5) {
    case 0:
    case 1: return MapOp{kBase + (rng() % 8) * 0x1000, 3, (output + (rng() % 8) * 0x1000) | attrs, OpKind::kMap};
    case 2: return MapOp{kBase + (rng() % 2) * 0x200000, 2, output | (attrs & ~uint64_t{2}), OpKind::kMap};
    case 3: return MapOp{kBase + (rng() % 8) * 0x1000, 3, 0, OpKind::kUnmap};
    default: return MapOp{kBase + (rng() % 2) * 0x200000, 2, 0, OpKind::kUnmap};
  }
}

// The sections of a random workload on VMs 1 and 2 (interleaved at random), each of 1-3 ops
// (batched) or one.
std::vector<Section> workload(EngineVariant variant, SectionPolicy policy, std::mt19937_64& rng, bool edits) {
  Stage2Engine e(policy, variant);
  std::vector<Section> out;
  const int n = 10 + static_cast<int>(rng() % 40);
  for (int i = 0; i < n; ++i) {
    CriticalSection cs;
    if (e.open_section(1 + static_cast<uint32_t>(rng() % 2), &cs) != NptError::kOk) continue;
    const int ops = policy == SectionPolicy::kBatched ? 1 + static_cast<int>(rng() % 3) : 1;
    for (int k = 0; k < ops; ++k) (void)cs.apply(random_op(rng));  // a refused op writes nothing
    Section s = cs.close();
    if (edits) edit(s, rng);
    out.push_back(std::move(s));
  }
  return out;
}

// Folds `sections` through both; every difference is a failure naming `what`.
void expect_equal_folds(const std::vector<Section>& sections, const TlbOptions& o, const std::string& what) {
  std::vector<uint64_t> lines;
  uint64_t line = 1;
  for (const Section& s : sections) lines.push_back(line += 1 + s.seq % 3);
  const test::ReferenceFold reference = test::reference_fold(sections, lines, "w.txt", o);
  SectionTlb lean("w.txt", o);
  for (size_t i = 0; i < sections.size(); ++i) {
    ASSERT_EQ(lean.add(sections[i], lines[i]).to_string(), reference.statuses[i]) << what << " section " << i;
  }
  lean.finish();
  const std::vector<TlbFinding> findings = lean.findings();
  ASSERT_EQ(findings.size(), reference.findings.size()) << what;
  for (size_t i = 0; i < findings.size(); ++i) {
    ASSERT_EQ(describe(findings[i]), describe(reference.findings[i])) << what << " finding " << i;
  }
  ASSERT_EQ(describe(lean.summary()), describe(reference.summary)) << what;
}

class SectionTlbDifferentialTest : public ::testing::TestWithParam<EngineVariant> {};

TEST_P(SectionTlbDifferentialTest, EngineWorkloadsFoldAsTheEventCheckerFoldsThem) {
  uint64_t findings = 0;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    std::mt19937_64 rng(seed * 5 + static_cast<uint64_t>(GetParam()));
    const SectionPolicy policy = test::seed_policy(seed);
    const bool edits = seed % 3 != 0;
    const std::vector<Section> sections = workload(GetParam(), policy, rng, edits);
    const TlbOptions o = seed % 4 == 0 ? TlbOptions{} : random_options(rng);
    expect_equal_folds(sections, o, fmt::format("{} seed {}", engine_variant_name(GetParam()), seed));
    if (HasFatalFailure()) return;
    SectionTlb count("w.txt", o);
    for (const Section& s : sections) (void)count.add(s, 1);
    count.finish();
    findings += count.findings().size();
  }
  EXPECT_GT(findings, 0u);  // the workloads do reach the verdicts
}

INSTANTIATE_TEST_SUITE_P(Variants, SectionTlbDifferentialTest, ::testing::ValuesIn(test::kVariants),
                         [](const auto& info) { return test::variant_test_name(info.param); });

}  // namespace
}  // namespace ptx::tlb
