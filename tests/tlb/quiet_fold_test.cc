// SPDX-License-Identifier: BSD-2-Clause
// SectionTlb's quiet folds (tlb/section_tlb.h set_quiet_folds; TlbPass::quiet / fold_quiet): a
// section that would leave its VM's pass at rest is counted without its events. Against the whole
// fold of every section (set_quiet_folds(false)), on random engine workloads of every engine
// variant and section policy — maps over anything (pages with AF set or clear, blocks, invalid
// non-zero descriptors, descriptors the Arm rules read otherwise), unmaps of pages, blocks and
// table-mapped ranges, several ops to the same word in one section, VMs interleaved, maintenance
// edited by hand (dropped, cut short, reordered, wrong TTL, no closing barrier) — under random
// TlbOptions, with copies of the tables and with the engine's own (share_tables): equal statuses,
// findings (every field, in order) and summaries; with shared tables the engine's pools are left
// as it wrote them. And on qemu-virt runs of every variant, the faulty ones keeping their findings.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "run/engine_source.h"
#include "run/runner.h"
#include "tests/tlb/section_fold_util.h"
#include "tlb/section_tlb.h"
#include "workload/qemu_virt.h"

namespace ptx::tlb {
namespace {

using test::describe;
using test::edit;
using test::random_options;

constexpr uint64_t kBase = 0x40000000;  // 8 pages, and the 2 MiB ranges beside them

// Mostly maps (the quiet sections), with what breaks the rest: remaps, unmaps, odd descriptors.
MapOp random_op(std::mt19937_64& rng) {
  const uint64_t range = kBase + (rng() % 2) * 0x200000;
  const uint64_t page = range + (rng() % 8) * 0x1000;
  const uint64_t output = uint64_t{0x80000000} + (rng() % 4) * 0x200000;
  const uint64_t attrs = (rng() % 4 == 0 ? 0x3 : 0x403) | (rng() % 2) * 0x40 | (rng() % 2) * 0x80;
  switch (rng() % 12) {
    case 0: return MapOp{page, 3, output | 0x2, OpKind::kMap};  // a page to SeKVM, invalid to Arm: refused
    case 1: return MapOp{range, 2, output | 0x2, OpKind::kMap};  // invalid, non-zero (if the engine takes it)
    case 2: return MapOp{range, 2, output | (attrs & ~uint64_t{2}), OpKind::kMap};
    case 3: return MapOp{page, 3, 0, OpKind::kUnmap};
    case 4: return MapOp{range, 2, 0, OpKind::kUnmap};
    default: return MapOp{page, 3, (output + (rng() % 8) * 0x1000) | attrs, OpKind::kMap};
  }
}

void expect_same(const SectionTlb& got, const SectionTlb& want, const char* what) {
  std::vector<std::string> a, b;
  for (const TlbFinding& x : got.findings()) a.push_back(describe(x));
  for (const TlbFinding& x : want.findings()) b.push_back(describe(x));
  EXPECT_EQ(a, b) << what;
  EXPECT_EQ(describe(got.summary()), describe(want.summary())) << what;
}

// The passes compared: the whole fold and quiet folds, each with copies and with shared tables (a
// refused section leaves a copy without its writes and the engine's tables with them, so each way
// of keeping the tables is compared with itself).
struct Folds {
  explicit Folds(const TlbOptions& o) : plain("w", o), quiet("w", o), plain_shared("w", o), quiet_shared("w", o) {
    plain.set_quiet_folds(false);
    plain_shared.set_quiet_folds(false);
  }
  SectionTlb plain, quiet, plain_shared, quiet_shared;
};

// Sections of a random workload on VMs 1 and 2, each folded by every pass as the engine closes it.
// Returns how many sections the quiet passes counted without their events.
uint64_t fold_random(EngineVariant variant, SectionPolicy policy, uint64_t seed, const TlbOptions& o) {
  std::mt19937_64 rng(seed);
  Stage2Engine e(policy, variant);
  Folds f(o);
  for (uint32_t vm = 1; vm <= 2; ++vm) {
    f.plain_shared.share_tables(vm, e.pool_memory(vm));
    f.quiet_shared.share_tables(vm, e.pool_memory(vm));
  }
  const int n = 20 + static_cast<int>(rng() % 60);
  for (int i = 0; i < n; ++i) {
    CriticalSection cs;
    const uint32_t vm = 1 + static_cast<uint32_t>(rng() % 2);
    if (e.open_section(vm, &cs) != NptError::kOk) continue;
    const int ops = policy == SectionPolicy::kBatched ? 1 + static_cast<int>(rng() % 3) : 1;
    for (int k = 0; k < ops; ++k) (void)cs.apply(random_op(rng));
    Section s = cs.close();
    if (rng() % 2 == 0) edit(s, rng);
    const uint64_t line = 1 + static_cast<uint64_t>(i);
    EXPECT_EQ(f.quiet.add(s, line).to_string(), f.plain.add(s, line).to_string()) << "section " << i;
    EXPECT_EQ(f.quiet_shared.add(s, line).to_string(), f.plain_shared.add(s, line).to_string()) << "section " << i;
  }
  for (SectionTlb* p : {&f.plain, &f.quiet, &f.plain_shared, &f.quiet_shared}) p->finish();
  expect_same(f.quiet, f.plain, "copies");
  expect_same(f.quiet_shared, f.plain_shared, "shared tables");
  EXPECT_EQ(f.plain.quiet_folds() + f.plain_shared.quiet_folds(), 0u);
  return f.quiet.quiet_folds() + f.quiet_shared.quiet_folds();
}

class QuietFoldTest : public ::testing::TestWithParam<EngineVariant> {};

TEST_P(QuietFoldTest, RandomWorkloadsFoldAsTheWholeFold) {
  uint64_t quiet = 0;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    std::mt19937_64 rng(seed * 7 + static_cast<uint64_t>(GetParam()));
    const SectionPolicy policy = test::seed_policy(seed);
    const TlbOptions o = seed % 3 == 0 ? TlbOptions{} : random_options(rng);
    SCOPED_TRACE(fmt::format("{} seed {}", engine_variant_name(GetParam()), seed));
    quiet += fold_random(GetParam(), policy, rng(), o);
    if (HasFailure()) return;
  }
  EXPECT_GT(quiet, 1000u);  // the fast path is taken
}

INSTANTIATE_TEST_SUITE_P(Variants, QuietFoldTest, ::testing::ValuesIn(test::kVariants),
                         [](const auto& info) { return test::variant_test_name(info.param); });

// A qemu-virt run (shared tables, as `ptx run`) with quiet folds and with the whole fold.
TEST(QuietFold, QemuVirtRunsOfEveryVariantFindTheSame) {
  for (EngineVariant v : test::kVariants) {
    StatusOr<workload::Workload> w = workload::make_qemu_virt(workload::QemuVirtOptions{2, 3, 4000, {}});
    ASSERT_TRUE(w.ok()) << w.status().to_string();
    std::vector<std::string> seen[2];
    uint64_t quiet[2] = {0, 0};
    for (int on = 0; on < 2; ++on) {
      run::EngineSource src(*w, SectionPolicy::kSekvm, v);
      SectionTlb pass("w", TlbOptions{});
      pass.set_quiet_folds(on == 1);
      for (uint32_t vm : src.lanes()) pass.share_tables(vm, src.shared_tables(vm));
      run::RunConfig c;
      c.threads = 1;
      c.on_section = [&pass](const Section& s, uint64_t line) { return pass.add(s, line); };
      StatusOr<run::RunOutcome> r = run::run_sections(src, c);
      ASSERT_TRUE(r.ok()) << r.status().to_string();
      pass.finish();
      for (const TlbFinding& f : pass.findings()) seen[on].push_back(describe(f));
      seen[on].push_back(describe(pass.summary()));
      quiet[on] = pass.quiet_folds();
    }
    EXPECT_EQ(seen[1], seen[0]) << engine_variant_name(v);
    EXPECT_GT(quiet[1], 1000u) << engine_variant_name(v);
    if (v != EngineVariant::kSekvm && v != EngineVariant::kBbm) {
      EXPECT_GT(seen[1].size(), 1u) << engine_variant_name(v) << " keeps its TLB findings";
    }
  }
}

}  // namespace
}  // namespace ptx::tlb
