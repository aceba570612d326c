// SPDX-License-Identifier: BSD-2-Clause
// GoogleTest assertions over a Recorder (armcheck/recorder.h): the test fails when some subset
// and order of a recorded critical section's writes is not transactional, printing each violation
// group readably (formats/violation_text.h: the section, its writes decoded, the IPAs, the before /
// observed / after mapping and a witness) and each finding, as `ptx check` does.
//
//   EXPECT_TRANSACTIONAL(rec);                          // no violation, no finding
//   ASSERT_TRANSACTIONAL(rec);
//   EXPECT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS(rec);  // transient faults (break-before-make) allowed
//   ASSERT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS(rec);
//
// Each closes the recording (Recorder::finish) and may be used any number of times after it. A
// recorder error (e.g. an unlock without its lock) fails the assertion with that error.
// With Recorder::Options::tlb (docs/tlb-model.md), as `ptx check --tlb on`: a TLB error among the
// recorded events (a stale mapping after a missing or misplaced TLBI, a break-before-make
// conflict, a table freed while cached) fails every assertion here, with one line per error; TLB
// warnings do not.
#ifndef PTX_EXPECT_TRANSACTIONAL_H_
#define PTX_EXPECT_TRANSACTIONAL_H_

#include <gtest/gtest.h>

#include "armcheck/recorder.h"

namespace ptx::expect {

// The predicate-formatters behind the macros (`expr` is the recorder's expression text).
::testing::AssertionResult IsTransactional(const char* expr, Recorder& rec);
::testing::AssertionResult IsTransactionalExceptTransientFaults(const char* expr, Recorder& rec);

}  // namespace ptx::expect

#define EXPECT_TRANSACTIONAL(rec) EXPECT_PRED_FORMAT1(::ptx::expect::IsTransactional, rec)
#define ASSERT_TRANSACTIONAL(rec) ASSERT_PRED_FORMAT1(::ptx::expect::IsTransactional, rec)
#define EXPECT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS(rec) \
  EXPECT_PRED_FORMAT1(::ptx::expect::IsTransactionalExceptTransientFaults, rec)
#define ASSERT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS(rec) \
  ASSERT_PRED_FORMAT1(::ptx::expect::IsTransactionalExceptTransientFaults, rec)

#endif  // PTX_EXPECT_TRANSACTIONAL_H_
