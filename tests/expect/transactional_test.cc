// SPDX-License-Identifier: BSD-2-Clause
// EXPECT_TRANSACTIONAL and friends (expect/transactional.h): pass on transactional recordings,
// fail with the readable violation groups otherwise, and tolerate only transient faults when asked;
// with the TLB verdicts on (Recorder::Options::tlb), a TLB error fails them too.
#include "expect/transactional.h"

#include <string>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "tests/expect/four_levels.h"

namespace ptx {
namespace {

using test::build;
using test::kL3;
using test::kLock;
using test::kPage;

// Linux's kvm_tlb_flush_vmid_ipa after a break of IPA 0: TLBI IPAS2E1IS (the stage-2 entry), DSB,
// TLBI VMALLE1IS (the combined stage 1+2 entries built from it), DSB.
void flush_ipa(Recorder& rec, int line) {
  const std::string at = "pgt.c:" + std::to_string(line);
  rec.tlbi(armtrace::TlbiOp::kIpas2e1is, 0, at.c_str());
  rec.barrier(at.c_str());
  rec.tlbi(armtrace::TlbiOp::kVmalle1is, 0, at.c_str());
  rec.barrier(at.c_str());
}

// A remap of the mapped page (IPA 0) in one section: `bbm` with break-before-make (break, DSB,
// the flush, make), else in one write pair (a wrong translation: the intermediate page).
void remap(Recorder& rec, bool bbm) {
  rec.lock(kLock);
  if (bbm) {
    rec.write(kL3, 0, "pgt.c:20");
    rec.barrier("pgt.c:21");
    flush_ipa(rec, 22);
    rec.write(kL3, kPage + 0x2000, "pgt.c:24");
  } else {
    rec.write(kL3, kPage + 0x1000, "pgt.c:30");
    rec.write(kL3, kPage + 0x2000, "pgt.c:31");
  }
  rec.unlock(kLock);
}

// A recorder with the TLB verdicts off (they are on by default: Recorder::Options::tlb).
Recorder::Options without_tlb() {
  Recorder::Options o;
  o.tlb = false;
  return o;
}

// A valid-to-valid write of another output: transactional (a walker sees the old or the new page),
// yet a TLB error (no break-before-make, no TLBI): the TLB verdicts fail it.
void valid_to_valid(Recorder& rec) {
  build(rec);
  rec.lock(kLock);
  rec.write(kL3, kPage + 0x2000, "pgt.c:40");
  rec.unlock(kLock);
}

TEST(ExpectTransactional, PassesOnAValidToValidWriteWithTheTlbCheckOff) {
  Recorder rec(without_tlb());
  valid_to_valid(rec);
  EXPECT_TRANSACTIONAL(rec);
  ASSERT_TRANSACTIONAL(rec);  // again: the result is kept
}

TEST(ExpectTransactional, TheTlbCheckFailsAValidToValidWrite) {
  EXPECT_NONFATAL_FAILURE(
      {
        Recorder rec;  // the default: the TLB verdicts on
        valid_to_valid(rec);
        EXPECT_TRANSACTIONAL(rec);
      },
      "tlb-conflict");
  EXPECT_NONFATAL_FAILURE(
      {
        Recorder rec;
        valid_to_valid(rec);
        EXPECT_TRANSACTIONAL(rec);
      },
      "at pgt.c:40");
}

// An unmap: break, DSB, and the flush (`tlbi`) or none.
void unmap(Recorder& rec, bool tlbi) {
  build(rec);
  rec.lock(kLock);
  rec.write(kL3, 0, "pgt.c:50");
  rec.barrier("pgt.c:51");
  if (tlbi) flush_ipa(rec, 52);
  rec.unlock(kLock);
}

TEST(ExpectTransactional, AnUnmapNeedsItsTlbi) {
  Recorder rec;
  unmap(rec, true);
  EXPECT_TRANSACTIONAL(rec);
  EXPECT_NONFATAL_FAILURE(
      {
        Recorder bad;
        unmap(bad, false);
        EXPECT_TRANSACTIONAL(bad);
      },
      "stale-mapping (no-tlbi)");
  Recorder unchecked(without_tlb());  // the transactional check alone
  unmap(unchecked, false);
  EXPECT_TRANSACTIONAL(unchecked);
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
  Recorder rec;  // with its flush, break-before-make is TLB-clean too
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
