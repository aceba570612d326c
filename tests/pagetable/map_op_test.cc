// SPDX-License-Identifier: BSD-2-Clause
// check_map_op: the static rules of one set_npt call, in order, with their messages; the engine
// refuses exactly what map_op_error refuses (and, unlike workload files, ignores alignment).
#include "pagetable/map_op.h"

#include <gtest/gtest.h>

#include "pagetable/critical_section.h"
#include "pagetable/engine.h"

namespace ptx {
namespace {

struct Case {
  uint64_t vmid;
  MapOp op;
  NptError error;
  const char* phrase;
};

const Case kCases[] = {
    {1, {0x40000000, 3, 0x80000007ff}, NptError::kOk, ""},
    {1, {0x40000000, 2, 0x80000007fd}, NptError::kOk, ""},
    {17, {0x40000000, 3, 0x80000007ff}, NptError::kInvalidVmid, "invalid vmid 17"},
    {1, {uint64_t{1} << 48, 3, 0x7ff}, NptError::kInvalidIpa, "invalid ipa 0x1000000000000"},
    {1, {0x40000000, 4, 0x7ff}, NptError::kInvalidLevel, "invalid level 4"},
    {1, {0x40000000, 1, 0x7ff}, NptError::kInvalidLevel, "invalid level 1"},
    {1, {0x40000000, 3, 0}, NptError::kZeroDescriptor, "invalid descriptor 0"},
    {1, {0x40000000, 2, 0x80000003}, NptError::kTableDescriptorAtLevel2, "pmd_table"},
    {1, {0x40000000, 2, 0, OpKind::kUnmap}, NptError::kOk, ""},
    {17, {0x40000000, 3, 0, OpKind::kUnmap}, NptError::kInvalidVmid, "invalid vmid 17"},
    {1, {uint64_t{1} << 48, 2, 0, OpKind::kUnmap}, NptError::kInvalidIpa, "invalid ipa 0x1000000000000"},
    {1, {0x40000000, 0, 0, OpKind::kUnmap}, NptError::kInvalidLevel, "invalid level 0"},
    {1, {0x40000000, 3, 0x7ff, OpKind::kUnmap}, NptError::kUnmapDescriptor, "invalid descriptor 0x7ff"},
};

TEST(MapOpTest, EachRuleItsErrorAndMessage) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.phrase);
    EXPECT_EQ(map_op_error(c.vmid, c.op), c.error);
    const Status s = check_map_op(c.vmid, c.op);
    EXPECT_EQ(s.ok(), c.error == NptError::kOk);
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::kBadInput);
      EXPECT_NE(s.message().find(c.phrase), std::string::npos) << s.message();
      EXPECT_NE(s.message().find(npt_error_rule(c.error)), std::string::npos) << s.message();
    }
  }
}

TEST(MapOpTest, AlignmentOnlyWhenAsked) {
  const MapOp page{0x40000800, 3, 0x7ff}, block{0x40001000, 2, 0x7fd};
  EXPECT_EQ(map_op_error(1, page), NptError::kOk);
  EXPECT_EQ(map_op_error(1, page, true), NptError::kUnalignedIpa);
  EXPECT_EQ(map_op_error(1, block, true), NptError::kUnalignedIpa);
  EXPECT_NE(check_map_op(1, block, true).message().find("2 MiB"), std::string::npos);
  EXPECT_NE(check_map_op(1, page, true).message().find("4 KiB"), std::string::npos);
  // The first broken rule wins: vmid before alignment.
  EXPECT_EQ(map_op_error(20, page, true), NptError::kInvalidVmid);
  const MapOp unmap{0x40001000, 2, 0, OpKind::kUnmap};
  EXPECT_EQ(map_op_error(1, unmap), NptError::kOk);
  EXPECT_NE(check_map_op(1, unmap, true).message().find("a level-2 unmap's ipa"), std::string::npos);
}

TEST(MapOpTest, TheEngineRefusesWhatMapOpErrorRefuses) {
  for (const Case& c : kCases) {
    if (c.vmid > COREVISOR) continue;  // no section to open
    Stage2Engine e;  // each case on an empty VM
    CriticalSection cs;
    ASSERT_EQ(e.open_section(static_cast<uint32_t>(c.vmid), &cs), NptError::kOk);
    // An unmap that passes the static rules finds nothing to unmap on an empty VM.
    const bool unmap_ok = c.op.kind == OpKind::kUnmap && c.error == NptError::kOk;
    EXPECT_EQ(cs.apply(c.op), unmap_ok ? NptError::kNotMapped : c.error) << c.phrase;
  }
  Stage2Engine e;
  CriticalSection cs;
  ASSERT_EQ(e.open_section(2, &cs), NptError::kOk);
  EXPECT_EQ(cs.set_npt(0x40000800, 3, 0x7ff), NptError::kOk);  // Coq ignores the low bits
}

TEST(NptStatusTest, RuleAndName) {
  EXPECT_TRUE(npt_status(NptError::kOk).ok());
  const Status s = npt_status(NptError::kMapUnderBlock);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_EQ(s.message(), std::string(npt_error_rule(NptError::kMapUnderBlock)) + " (map-under-block)");
}

}  // namespace
}  // namespace ptx
