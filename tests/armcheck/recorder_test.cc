// SPDX-License-Identifier: BSD-2-Clause
// The recorder (armcheck/recorder.h): calls from a user's page-table code become the casemate
// reader's events, folded by the same checker; per-section callbacks; threads as tids; errors
// kept; the recording written as a casemate trace that `ptx check` reads back identically.
#include "armcheck/recorder.h"

#include <filesystem>
#include <fstream>
#include <latch>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "armcheck/casemate_check.h"

namespace ptx {
namespace {

constexpr uint64_t kRoot = 0x40000000, kL1 = 0x40001000, kL2 = 0x40002000, kL3 = 0x40003000;
constexpr uint64_t kLock = 0x99;
constexpr uint64_t kPage = 0x80000000 | 0x7c3;  // a stage-2 page: AF, SH, S2AP RW, valid

// Tables for IPA 0: root -> L1 -> L2 -> L3, built before the root is live.
void build(Recorder& rec) {
  rec.init(kRoot, 0x4000);
  rec.write(kRoot, kL1 | 3);
  rec.write(kL1, kL2 | 3);
  rec.write(kL2, kL3 | 3);
  rec.root(kRoot, Stage::k2, 7);
}

TEST(RecorderTest, AFirstMappingIsTransactional) {
  Recorder rec;
  build(rec);
  rec.lock(kLock);
  rec.write(kL3, kPage, "pgt.c:10");
  rec.barrier();
  rec.unlock(kLock);
  const StatusOr<armcheck::CheckResult> r = rec.finish();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->totals.sections, 1u);
  EXPECT_EQ(r->totals.violations, 0u);
  EXPECT_EQ(r->totals.findings, 0u);
  EXPECT_EQ(r->totals.sequences, 2);  // one write: [] and [w]
}

TEST(RecorderTest, TwoLeafWritesShowTheIntermediatePageAndCallBackPerSection) {
  int sections = 0;
  Recorder::Options o;
  o.on_section = [&](const CheckedSection& c) {
    ++sections;
    ASSERT_TRUE(c.context);
    EXPECT_EQ(c.context->stage, 2);
    EXPECT_EQ(c.context->id, 7u);
    EXPECT_EQ(c.context->update_srcs, (std::vector<std::string>{"pgt.c:1", "pgt.c:2"}));
  };
  Recorder rec(o);
  build(rec);
  rec.lock(kLock);
  rec.write(kL3, kPage, "pgt.c:1");
  rec.write(kL3, kPage + 0x1000, "pgt.c:2");
  rec.unlock(kLock);
  const StatusOr<armcheck::CheckResult> r = rec.finish();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(sections, 1);
  EXPECT_EQ(r->totals.wrong_translations, 1u);
  ASSERT_EQ(r->kept.size(), 1u);
  EXPECT_EQ(r->kept[0].exploration.violations[0].observed, kPage);
}

TEST(RecorderTest, AnUnlockWithoutItsLockIsKeptAsTheError) {
  Recorder rec;
  rec.unlock(kLock);
  rec.write(kL3, kPage);  // ignored after the error
  EXPECT_EQ(rec.status().code(), StatusCode::kBadInput);
  EXPECT_NE(rec.status().message().find("does not hold"), std::string::npos) << rec.status().message();
  EXPECT_FALSE(rec.finish().ok());
}

TEST(RecorderTest, ThreadsAreTidsAndAFifthThreadIsRefused) {
  Recorder rec;
  build(rec);  // tid 0
  // Three more threads alive at once (a finished thread's id may be reused), each its own section.
  std::latch recorded(3), done(1);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      rec.lock(kLock + 1 + i);
      rec.write(kL3 + 8 * (1 + i), kPage + 0x1000 * (1 + i));
      rec.unlock(kLock + 1 + i);
      recorded.count_down();
      done.wait();
    });
  }
  recorded.wait();
  EXPECT_TRUE(rec.status().ok()) << rec.status().to_string();
  std::thread([&] { rec.lock(1); }).join();  // a fifth
  done.count_down();
  for (std::thread& t : threads) t.join();
  EXPECT_NE(rec.status().message().find("fifth thread"), std::string::npos) << rec.status().message();
}

TEST(RecorderTest, TheRecordingIsACasemateTraceCheckedTheSame) {
  Recorder rec;
  build(rec);
  rec.lock(kLock);
  rec.write(kL3, kPage);
  rec.write(kL3, kPage + 0x1000);
  rec.unlock(kLock);
  const std::string path = testing::TempDir() + "/ptx_recorder_test.trace";
  ASSERT_TRUE(rec.write_casemate(path).ok());
  std::ifstream in(path);
  const StatusOr<armcheck::CasemateRun> run = armcheck::check_casemate(in, path, {}, {});
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  const StatusOr<armcheck::CheckResult> live = rec.finish();
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(run->result.totals, live->totals);
  ASSERT_EQ(run->result.kept.size(), live->kept.size());
  EXPECT_EQ(run->result.kept[0].exploration, live->kept[0].exploration);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ptx
