// SPDX-License-Identifier: BSD-2-Clause
// Test support for comparing folds of engine sections (section_tlb_differential_test.cc,
// quiet_fold_test.cc): every field of a finding and of a summary as text, random TlbOptions, and
// the hand edits a workload's or a trace's maintenance may have.
#ifndef PTX_TESTS_TLB_SECTION_FOLD_UTIL_H_
#define PTX_TESTS_TLB_SECTION_FOLD_UTIL_H_

#include <random>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pagetable/engine_variant.h"
#include "pagetable/section.h"
#include "tlb/finding.h"
#include "tlb/options.h"

namespace ptx::tlb::test {

inline constexpr EngineVariant kVariants[] = {EngineVariant::kSekvm, EngineVariant::kBbm, EngineVariant::kDirtyReuse,
                                              EngineVariant::kTwoStepUpdate, EngineVariant::kMissingBarrier};

// A test name for a variant ("dirtyreuse": gtest names take no '-').
inline std::string variant_test_name(EngineVariant v) {
  std::string name(engine_variant_name(v));
  std::erase(name, '-');
  return name;
}

// Seed `seed`'s section policy in the variant tests: every other one batched.
inline SectionPolicy seed_policy(uint64_t seed) { return seed % 2 == 0 ? SectionPolicy::kSekvm : SectionPolicy::kBatched; }

// Every field of a finding, for an exact comparison with a readable difference.
inline std::string describe(const TlbFinding& f) {
  return fmt::format("{} {} [{}] line {} src {} root {:#x} ia {:#x} level {}: {}", enum_name(kVerdictNames, f.verdict),
                     enum_name(kCauseNames, f.cause), f.subkind, f.line, f.src, f.root, f.ia, f.level, f.detail);
}

inline std::string describe(const TlbSummary& s) {
  return fmt::format("{} {} {} {} {} {} {} {} {} {} {}", s.errors, s.warnings, s.benign, s.conflicts, s.multihits,
                     s.stale_mappings, s.stale_permissions, s.freed, s.vmid_reuses, s.tlbis, s.max_stale);
}

inline TlbOptions random_options(std::mt19937_64& rng) {
  TlbOptions o;
  o.ttl = rng() % 4 == 0 ? TtlMode::kIgnore : TtlMode::kStrict;
  o.deadline = rng() % 4 == 0 ? Deadline::kEnd : Deadline::kUnlock;
  o.bbm_level = static_cast<int>(rng() % 3);
  return o;
}

// Edits `s` as a hand-written workload or trace may have it (or leaves it as the engine made it,
// 1 time in 2): maintenance dropped, cut short, its first step lost (a TLBI before its DSB), a
// TTL hint wrong, no closing barrier, two steps swapped.
inline void edit(Section& s, std::mt19937_64& rng) {
  std::vector<TlbMaintenance>& m = s.maintenance;
  switch (rng() % 10) {
    case 0: m.clear(); break;
    case 1: if (!m.empty()) m.resize(rng() % m.size()); break;
    case 2: if (!m.empty()) m.erase(m.begin()); break;
    case 3:
      for (TlbMaintenance& t : m) {
        if (t.kind != TlbMaintenance::Kind::kDsb) t.level = static_cast<uint8_t>(rng() % 4);
      }
      break;
    case 4: s.closing_barrier = false; break;
    case 5:
      if (m.size() >= 2) {
        const size_t i = rng() % (m.size() - 1);
        std::swap(m[i].kind, m[i + 1].kind);
        std::swap(m[i].op, m[i + 1].op);
      }
      break;
    default: break;
  }
}

}  // namespace ptx::tlb::test

#endif  // PTX_TESTS_TLB_SECTION_FOLD_UTIL_H_
