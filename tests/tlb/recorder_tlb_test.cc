// SPDX-License-Identifier: BSD-2-Clause
// The TLB pass through a Recorder (armcheck/recorder.h): the pass is the recorder's observer, so a
// user's unit test gets the TLB verdicts of the code it drives.
#include <gtest/gtest.h>

#include "armcheck/recorder.h"
#include "tlb/tlb_pass.h"

namespace ptx::tlb {
namespace {

constexpr uint64_t kRoot = 0x10000, kL1 = 0x11000, kL2 = 0x12000, kL3 = 0x13000, kLock = 0x99;

// A mapped page at IPA 0 -> PA 0x80000000, then its break by `unmap` under the lock.
std::vector<TlbFinding> run(const std::function<void(Recorder&)>& unmap) {
  TlbPass pass;
  Recorder::Options o;
  o.check.observer = &pass;
  Recorder rec(o);
  for (uint64_t t : {kRoot, kL1, kL2, kL3}) rec.init(t, 4096);
  rec.write(kRoot, kL1 | 3);
  rec.write(kL1, kL2 | 3);
  rec.write(kL2, kL3 | 3);
  rec.write(kL3, 0x800007ff);
  rec.root(kRoot, Stage::k2, 1);
  rec.lock(kLock);
  unmap(rec);
  rec.unlock(kLock);
  EXPECT_TRUE(rec.finish().ok());
  return pass.findings();
}

TEST(RecorderTlbTest, BreakWithoutTlbiIsStale) {
  const std::vector<TlbFinding> fs = run([](Recorder& r) {
    r.write(kL3, 0);
    r.barrier();
  });
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].verdict, Verdict::kStaleMapping);
  EXPECT_EQ(fs[0].cause, Cause::kNoTlbi);
}

TEST(RecorderTlbTest, BreakWithTlbiIsClean) {
  EXPECT_TRUE(run([](Recorder& r) {
                r.write(kL3, 0);
                r.barrier();
                r.tlbi(armtrace::TlbiOp::kVmalls12e1is);
                r.barrier();
              }).empty());
}

TEST(RecorderTlbTest, DsbIshstDoesNotCompleteTheTlbi) {
  const std::vector<TlbFinding> fs = run([](Recorder& r) {
    r.write(kL3, 0);
    r.barrier();
    r.tlbi(armtrace::TlbiOp::kVmalls12e1is);
    r.barrier(armtrace::DsbKind::kIshst);
  });
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].cause, Cause::kNotCompleted);
}

}  // namespace
}  // namespace ptx::tlb
