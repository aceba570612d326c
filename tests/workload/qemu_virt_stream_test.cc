// SPDX-License-Identifier: BSD-2-Clause
// The streamed qemu-virt workload (workload/qemu_virt.h stream_qemu_virt): the same ops, lines,
// sections and section ids as the pre-built one (make_qemu_virt), on many sizes, seeds, VM counts
// and both section policies, whatever order the VMs are pulled in; and make_qemu_virt itself
// still builds, op for op, the workload it built before the generator was streamed (digests
// recorded from that implementation).
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
  uint64_t digest;  // of make_qemu_virt's workload before streaming (Digest below)
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
      {1, 1, 128, SectionPolicy::kSekvm, 0xf72eeadb39f467a2ULL},
      {1, 1, 128, SectionPolicy::kBatched, 0xb2bc220a4edff6daULL},
      {1, 2, 129, SectionPolicy::kSekvm, 0x1e8cfe5d7be30f82ULL},
      {2, 1, 200, SectionPolicy::kSekvm, 0x8a141f528f2de652ULL},
      {2, 1, 200, SectionPolicy::kBatched, 0xa4cdf155a8c42bceULL},
      {3, 7, 1000, SectionPolicy::kSekvm, 0x86a81de4bae0f55fULL},
      {3, 7, 1000, SectionPolicy::kBatched, 0x8e467112d7f86df7ULL},
      {4, 1, 9999, SectionPolicy::kSekvm, 0x2600bd431e876579ULL},
      {4, 3, 10000, SectionPolicy::kBatched, 0x90d1e7eb432540fbULL},
      {4, 12345, 10001, SectionPolicy::kSekvm, 0x304e15f109651325ULL},
      {1, 5, 50000, SectionPolicy::kBatched, 0x5758622a76acd0f8ULL},
      {2, 9, 50000, SectionPolicy::kSekvm, 0x943a4eaccfc87c7cULL},
      {15, 1, 128, SectionPolicy::kSekvm, 0x683fa955560dd45bULL},
      {15, 4, 5000, SectionPolicy::kBatched, 0x132241cd1328e2cbULL},
      {4, 1, 200000, SectionPolicy::kSekvm, 0x3a43ae129868fa01ULL},
      {1, 77, 400000, SectionPolicy::kBatched, 0xf4ede0f365c78057ULL},
      {2, 11, 123457, SectionPolicy::kSekvm, 0xb0b81777239d3e33ULL},
      {5, 2, 33333, SectionPolicy::kBatched, 0x34c07151d8ad22acULL},
      {1, 1, 2000000, SectionPolicy::kSekvm, 0x6c8ccad8a389ebc2ULL},
  };
  return cases;
}

TEST(QemuVirtStream, PrebuiltWorkloadIsTheOneBeforeStreaming) {
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
