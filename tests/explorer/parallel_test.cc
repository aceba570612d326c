// SPDX-License-Identifier: BSD-2-Clause
// explore() runs address classes in parallel (TBB) when a section has many: the result must be
// identical to the sequential one, field by field.
#include <gtest/gtest.h>

#include "explorer/explorer.h"

namespace ptx {
namespace {

#if defined(__SANITIZE_THREAD__)
constexpr bool kUnderTsan = true;  // libtbb is not instrumented: its hand-offs look like races
#else
constexpr bool kUnderTsan = false;
#endif

TEST(ExploreParallel, SameResultAsSequentialOnAManyClassSection) {
  if (kUnderTsan) GTEST_SKIP() << "TBB's scheduler is not instrumented for ThreadSanitizer";
  // A batched section: 300 PTEs written into a fresh level-3 table, then linked; plus a remap of
  // one existing page (two leaf writes to one entry: a violation to carry through).
  NptImage before(Geometry::sekvm(), pt_vttbr(2));
  before.write(0, pool_start(2), pgd_start(2) | 3);
  before.write(1, pgd_start(2), pud_start(2) | 3);
  before.write(2, pud_start(2) | 8, (pmd_start(2) + PAGE_SIZE) | 3);
  const uint64_t remapped = (pmd_start(2) + PAGE_SIZE) | 5 * 8;
  before.write(3, remapped, 0x7000 | 0x7FF);
  std::vector<Update> updates;
  for (uint64_t i = 0; i < 300; ++i) {
    updates.push_back({UpdateKind::kPte, pmd_start(2) | i * 8, 0, ((0x100000 + i) << 12) | 0x7FF});
  }
  updates.push_back({UpdateKind::kPmd, pud_start(2), 0, pmd_start(2) | 3});
  updates.push_back({UpdateKind::kPte, remapped, 0x7000 | 0x7FF, 0x8000 | 0x7FF});
  updates.push_back({UpdateKind::kPte, remapped, 0x8000 | 0x7FF, 0x9000 | 0x7FF});
  const std::vector<uint64_t> targets{0x0, 0x5000 | (1 << 21), 0x12345000};
  for (CompareMode mode : {CompareMode::kDescriptor, CompareMode::kTranslation}) {
    ExploreOptions seq, par;
    seq.compare = par.compare = mode;
    seq.parallel = false;
    par.parallel = true;
    const Exploration a = explore(before, updates, targets, seq);
    const Exploration b = explore(before, updates, targets, par);
    EXPECT_GE(a.classes.size(), 64u);  // the parallel path is taken
    EXPECT_EQ(a, b);
    ASSERT_EQ(a.violations.size(), 1u);
    EXPECT_EQ(a.violations[0].observed, 0x8000u | 0x7FF);
    EXPECT_EQ(a.violations[0].witness, std::vector<uint32_t>{301});
  }
}

}  // namespace
}  // namespace ptx
