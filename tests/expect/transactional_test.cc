// SPDX-License-Identifier: BSD-2-Clause
// EXPECT_TRANSACTIONAL and friends (expect/transactional.h): pass on transactional recordings,
// fail with the readable violation groups otherwise, and tolerate only transient faults when asked.
#include "expect/transactional.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "tests/expect/four_levels.h"

namespace ptx {
namespace {

using test::build;
using test::kL3;
using test::kLock;
using test::kPage;

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
