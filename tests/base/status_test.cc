// SPDX-License-Identifier: BSD-2-Clause
#include "base/status.h"

#include <gtest/gtest.h>

namespace ptx {
namespace {

TEST(StatusTest, OkByDefault) {
  const Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(StatusTest, PositionPrefixesTheMessage) {
  Status s = bad_input("invalid vmid {}: {}", 17, "vmid must be 0..16 (valid_vmid)");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_EQ(s.to_string(), "invalid vmid 17: vmid must be 0..16 (valid_vmid)");
  s.at("w.txt", 4);
  EXPECT_EQ(s.to_string(), "w.txt:4: invalid vmid 17: vmid must be 0..16 (valid_vmid)");
  s.at("t.trace", 3, 9);
  EXPECT_EQ(s.to_string(), "t.trace:3:9: invalid vmid 17: vmid must be 0..16 (valid_vmid)");
  EXPECT_EQ(s.position(), (InputPosition{"t.trace", 3, 9}));
  EXPECT_EQ(std::move(s).with_context("section 2").message(),
            "section 2: invalid vmid 17: vmid must be 0..16 (valid_vmid)");
}

TEST(StatusTest, CodesHaveDistinctNames) {
  EXPECT_EQ(status_code_name(io_error("x").code()), "io-error");
  EXPECT_EQ(status_code_name(unsupported("x").code()), "unsupported");
  EXPECT_EQ(status_code_name(internal_error("x").code()), "internal");
  EXPECT_EQ(status_code_name(StatusCode::kInterrupted), "interrupted");
}

StatusOr<int> half(int v) {
  if (v % 2 != 0) return bad_input("{} is odd", v);
  return v / 2;
}

Status quarter(int v, int* out) {
  PTX_ASSIGN_OR_RETURN(const int h, half(v));
  PTX_ASSIGN_OR_RETURN(*out, half(h));
  return ok_status();
}

TEST(StatusOrTest, ValueOrStatusAndTheMacros) {
  const StatusOr<int> a = half(8);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 4);
  EXPECT_TRUE(a.status().ok());
  const StatusOr<int> b = half(3);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "3 is odd");
  int q = 0;
  EXPECT_TRUE(quarter(8, &q).ok());
  EXPECT_EQ(q, 2);
  EXPECT_EQ(quarter(6, &q).message(), "3 is odd");
  EXPECT_EQ(q, 2);  // untouched on error
}

}  // namespace
}  // namespace ptx
