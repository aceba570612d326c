// SPDX-License-Identifier: BSD-2-Clause
// Pictures of bad interleavings: the DOT source names what a reader needs, and Graphviz renders it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "explorer/epochs.h"
#include "explorer/explorer.h"
#include "tools/draw/interleaving_dot.h"

namespace ptx {
namespace {

// Unmap-then-remap of one PTE in one section (SPEC §6): observed 0 between the two writes.
struct UnmapRemap {
  NptImage before{Geometry::sekvm(), pt_vttbr(1)};
  std::vector<Update> updates;
  uint64_t ipa = 0x3000;
  UnmapRemap() {
    before.write(0, pool_start(1), pgd_start(1) | 3);
    before.write(1, pgd_start(1), pud_start(1) | 3);
    before.write(2, pud_start(1), pmd_start(1) | 3);
    const uint64_t pte = pmd_start(1) | pte_index(ipa) * 8;
    before.write(3, pte, 0x5000 | 0x7FF);
    updates = {{UpdateKind::kPte, pte, 0x5000 | 0x7FF, 0}, {UpdateKind::kPte, pte, 0, 0x6000 | 0x7FF}};
  }
};

TEST(InterleavingDot, NamesTheWalksTheWitnessAndTheMappings) {
  UnmapRemap c;
  const Exploration x = explore(c.before, c.updates, std::vector<uint64_t>{c.ipa});
  ASSERT_EQ(x.violations.size(), 1u);
  const std::string dot = interleaving_dot(c.before, c.updates, x.violations[0], CompareMode::kDescriptor, "vm 1, section 0");
  EXPECT_NE(dot.find("digraph interleaving"), std::string::npos);
  EXPECT_NE(dot.find("vm 1, section 0"), std::string::npos);
  EXPECT_NE(dot.find("cluster_before"), std::string::npos);
  EXPECT_NE(dot.find("cluster_observed"), std::string::npos);
  EXPECT_NE(dot.find("cluster_after"), std::string::npos);
  EXPECT_NE(dot.find("maps to 0x57ff"), std::string::npos);         // before
  EXPECT_NE(dot.find("maps to 0x67ff"), std::string::npos);         // after
  EXPECT_NE(dot.find("maps to nothing (fault)"), std::string::npos);  // observed: the unmap alone
  // Only update #0 (the unmap) is in the witness, drawn in red.
  EXPECT_NE(dot.find("u0 [shape=record, style=bold, color=red"), std::string::npos);
  EXPECT_EQ(dot.find("u1 [shape=record, style=bold"), std::string::npos);
  EXPECT_NE(dot.find("2 of 5 update lists"), std::string::npos);  // [u0] and [u0; u1] (u0 applied last) show 0, of a(2) = 5
}

// A violation of a later barrier epoch (here the state at the start of epoch 1, after the break:
// updates[0, 1) complete, then an empty witness) is drawn with the earlier epochs applied.
TEST(InterleavingDot, TheObservedStateReplaysTheEarlierEpochs) {
  UnmapRemap c;
  NptImage memory = c.before;
  const std::vector<uint32_t> barrier = {1};
  const Exploration x = explore_epochs(memory, memory.root(), memory.geometry(), c.updates, barrier,
                                       std::vector<uint64_t>{c.ipa}, ExploreOptions{});
  ASSERT_EQ(x.violations.size(), 1u);  // one third mapping, seen in both epochs
  Violation v = x.violations[0];
  v.epoch = 1;
  v.epoch_start = 1;
  v.witness.clear();
  const std::string dot = interleaving_dot(c.before, c.updates, v, CompareMode::kDescriptor, "t");
  const size_t observed = dot.find("cluster_observed"), after = dot.find("cluster_after");
  ASSERT_LT(observed, after);
  EXPECT_NE(dot.substr(observed, after - observed).find("maps to nothing (fault)"), std::string::npos) << dot;
}

TEST(InterleavingDot, GraphvizRendersIt) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) GTEST_SKIP() << "Graphviz not installed";
  UnmapRemap c;
  const Exploration x = explore(c.before, c.updates, std::vector<uint64_t>{c.ipa});
  ASSERT_FALSE(x.violations.empty());
  const StatusOr<std::string> svg =
      render_dot(interleaving_dot(c.before, c.updates, x.violations[0], CompareMode::kDescriptor, "t"), "svg");
  ASSERT_TRUE(svg.ok()) << svg.status().to_string();
  EXPECT_NE(svg->find("<svg"), std::string::npos);
  const StatusOr<std::string> bad = render_dot("not a graph {", "svg");  // a DOT syntax error is reported
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kBadInput);
}

}  // namespace
}  // namespace ptx
