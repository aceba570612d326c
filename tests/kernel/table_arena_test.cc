// SPDX-License-Identifier: BSD-2-Clause
// TableArena: lowest-free-first pages at fixed physical addresses, zeroed, reference counted.
#include "kernel/table_arena.h"

#include <cstring>

#include <gtest/gtest.h>

namespace ptx::kernel {
namespace {

constexpr uint64_t kBase = uint64_t{1} << 40;

TEST(TableArena, PagesComeLowestFirstAtFixedAddresses) {
  TableArena a(kBase, 4);
  void* p0 = a.alloc();
  void* p1 = a.alloc();
  EXPECT_EQ(a.phys(p0), kBase);
  EXPECT_EQ(a.phys(p1), kBase + 4096);
  EXPECT_EQ(a.phys(static_cast<char*>(p1) + 24), kBase + 4096 + 24);  // any byte of the page
  EXPECT_EQ(a.virt(kBase + 4096), p1);
  bool freed = false;
  EXPECT_EQ(a.ref(p0, -1, &freed), 0);
  EXPECT_TRUE(freed);
  EXPECT_EQ(a.alloc(), p0);  // the lowest free page again
  EXPECT_EQ(a.in_use(), 2u);
  EXPECT_EQ(a.peak(), 2u);
}

TEST(TableArena, PagesAreZeroedAndCounted) {
  TableArena a(kBase, 2);
  auto* p = static_cast<uint64_t*>(a.alloc());
  p[7] = 0x1234;
  bool freed = false;
  EXPECT_EQ(a.ref(p, 2, &freed), 3);
  EXPECT_EQ(a.ref(p, 0, &freed), 3);
  EXPECT_EQ(a.ref(p, -3, &freed), 0);
  EXPECT_TRUE(freed);
  auto* q = static_cast<uint64_t*>(a.alloc());
  ASSERT_EQ(q, p);
  EXPECT_EQ(q[7], 0u);
}

TEST(TableArena, RefusesWhatIsNotALivePage) {
  TableArena a(kBase, 2);
  void* p = a.alloc();
  bool freed = false;
  EXPECT_EQ(a.ref(p, -2, &freed), -1);  // below zero: unchanged
  EXPECT_EQ(a.ref(p, 0, &freed), 1);
  EXPECT_EQ(a.ref(p, -1, &freed), 0);
  EXPECT_EQ(a.ref(p, -1, &freed), -1);  // a double free
  EXPECT_FALSE(freed);
  int outside = 0;
  EXPECT_EQ(a.ref(&outside, 1, &freed), -1);
  EXPECT_FALSE(a.contains(&outside));
}

TEST(TableArena, ExhaustionAndTheScratchPage) {
  TableArena a(kBase, 1);
  ASSERT_NE(a.alloc(), nullptr);
  EXPECT_EQ(a.alloc(), nullptr);
  void* scratch = a.virt(0x80000000);  // a guest data page: not a table page
  EXPECT_FALSE(a.contains(scratch));
  EXPECT_EQ(a.virt(kBase + 4096), scratch);  // past the arena
  uint64_t zero[512] = {};
  EXPECT_EQ(std::memcmp(scratch, zero, sizeof(zero)), 0);
}

// A small arena's memory is kept for the next arena of its size, zeroed: every page of the next
// arena reads zeros, also pages it never allocates (a stale pointer's target), whatever the one
// before wrote.
TEST(TableArena, TheNextArenaStartsAllZerosThoughItsMemoryIsKept) {
  const unsigned char* first = nullptr;
  {
    TableArena a(kBase, 8);
    for (int i = 0; i < 3; ++i) std::memset(a.alloc(), 0xA5, 4096);
    first = static_cast<const unsigned char*>(a.virt(kBase));
  }
  TableArena b(kBase, 8);
  EXPECT_EQ(static_cast<const unsigned char*>(b.virt(kBase)), first);  // the same memory, kept
  for (uint64_t page = 0; page < 8; ++page) {
    const auto* p = static_cast<const unsigned char*>(b.virt(kBase + page * 4096));
    for (size_t i = 0; i < 4096; ++i) ASSERT_EQ(p[i], 0) << "page " << page << " byte " << i;
  }
}

}  // namespace
}  // namespace ptx::kernel
