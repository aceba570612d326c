// SPDX-License-Identifier: BSD-2-Clause
// Fnv1a (base/fnv1a.h) against the published FNV-1a 64-bit test vectors.
#include "base/fnv1a.h"

#include <gtest/gtest.h>

namespace ptx {
namespace {

TEST(Fnv1a, PublishedVectors) {
  EXPECT_EQ(Fnv1a().value(), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv1a().add_text("a").value(), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv1a().add_text("foobar").value(), 0x85944171f73967e8ULL);
}

TEST(Fnv1a, AWordIsItsEightBytesLeastSignificantFirst) {
  EXPECT_EQ(Fnv1a().add_word(0x61).value(), Fnv1a().add_text(std::string_view("a\0\0\0\0\0\0\0", 8)).value());
  EXPECT_EQ(Fnv1a().add_text("foo").add_text("bar").value(), Fnv1a().add_text("foobar").value());
}

}  // namespace
}  // namespace ptx
