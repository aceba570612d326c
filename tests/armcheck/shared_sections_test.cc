// SPDX-License-Identifier: BSD-2-Clause
// Sections under a lock taken shared (read-lock, ptx's dialect): they overlap in time without a
// lock-conflict; writes to one entry by two of them are shared-entry unless a compare-and-swap
// serialises them; their group is explored with its cuts (explorer/section_group.h); unlocked
// writes are judged by the root's lock; a root with no lock at all is no-root-lock (casemate's
// bad_unlocked_write and bad_no_assoc_lock examples).
#include <algorithm>

#include <gtest/gtest.h>

#include "tests/armcheck/check_util.h"

namespace ptx::armcheck {
namespace {

using testing::Stream;

constexpr uint64_t kRoot = 0x10000, kL1 = 0x11000, kL2 = 0x12000, kL3 = 0x13000, kT1 = 0x14000, kT2 = 0x15000;
constexpr uint64_t kMmu = 0xa0;
constexpr uint64_t kP = 0x40000000 | 0x7ff, kQ = 0x50000000 | 0x7ff, kR = 0x60000000 | 0x7ff;

// root -> L1 -> L2, L2[0] -> L3 (IPA 0x0..0x200000), registered as VMID 1 with lock kMmu.
void tables(Stream& s, bool hint = true) {
  for (uint64_t p : {kRoot, kL1, kL2, kL3, kT1, kT2}) s.init(p);
  s.write(0, kRoot, kL1 | 3);
  s.write(0, kL1, kL2 | 3);
  s.write(0, kL2, kL3 | 3);
  if (hint) s.root_lock_hint(0, kRoot, kMmu);
  s.vttbr(0, kRoot, 1);
}

size_t count(const CheckResult& r, const std::string& kind) {
  return std::count_if(r.findings.begin(), r.findings.end(), [&](const Finding& f) { return f.kind == kind; });
}

TEST(SharedSections, ReadersOverlapWithoutConflictAndDisjointMapsAreClean) {
  Stream s;
  tables(s);
  s.read_lock(1, kMmu);
  s.read_lock(2, kMmu);
  s.cas(1, kL3, 0x400);  // Linux's locked marker, then the page
  s.cas(2, kL3 + 8, 0x400);
  s.write(1, kL3, kP);
  s.write(2, kL3 + 8, kQ);
  s.read_unlock(1, kMmu);
  s.read_unlock(2, kMmu);
  const StatusOr<CheckResult> r = s.check(testing::keep_all());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(r->findings.empty()) << r->findings.front().detail;
  EXPECT_EQ(r->totals.sections, 2u);
  EXPECT_EQ(r->totals.violations, 0u);
  // At each close: the section's own exploration, then its group's (the other one overlapped it).
  ASSERT_EQ(r->kept.size(), 4u);
  EXPECT_TRUE(r->kept[0].context->group_tids.empty());
  EXPECT_EQ(r->kept[1].context->group_tids, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(r->kept[3].context->group_tids, (std::vector<uint32_t>{2, 1}));
  EXPECT_EQ(r->kept[3].section.updates.size(), 4u);
}

TEST(SharedSections, APlainStoreOverAnotherSectionsWriteIsSharedEntry) {
  Stream s;
  tables(s);
  s.lock(0, kMmu);
  s.write(0, kL3, kP);
  s.unlock(0, kMmu);
  s.read_lock(1, kMmu);
  s.read_lock(2, kMmu);
  s.cas(1, kL3, kP | (uint64_t{1} << 55));  // serialised: found what it expected
  const uint64_t clash = s.write(2, kL3, kQ);  // a plain store over tid 1's value
  s.cas(1, kL3, kR);  // tid 1 again: a compare-and-swap, no clash
  s.read_unlock(1, kMmu);
  s.read_unlock(2, kMmu);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(count(*r, "shared-entry"), 1u);
  const Finding& f = r->findings.front();
  EXPECT_EQ(f.line, clash);
  EXPECT_NE(f.detail.find("tids 1 and 2 wrote entry 0x13000"), std::string::npos) << f.detail;
}

TEST(SharedSections, WritersConflictWithReaders) {
  Stream s;
  tables(s);
  s.read_lock(1, kMmu);
  const uint64_t taken = s.lock(2, kMmu);
  s.unlock(2, kMmu);
  s.read_unlock(1, kMmu);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(count(*r, "lock-conflict"), 1u);
  EXPECT_EQ(r->findings.front().line, taken);
  Stream bad;
  bad.read_unlock(1, kMmu);
  EXPECT_EQ(bad.check().status().code(), StatusCode::kBadInput);
}

// casemate's bad_unlocked_write: a write of 0 over 0 by a tid without the lock is still a write
// into the tree without the lock. Holding another lock does not help.
TEST(SharedSections, UnlockedWritesFollowTheRootsLock) {
  Stream s;
  tables(s);
  const uint64_t none = s.write(2, kL3 + 16, 0);  // 0 over 0
  s.lock(2, 0xb0);
  const uint64_t other = s.write(2, kL3 + 16, kP);
  s.unlock(2, 0xb0);
  s.read_lock(3, kMmu);
  s.cas(3, kL3 + 24, kQ);  // the root's lock, taken shared: fine
  s.read_unlock(3, kMmu);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->findings.size(), 2u);
  EXPECT_EQ(r->findings[0].kind, "unlocked-write");
  EXPECT_EQ(r->findings[0].line, none);
  EXPECT_EQ(r->findings[1].line, other);
  EXPECT_NE(r->findings[1].detail.find("not the root's lock 0xa0"), std::string::npos) << r->findings[1].detail;
}

// casemate's bad_no_assoc_lock: a registered root without a set_root_lock hint, written by a tid
// that holds no lock: no-root-lock. A tid holding a lock names the root's lock instead.
TEST(SharedSections, ARootWithNoLockAtAll) {
  Stream s;
  tables(s, /*hint=*/false);
  const uint64_t first = s.write(1, kL3, kP);
  s.lock(2, 0xc0);
  s.write(2, kL3 + 8, kQ);  // 0xc0 becomes the root's lock
  s.unlock(2, 0xc0);
  const uint64_t later = s.write(1, kL3 + 16, kR);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->findings.size(), 2u);
  EXPECT_EQ(r->findings[0].kind, "no-root-lock");
  EXPECT_EQ(r->findings[0].line, first);
  EXPECT_EQ(r->findings[1].kind, "unlocked-write");
  EXPECT_EQ(r->findings[1].line, later);
}

// A group check reports what no cut explains: tid 1's section moves a page in two steps through a
// wrong output while tid 2's overlaps it.
TEST(SharedSections, TheGroupCheckReportsAThirdMapping) {
  Stream s;
  tables(s);
  s.lock(0, kMmu);
  s.write(0, kL3, kP);
  s.unlock(0, kMmu);
  s.read_lock(1, kMmu);
  s.read_lock(2, kMmu);
  s.cas(1, kL3, kR);  // a wrong intermediate value...
  s.cas(2, kL3 + 8, kQ);
  s.cas(1, kL3, kQ);  // ...then the right one
  s.read_unlock(2, kMmu);
  s.read_unlock(1, kMmu);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  bool group = false;
  for (const CheckedSection& c : r->kept) group |= c.context->group_tids.size() == 2 && !c.exploration.ok();
  EXPECT_TRUE(group);
  EXPECT_GT(r->totals.wrong_translations, 0u);
}

}  // namespace
}  // namespace ptx::armcheck
