// SPDX-License-Identifier: BSD-2-Clause
// The recording the expect/ tests start from: four levels of stage-2 table mapping one 4 KiB page
// (IPA 0 -> kPage, in kL3[0]), recorded as a user's setup would, with the root live.
#ifndef PTX_TESTS_EXPECT_FOUR_LEVELS_H_
#define PTX_TESTS_EXPECT_FOUR_LEVELS_H_

#include <cstdint>

#include "armcheck/recorder.h"

namespace ptx::test {

constexpr uint64_t kRoot = 0x40000000, kL1 = 0x40001000, kL2 = 0x40002000, kL3 = 0x40003000;
constexpr uint64_t kLock = 0x99;
constexpr uint64_t kPage = 0x80000000 | 0x7c3;  // a page descriptor: AF, RW, normal memory

inline void build(Recorder& rec) {
  rec.init(kRoot, 0x4000);
  rec.write(kRoot, kL1 | 3);
  rec.write(kL1, kL2 | 3);
  rec.write(kL2, kL3 | 3);
  rec.write(kL3, kPage);
  rec.root(kRoot, Stage::k2, 1);
}

}  // namespace ptx::test

#endif  // PTX_TESTS_EXPECT_FOUR_LEVELS_H_
