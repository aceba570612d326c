// SPDX-License-Identifier: BSD-2-Clause
// Shared tables (explorer/section_checker.h, tlb/section_tlb.h): an engine run whose checkers keep
// their state in the engine's own pools (SectionSource::shared_tables) against the same run with a
// copy of the tables (RunConfig::copy_tables, a SectionTlb lent nothing). On random workloads of
// every engine variant — maps over anything, unmaps of pages, blocks and table-mapped ranges, so
// that dirty-reuse frees and reuses tables — and on qemu-virt, on 1 and 2 threads, sharded or
// not: equal totals, equal violations (every field of every kept section's), equal TLB findings,
// and the engine's tables left word for word as an engine whose tables nobody borrowed leaves
// them. (A refused section: tests/explorer/section_checker_test.cc.)
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "run/engine_source.h"
#include "run/runner.h"
#include "tests/support/engine_ops.h"
#include "tlb/section_tlb.h"
#include "workload/qemu_virt.h"
#include "workload/workload_file.h"

namespace ptx {
using run::EngineSource;
using run::RunConfig;
using run::RunOutcome;
using run::run_sections;
namespace {

constexpr uint64_t kBase = 0x40000000;  // 16 pages, and the 2 MiB ranges beside them

// One random op line for VM vm, or "" when the scratch engine (holding every op kept so far)
// refuses it: the workload then holds only ops every engine variant accepts (they refuse alike).
std::string random_op(std::mt19937_64& rng, Stage2Engine& scratch, uint32_t vm) {
  const uint64_t range = kBase + (rng() % 3) * 0x200000;
  const uint64_t ipa = range + (rng() % 16) * PAGE_SIZE;
  const uint64_t output = 0x80000000 + (rng() % 8) * 0x200000;
  MapOp op;
  std::string line;
  switch (rng() % 6) {
    case 0: case 1: case 2:
      op = test::map_op(ipa, 3, output + (rng() % 16) * PAGE_SIZE + (rng() % 2 == 0 ? 0x7FF : 0x4FF));
      line = fmt::format("map {} {:#x} 3 {:#x}", vm, op.ipa, op.descriptor);
      break;
    case 3:
      op = test::map_op(range, 2, output + 0x7FD);
      line = fmt::format("map {} {:#x} 2 {:#x}", vm, op.ipa, op.descriptor);
      break;
    case 4:
      op = test::unmap_op(ipa, 3);
      line = fmt::format("unmap {} {:#x} 3", vm, op.ipa);
      break;
    default:
      op = test::unmap_op(range, 2);
      line = fmt::format("unmap {} {:#x} 2", vm, op.ipa);
      break;
  }
  CriticalSection cs;
  if (scratch.open_section(vm, &cs) != NptError::kOk) return "";
  const bool kept = cs.apply(op) == NptError::kOk;
  cs.close();
  return kept ? line : "";
}

workload::Workload random_workload(uint64_t seed, size_t ops) {
  std::mt19937_64 rng(seed);
  Stage2Engine scratch;
  std::string text;
  for (size_t i = 0; i < ops; ++i) {
    const uint32_t vm = 1 + static_cast<uint32_t>(rng() % 3);
    if (std::string line = random_op(rng, scratch, vm); !line.empty()) text += line + "\n";
  }
  std::istringstream in(text);
  StatusOr<workload::Workload> w = workload::parse_workload(in, "random.wl", {});
  EXPECT_TRUE(w.ok()) << w.status().to_string();
  return w.ok() ? std::move(w).value() : workload::Workload{};
}

// What a run shows: totals, every kept section's violations, the TLB findings.
struct Seen {
  Totals totals;
  std::vector<std::string> kept;
  std::vector<std::string> tlb;
};

Seen run_once(EngineSource& src, bool copy, unsigned threads, Shard shard) {
  tlb::SectionTlb pass("w", tlb::TlbOptions{});
  if (!copy) {
    for (uint32_t vm : src.lanes()) pass.share_tables(vm, src.shared_tables(vm));
  }
  RunConfig c;
  c.threads = threads;
  c.copy_tables = copy;
  c.shard = shard;
  c.on_section = [&](const Section& s, uint64_t line) { return shard.owns_lane(s.vmid) ? pass.add(s, line) : ok_status(); };
  StatusOr<RunOutcome> r = run_sections(src, c);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  if (!r.ok()) return {};
  pass.finish();
  Seen seen{r->totals, {}, {}};
  for (const CheckedSection& k : r->kept) {
    for (const Violation& v : k.exploration.violations) {
      seen.kept.push_back(fmt::format("vm {} seq {} line {} ipa {:#x} {:#x}->{:#x} saw {:#x} {} witness {} epoch {}/{}",
                                      k.section.vmid, k.section.seq, k.line, v.ipa, v.before, v.after, v.observed,
                                      to_string(v.sequences), fmt::join(v.witness, ","), v.epoch, v.epoch_start));
    }
  }
  for (const tlb::TlbFinding& f : pass.findings()) seen.tlb.push_back(tlb::verdict_text(f) + " " + f.detail);
  return seen;
}

// Runs `w` with copies and with shared tables; everything seen, and the engines' pools, equal.
// Returns what the run with copies saw.
Seen expect_same(const workload::Workload& w, SectionPolicy policy, EngineVariant variant, unsigned threads,
                 Shard shard = {}) {
  SCOPED_TRACE(fmt::format("{} {} threads {} shard {}", w.source, engine_variant_name(variant), threads, shard.text()));
  EngineSource copied(w, policy, variant), shared(w, policy, variant);
  const Seen a = run_once(copied, true, threads, shard), b = run_once(shared, false, threads, shard);
  EXPECT_EQ(a.totals, b.totals);
  EXPECT_EQ(a.kept, b.kept);
  EXPECT_EQ(a.tlb, b.tlb);
  for (uint32_t vm : copied.lanes()) {
    const PoolMemory x = copied.shared_tables(vm), y = shared.shared_tables(vm);
    EXPECT_EQ(std::memcmp(x.words, y.words, x.end - x.begin), 0) << "vm " << vm << "'s pool differs";
  }
  return a;
}

constexpr EngineVariant kVariants[] = {EngineVariant::kSekvm, EngineVariant::kBbm, EngineVariant::kDirtyReuse,
                                       EngineVariant::kTwoStepUpdate, EngineVariant::kMissingBarrier};

TEST(SharedTables, RandomWorkloadsOfEveryVariantSeeWhatACopySees) {
  size_t violations = 0, tlb_findings = 0;  // the comparison is not of empty lists
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const workload::Workload w = random_workload(seed, 400);
    for (EngineVariant v : kVariants) {
      const Seen seen = expect_same(w, SectionPolicy::kSekvm, v, 1 + seed % 2);
      violations += seen.kept.size();
      tlb_findings += seen.tlb.size();
    }
  }
  EXPECT_GT(violations, 10u);
  EXPECT_GT(tlb_findings, 10u);
}

TEST(SharedTables, ShardedRunsAdvanceTheSharedTablesAsACopy) {
  const workload::Workload w = random_workload(42, 400);
  for (EngineVariant v : kVariants) {
    for (const char* s : {"0/2", "1/2"}) {
      StatusOr<Shard> shard = parse_shard(s);
      ASSERT_TRUE(shard.ok());
      expect_same(w, SectionPolicy::kSekvm, v, 2, *shard);
    }
  }
}

TEST(SharedTables, QemuVirtSeesWhatACopySees) {
  StatusOr<workload::Workload> w = workload::make_qemu_virt(workload::QemuVirtOptions{3, 7, 3000, {}});
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  for (EngineVariant v : kVariants) expect_same(*w, SectionPolicy::kSekvm, v, 2);
}

}  // namespace
}  // namespace ptx
