// SPDX-License-Identifier: BSD-2-Clause
// EngineSource over a streamed workload (workload/qemu_virt.h stream_qemu_virt): the same sections,
// lines and run outcome as over the pre-built workload, for both section policies, engine variants
// with and without violations, and 1 and 2 threads; and the same first error after a failure.
#include <memory>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "run/engine_source.h"
#include "run/runner.h"
#include "workload/qemu_virt.h"

namespace ptx::run {
namespace {

std::unique_ptr<workload::WorkloadStream> Stream(const workload::QemuVirtOptions& o) {
  StatusOr<std::unique_ptr<workload::WorkloadStream>> s = workload::stream_qemu_virt(o);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(EngineSourceStream, SameSectionsAsOverThePrebuiltWorkload) {
  const workload::QemuVirtOptions o{3, 4, 2000, SectionPolicy::kBatched};
  const StatusOr<workload::Workload> w = workload::make_qemu_virt(o);
  ASSERT_TRUE(w.ok());
  EngineSource prebuilt(*w, o.policy);
  EngineSource streamed(Stream(o), o.policy);
  EXPECT_EQ(streamed.name(), prebuilt.name());
  EXPECT_EQ(streamed.lanes(), prebuilt.lanes());
  EXPECT_EQ(streamed.total_units(), prebuilt.total_units());
  for (uint32_t vm : prebuilt.lanes()) {
    for (;;) {
      ASSERT_EQ(streamed.next_position(vm), prebuilt.next_position(vm));
      SourcedSection a, b;
      const bool more = *prebuilt.next(vm, &a);
      ASSERT_EQ(*streamed.next(vm, &b), more);
      if (!more) break;
      EXPECT_EQ(b.section, a.section);
      EXPECT_EQ(std::tie(b.line, b.units), std::tie(a.line, a.units));
    }
  }
}

TEST(EngineSourceStream, RunOutcomeIsThePrebuiltOnes) {
  for (SectionPolicy policy : {SectionPolicy::kSekvm, SectionPolicy::kBatched}) {
    for (EngineVariant variant : {EngineVariant::kSekvm, EngineVariant::kBbm, EngineVariant::kMissingBarrier}) {
      const workload::QemuVirtOptions o{4, 2, 3000, policy};
      const StatusOr<workload::Workload> w = workload::make_qemu_virt(o);
      ASSERT_TRUE(w.ok());
      for (unsigned threads : {1u, 2u}) {
        RunConfig c;
        c.threads = threads;
        c.keep_all = true;
        EngineSource prebuilt(*w, policy, variant);
        EngineSource streamed(Stream(o), policy, variant);
        const StatusOr<RunOutcome> a = run_sections(prebuilt, c), b = run_sections(streamed, c);
        const std::string what = fmt::format("policy {} variant {} threads {}", section_policy_name(policy),
                                             engine_variant_name(variant), threads);
        ASSERT_TRUE(a.ok() && b.ok()) << what;
        EXPECT_EQ(b->totals, a->totals) << what;
        ASSERT_EQ(b->kept.size(), a->kept.size()) << what;
        for (size_t i = 0; i < a->kept.size(); ++i) {
          EXPECT_EQ(b->kept[i].line, a->kept[i].line) << what;
          EXPECT_EQ(b->kept[i].section, a->kept[i].section) << what;
          EXPECT_EQ(b->kept[i].exploration, a->kept[i].exploration) << what;
        }
      }
    }
  }
}

}  // namespace
}  // namespace ptx::run
