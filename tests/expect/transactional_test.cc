// SPDX-License-Identifier: BSD-2-Clause
// EXPECT_TRANSACTIONAL and friends (expect/transactional.h): pass on transactional recordings,
// fail with the readable violation groups otherwise, and tolerate only transient faults when asked.
#include "expect/transactional.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

namespace ptx {
namespace {

constexpr uint64_t kRoot = 0x40000000, kL1 = 0x40001000, kL2 = 0x40002000, kL3 = 0x40003000;
constexpr uint64_t kLock = 0x99;
constexpr uint64_t kPage = 0x80000000 | 0x7c3;

void build(Recorder& rec) {
  rec.init(kRoot, 0x4000);
  rec.write(kRoot, kL1 | 3);
  rec.write(kL1, kL2 | 3);
  rec.write(kL2, kL3 | 3);
  rec.write(kL3, kPage);
  rec.root(kRoot, Stage::k2, 1);
}

// A remap of the mapped page in one section: `bbm` with break-before-make, else in one write
// pair (a wrong translation: the intermediate page).
void remap(Recorder& rec, bool bbm) {
  rec.lock(kLock);
  if (bbm) {
    rec.write(kL3, 0, "pgt.c:20");
    rec.barrier("pgt.c:21");
    rec.write(kL3, kPage + 0x2000, "pgt.c:22");
  } else {
    rec.write(kL3, kPage + 0x1000, "pgt.c:30");
    rec.write(kL3, kPage + 0x2000, "pgt.c:31");
  }
  rec.unlock(kLock);
}

TEST(ExpectTransactional, PassesOnAValidToValidWrite) {
  Recorder rec;
  build(rec);
  rec.lock(kLock);
  rec.write(kL3, kPage + 0x2000);
  rec.unlock(kLock);
  EXPECT_TRANSACTIONAL(rec);
  ASSERT_TRANSACTIONAL(rec);  // again: the result is kept
}

TEST(ExpectTransactional, FailsWithTheGroupAndItsWitness) {
  EXPECT_NONFATAL_FAILURE(
      {
        Recorder rec;
        build(rec);
        remap(rec, false);
        EXPECT_TRANSACTIONAL(rec);
      },
      "wrong-translation");
  EXPECT_NONFATAL_FAILURE(
      {
        Recorder rec;
        build(rec);
        remap(rec, false);
        EXPECT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS(rec);
      },
      "observed 0x80001");
}

TEST(ExpectTransactional, BreakBeforeMakeFailsOnlyTheStrictAssertion) {
  EXPECT_NONFATAL_FAILURE(
      {
        Recorder rec;
        build(rec);
        remap(rec, true);
        EXPECT_TRANSACTIONAL(rec);
      },
      "transient-fault");
  Recorder rec;
  build(rec);
  remap(rec, true);
  EXPECT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS(rec);
}

TEST(ExpectTransactional, ARecorderErrorFails) {
  EXPECT_NONFATAL_FAILURE(
      {
        Recorder rec;
        rec.unlock(5);
        EXPECT_TRANSACTIONAL(rec);
      },
      "the recorder failed");
}

}  // namespace
}  // namespace ptx
