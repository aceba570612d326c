// SPDX-License-Identifier: BSD-2-Clause
// The streamed qemu-virt workload (workload/qemu_virt.h stream_qemu_virt): the same ops, lines,
// sections and section ids as the pre-built one (make_qemu_virt), on many sizes, seeds, VM counts
// and both section policies, whatever order the VMs are pulled in; and make_qemu_virt itself
// still builds, op for op, the workload whose digests are recorded below (recorded when step 5's
// random order became a KeyedPermutation computed as faults are pulled, in place of a shuffled
// list: a change of these digests is a change of every qemu-virt run).
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "workload/qemu_virt.h"
#include "workload/workload_stream.h"

namespace ptx::workload {
namespace {

struct Case {
  uint32_t vms;
  uint64_t seed;
  uint64_t ops;
  SectionPolicy policy;
  uint64_t digest;  // of make_qemu_virt's workload (Digest below)
};

// FNV-1a over every field of every op in input order, then every stream's sections.
uint64_t Digest(const Workload& w) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](uint64_t x) {
    for (int i = 0; i < 8; ++i) {
      h ^= (x >> (8 * i)) & 0xff;
      h *= 0x100000001b3ULL;
    }
  };
  for (const WorkloadOp& op : w.ops) {
    for (uint64_t x : {op.ipa, op.descriptor, op.section_id, uint64_t{op.line}, uint64_t{op.vmid},
                       uint64_t{op.level}, static_cast<uint64_t>(op.kind), static_cast<uint64_t>(op.type)}) {
      mix(x);
    }
  }
  for (const VmStream& s : w.streams) {
    mix(s.ops.size());
    for (uint32_t x : s.section_starts) mix(x);
  }
  return h;
}

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {1, 1, 128, SectionPolicy::kSekvm, 0xec6932d3f1faa3aaULL},
      {1, 1, 128, SectionPolicy::kBatched, 0xc6effbacf6d66cb2ULL},
      {1, 2, 129, SectionPolicy::kSekvm, 0x6aea68e4f29cc41eULL},
      {2, 1, 200, SectionPolicy::kSekvm, 0xee798b75d42cd0c2ULL},
      {2, 1, 200, SectionPolicy::kBatched, 0xafde89964726436eULL},
      {3, 7, 1000, SectionPolicy::kSekvm, 0xe2672868e6b2c36fULL},
      {3, 7, 1000, SectionPolicy::kBatched, 0x14a9966b326de07fULL},
      {4, 1, 9999, SectionPolicy::kSekvm, 0x21b78c18ff24d961ULL},
      {4, 3, 10000, SectionPolicy::kBatched, 0xb93730a9d9c907ffULL},
      {4, 12345, 10001, SectionPolicy::kSekvm, 0x60aa17137be28404ULL},
      {1, 5, 50000, SectionPolicy::kBatched, 0x44103f7c5512fa05ULL},
      {2, 9, 50000, SectionPolicy::kSekvm, 0x92890c3af7d2e044ULL},
      {15, 1, 128, SectionPolicy::kSekvm, 0xe3a452abec06644fULL},
      {15, 4, 5000, SectionPolicy::kBatched, 0xd98dc859933a9081ULL},
      {4, 1, 200000, SectionPolicy::kSekvm, 0x56d81a3d8b2ab2e2ULL},
      {1, 77, 400000, SectionPolicy::kBatched, 0x1f0a21500fccee20ULL},
      {2, 11, 123457, SectionPolicy::kSekvm, 0xfda0d287aa296f3dULL},
      {5, 2, 33333, SectionPolicy::kBatched, 0x047915c921a324c4ULL},
      {1, 1, 2000000, SectionPolicy::kSekvm, 0x3431826700dd0f0bULL},
  };
  return cases;
}

TEST(QemuVirtStream, PrebuiltWorkloadIsTheRecordedOne) {
  for (const Case& c : Cases()) {
    const StatusOr<Workload> w = make_qemu_virt(QemuVirtOptions{c.vms, c.seed, c.ops, c.policy});
    ASSERT_TRUE(w.ok()) << w.status().to_string();
    EXPECT_EQ(Digest(*w), c.digest) << c.vms << " VMs, seed " << c.seed << ", " << c.ops << " ops";
  }
}

// Pulls every section of `s`, choosing the VM to pull from with `pick` (given the VMs left), and
// checks each against `w`'s next section of that VM: same ops (every field) and the same line.
void ExpectSameSections(const Workload& w, WorkloadStream& s, const std::function<size_t(size_t)>& pick) {
  std::vector<uint32_t> left = s.vms();
  std::array<size_t, kVmCount> next{};
  std::vector<WorkloadOp> ops;
  while (!left.empty()) {
    const size_t k = pick(left.size());
    const uint32_t vm = left[k];
    const VmStream& vs = w.streams[vm];
    if (next[vm] == vs.section_count()) {
      EXPECT_EQ(s.next_line(vm), UINT64_MAX);
      EXPECT_FALSE(s.next_section(vm, &ops));
      EXPECT_TRUE(ops.empty());
      left.erase(left.begin() + static_cast<std::ptrdiff_t>(k));
      continue;
    }
    const size_t b = vs.section_begin(next[vm]), e = vs.section_end(next[vm]);
    ASSERT_EQ(s.next_line(vm), w.ops[vs.ops[b]].line) << "vm " << vm;
    ASSERT_TRUE(s.next_section(vm, &ops));
    ASSERT_EQ(ops.size(), e - b) << "vm " << vm << " line " << w.ops[vs.ops[b]].line;
    for (size_t j = b; j < e; ++j) {
      const WorkloadOp& a = ops[j - b];
      const WorkloadOp& x = w.ops[vs.ops[j]];
      ASSERT_EQ(std::tie(a.ipa, a.descriptor, a.section_id, a.line, a.vmid, a.level, a.kind, a.type),
                std::tie(x.ipa, x.descriptor, x.section_id, x.line, x.vmid, x.level, x.kind, x.type));
    }
    ++next[vm];
  }
}

TEST(QemuVirtStream, SameSectionsAsThePrebuiltWorkloadInAnyPullOrder) {
  std::mt19937_64 rng(3);
  for (const Case& c : Cases()) {
    if (c.ops > 400000) continue;
    const QemuVirtOptions o{c.vms, c.seed, c.ops, c.policy};
    const StatusOr<Workload> w = make_qemu_virt(o);
    ASSERT_TRUE(w.ok()) << w.status().to_string();
    StatusOr<std::unique_ptr<WorkloadStream>> s = stream_qemu_virt(o);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    EXPECT_EQ((*s)->source(), w->source);
    EXPECT_EQ((*s)->description(), w->description);
    EXPECT_EQ((*s)->total_ops(), w->ops.size());
    EXPECT_EQ((*s)->vms(), prebuilt_stream(*w)->vms());
    // Random pulls (far-apart VMs), then one VM at a time to its end on a restart.
    ExpectSameSections(*w, **s, [&rng](size_t n) { return static_cast<size_t>(rng() % n); });
    std::unique_ptr<WorkloadStream> again = (*s)->restart();
    ExpectSameSections(*w, *again, [](size_t) { return size_t{0}; });
  }
}

TEST(QemuVirtStream, PrebuiltStreamHandsOutTheWorkloadsSections) {
  const StatusOr<Workload> w = make_qemu_virt(QemuVirtOptions{3, 5, 3000, SectionPolicy::kBatched});
  ASSERT_TRUE(w.ok());
  std::unique_ptr<WorkloadStream> s = prebuilt_stream(std::make_shared<const Workload>(*w));
  EXPECT_EQ(s->total_ops(), w->ops.size());
  ExpectSameSections(*w, *s, [](size_t n) { return n - 1; });
  ExpectSameSections(*w, *s->restart(), [](size_t) { return size_t{0}; });
}

TEST(QemuVirtStream, RefusesWhatMakeQemuVirtRefuses) {
  for (const QemuVirtOptions& o : {QemuVirtOptions{0, 1, 1000, {}}, QemuVirtOptions{16, 1, 1000, {}},
                                   QemuVirtOptions{1, 1, kQemuVirtMinOpsPerVm - 1, {}},
                                   QemuVirtOptions{1, 1, kQemuVirtMaxOpsPerVm + 1, {}}}) {
    const StatusOr<std::unique_ptr<WorkloadStream>> s = stream_qemu_virt(o);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().to_string(), make_qemu_virt(o).status().to_string());
  }
}

}  // namespace
}  // namespace ptx::workload
