// SPDX-License-Identifier: BSD-2-Clause
// The event model: enum name tables, the TLBI property table, value decoders, validate_event,
// same_event.
#include "armtrace/event.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace ptx::armtrace {
namespace {

template <class E, size_t N>
void expect_table_is_bijective(const EnumNames<E, N>& table) {
  std::set<std::string_view> names;
  std::set<int> values;
  for (const EnumName<E>& n : table) {
    EXPECT_TRUE(names.insert(n.name).second) << "duplicate name " << n.name;
    EXPECT_TRUE(values.insert(static_cast<int>(n.value)).second) << "duplicate value " << n.name;
    EXPECT_EQ(parse_enum(table, n.name), n.value) << n.name;
    EXPECT_EQ(enum_name(table, n.value), n.name);
  }
  // Every enumerator 0..N-1 is listed (the enums are dense from 0).
  for (size_t i = 0; i < N; ++i) EXPECT_EQ(values.count(static_cast<int>(i)), 1u) << i;
}

TEST(EventEnums, EveryTableIsABijectionOverItsEnum) {
  expect_table_is_bijective(kEventKindNames);
  expect_table_is_bijective(kMemOrderNames);
  expect_table_is_bijective(kBarrierTypeNames);
  expect_table_is_bijective(kDsbKindNames);
  expect_table_is_bijective(kTlbiOpNames);
  expect_table_is_bijective(kRegimeNames);
  expect_table_is_bijective(kTlbiSelectNames);
  expect_table_is_bijective(kSysregNames);
  expect_table_is_bijective(kHintKindNames);
}

TEST(EventEnums, NamesAreTheCasemateSpellings) {
  EXPECT_EQ(enum_name(kEventKindNames, EventKind::kSysregWrite), "sysreg-write");
  EXPECT_EQ(enum_name(kEventKindNames, EventKind::kTrylock), "trylock");
  EXPECT_EQ(enum_name(kTlbiOpNames, TlbiOp::kIpas2e1is), "ipas2e1is");
  EXPECT_EQ(enum_name(kSysregNames, Sysreg::kTtbr0El2), "ttbr0_el2");
  EXPECT_EQ(enum_name(kHintKindNames, HintKind::kSetPteThreadOwner), "set_pte_thread_owner");
  EXPECT_EQ(enum_name(kDsbKindNames, DsbKind::kIshst), "ishst");
  // Case-sensitive: the manual's upper-case names and `msr` are not names (§2).
  EXPECT_FALSE(parse_enum(kSysregNames, "VTTBR_EL2").has_value());
  EXPECT_FALSE(parse_enum(kEventKindNames, "msr").has_value());
  EXPECT_FALSE(parse_enum(kDsbKindNames, "sy").has_value());
}

TEST(TlbiOps, TableRowsMatchTheirOps) {
  ASSERT_EQ(kTlbiOps.size(), kTlbiOpNames.size());
  for (size_t i = 0; i < kTlbiOps.size(); ++i) {
    const TlbiOp op = static_cast<TlbiOp>(i);
    EXPECT_EQ(tlbi_op_info(op).op, op);
    const std::string_view name = enum_name(kTlbiOpNames, op);
    // Derivable from the Arm names: "is" = inner shareable (broadcast), "e2" = EL2 regime.
    EXPECT_EQ(tlbi_op_info(op).broadcast, name.ends_with("is")) << name;
    EXPECT_EQ(tlbi_op_info(op).regime == Regime::kEl2, name.find("e2") != std::string_view::npos)
        << name;
    EXPECT_TRUE(tlbi_op_info(op).stage1 || tlbi_op_info(op).stage2) << name;
  }
}

TEST(TlbiOps, ExactlyTheByAddressAndRangeOpsTakeAValue) {
  std::set<TlbiOp> with_value;
  for (const TlbiOpInfo& info : kTlbiOps) {
    if (info.takes_value) with_value.insert(info.op);
  }
  EXPECT_EQ(with_value, (std::set<TlbiOp>{TlbiOp::kVae2is, TlbiOp::kVale2is, TlbiOp::kIpas2e1is, TlbiOp::kIpas2e1,
                                          TlbiOp::kRipas2e1is, TlbiOp::kRipas2e1}));
  // casemate's own 11 come first; ptx's dialect adds the local and the range forms.
  EXPECT_EQ(kCasemateTlbiOps, 11u);
  EXPECT_FALSE(tlbi_op_info(TlbiOp::kIpas2e1).broadcast);
  EXPECT_TRUE(tlbi_op_info(TlbiOp::kRipas2e1is).broadcast);
  EXPECT_EQ(tlbi_op_info(TlbiOp::kRipas2e1is).selects, TlbiSelect::kIpaRange);
}

// FEAT_TLBIRANGE's operand (Arm ARM "TLBI RIPAS2E1IS"; Linux's __TLBI_VADDR_RANGE): BaseADDR
// [36:0], TTL [38:37], NUM [43:39], SCALE [45:44], TG [47:46]; (NUM + 1) << (5 * SCALE + 1) pages.
TEST(TlbiOps, RangeOperandDecodes) {
  const uint64_t v = (uint64_t{1} << 46) | (uint64_t{2} << 44) | (uint64_t{3} << 39) | (uint64_t{2} << 37) | 0x40000;
  const TlbiRange r = decode_tlbi_range(v);
  EXPECT_EQ(r.begin, 0x40000000u);
  EXPECT_EQ(r.pages, uint64_t{4} << 11);  // (3 + 1) << (5 * 2 + 1)
  ASSERT_TRUE(r.level.has_value());
  EXPECT_EQ(*r.level, 2);
  EXPECT_EQ(r.tg, 1);
  EXPECT_EQ(r.end(), 0x40000000u + (uint64_t{4} << 11) * 4096);
  EXPECT_FALSE(decode_tlbi_range(0x40000).level.has_value());
  EXPECT_EQ(decode_tlbi_range(0x40000).pages, 2u);  // NUM 0, SCALE 0: two pages
}

// Under FEAT_LPA2 (VTCR_EL2.DS = 1) BaseADDR is IPA[52:16]: Linux 6.12's __TLBI_VADDR_RANGE with
// lpa2 shifts the base by 16, as in the trace of kvm_tlb_flush_vmid_range for 0x40000000.
TEST(TlbiOps, RangeOperandUnderLpa2CountsIn64KiB) {
  const uint64_t v = 0x538000004000;  // TG 1, SCALE 1, NUM 7, TTL 0, BaseADDR 0x4000
  EXPECT_EQ(decode_tlbi_range(v, true).begin, 0x40000000u);
  EXPECT_EQ(decode_tlbi_range(v, false).begin, 0x4000000u);
  EXPECT_EQ(decode_tlbi_range(v, true).pages, decode_tlbi_range(v, false).pages);  // a size in pages either way
}

TEST(TlbiOps, StagesAndSelectorsFollowTheSpecTable) {
  EXPECT_TRUE(tlbi_op_info(TlbiOp::kVmalls12e1is).stage1);
  EXPECT_TRUE(tlbi_op_info(TlbiOp::kVmalls12e1is).stage2);
  EXPECT_FALSE(tlbi_op_info(TlbiOp::kVmalle1is).stage2);
  EXPECT_FALSE(tlbi_op_info(TlbiOp::kIpas2e1is).stage1);
  EXPECT_TRUE(tlbi_op_info(TlbiOp::kIpas2e1is).stage2);
  EXPECT_EQ(tlbi_op_info(TlbiOp::kIpas2e1is).regime, Regime::kEl10);
  EXPECT_EQ(tlbi_op_info(TlbiOp::kIpas2e1is).selects, TlbiSelect::kIpa);
  EXPECT_EQ(tlbi_op_info(TlbiOp::kVale2is).selects, TlbiSelect::kVaLastLevel);
  EXPECT_EQ(tlbi_op_info(TlbiOp::kAlle1).selects, TlbiSelect::kAll);
  EXPECT_EQ(tlbi_op_info(TlbiOp::kVmalle1).selects, TlbiSelect::kVmid);
  EXPECT_FALSE(tlbi_op_info(TlbiOp::kAlle2).stage2);
}

TEST(DecodeTlbiValue, SpecExamples) {
  // §2: ipas2e1is value 0x700000040123 is IPA 0x40123000 with a level-3 hint.
  const TlbiValue a = decode_tlbi_value(0x700000040123);
  EXPECT_EQ(a.address, 0x40123000u);
  EXPECT_EQ(a.ttl, 0b0111);
  EXPECT_EQ(a.level, std::optional<uint8_t>(3));
  EXPECT_EQ(a.asid, 0);
  // §3.6: 0x600000040400 is IPA 0x40400000, level 2.
  const TlbiValue b = decode_tlbi_value(0x600000040400);
  EXPECT_EQ(b.address, 0x40400000u);
  EXPECT_EQ(b.level, std::optional<uint8_t>(2));
}

TEST(DecodeTlbiValue, TtlWithoutLevelAndAsid) {
  EXPECT_FALSE(decode_tlbi_value(0x0000'2000'0000'0001).level.has_value());  // 0b0010: no hint
  EXPECT_FALSE(decode_tlbi_value(0x0000'9000'0000'0001).level.has_value());  // 0b1001: not 4K
  const TlbiValue v = decode_tlbi_value(0xabcd'4fff'ffff'ffff);
  EXPECT_EQ(v.address, 0x00ff'ffff'ffff'f000u);  // bits[43:0] << 12: below 2^56
  EXPECT_EQ(v.level, std::optional<uint8_t>(0));
  EXPECT_EQ(v.asid, 0xabcd);
}

TEST(DecodeTableBase, VmidBaddrAndCnp) {
  // VMID 3, table at 0x7f2c0000. (The spec's example value 0x3000007f2c0000, which it calls
  // VMID 3, has 0x30 in bits[63:48]; see casemate_reader_test.)
  const TableBaseValue a = decode_table_base(0x0003'0000'7f2c'0000);
  EXPECT_EQ(a.baddr, 0x7f2c0000u);
  EXPECT_EQ(a.id, 3);
  EXPECT_FALSE(a.cnp);
  EXPECT_EQ(decode_table_base(0x3000007f2c0000).id, 0x30);
  const TableBaseValue b = decode_table_base(0xffff'ffff'ffff'ffff);
  EXPECT_EQ(b.baddr, 0x0000'ffff'ffff'fffeu);  // bits[47:1]
  EXPECT_EQ(b.id, 0xffff);
  EXPECT_TRUE(b.cnp);
}

TEST(DecodeTranslationControl, T0szAndTg0) {
  // §2: vtcr_el2 value 19 (hex) is T0SZ 25, a 39-bit IPA.
  const TranslationControlValue a = decode_translation_control(0x19);
  EXPECT_EQ(a.t0sz, 25);
  EXPECT_EQ(a.input_address_bits(), 39u);
  EXPECT_EQ(a.tg0, 0);
  const TranslationControlValue b = decode_translation_control(0xffff'ffff'ffff'4010);
  EXPECT_EQ(b.t0sz, 16);
  EXPECT_EQ(b.tg0, 1);
  EXPECT_EQ(decode_translation_control(0xc000).tg0, 3);
}

Event lock_event() {
  Event e;
  e.kind = EventKind::kLock;
  e.id = 7;
  e.tid = 1;
  e.src = "hyp/vm.c:31";
  e.address = 0x7f300040;
  return e;
}

TEST(ValidateEvent, AcceptsAWellFormedEventWithoutPosition) {
  EXPECT_TRUE(validate_event(lock_event()).ok());
}

TEST(ValidateEvent, RejectsEachBrokenRule) {
  Event e = lock_event();
  e.tid = 4;
  EXPECT_EQ(validate_event(e).message(), "tid 4 out of range (tid is 0..3, §2)");
  e = lock_event();
  e.src = "vm.c";
  EXPECT_NE(validate_event(e).message().find("has no ':'"), std::string::npos);
  e.src = "vm.c:";
  EXPECT_NE(validate_event(e).message().find("no decimal line number"), std::string::npos);
  e.src = "vm.c:1x";
  EXPECT_FALSE(validate_event(e).ok());
  e.src = "v\"m.c:1";
  EXPECT_NE(validate_event(e).message().find("'\"'"), std::string::npos);
  e.src = "vm\n.c:1";
  EXPECT_NE(validate_event(e).message().find("printable"), std::string::npos);
  e.src = std::string(510, 'a') + ":1";
  EXPECT_NE(validate_event(e).message().find("512 bytes"), std::string::npos);
  e.src = std::string(509, 'a') + ":1";
  EXPECT_TRUE(validate_event(e).ok());
  EXPECT_EQ(validate_event(e).code(), StatusCode::kOk);
}

TEST(ValidateEvent, TlbiValueOnlyOnOpsThatTakeOne) {
  Event e = lock_event();
  e.kind = EventKind::kTlbi;
  e.tlbi_op = TlbiOp::kVmalls12e1is;
  EXPECT_TRUE(validate_event(e).ok());
  e.value = 1;
  const Status s = validate_event(e);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("vmalls12e1is takes no value"), std::string::npos);
  e.tlbi_op = TlbiOp::kVale2is;
  EXPECT_TRUE(validate_event(e).ok());
}

TEST(ValidateEvent, RejectsUnlistedEnumValues) {
  Event e = lock_event();
  e.kind = EventKind::kBarrier;
  e.barrier = static_cast<BarrierType>(9);
  EXPECT_FALSE(validate_event(e).ok());
  e.barrier = BarrierType::kDsb;
  e.dsb_kind = static_cast<DsbKind>(9);
  EXPECT_FALSE(validate_event(e).ok());
  e.barrier = BarrierType::kIsb;  // isb has no kind: dsb_kind is unused
  EXPECT_TRUE(validate_event(e).ok());
  e.kind = static_cast<EventKind>(40);
  EXPECT_FALSE(validate_event(e).ok());
}

TEST(SameEvent, IgnoresPositionAndUnusedMembersOnly) {
  const Event a = lock_event();
  Event b = a;
  b.line = 3;
  b.column = 9;
  b.value = 99;              // unused by lock
  b.sysreg = Sysreg::kHcrEl2;  // unused by lock
  EXPECT_TRUE(same_event(a, b));
  EXPECT_FALSE(a == b);
  b.address = 1;
  EXPECT_FALSE(same_event(a, b));
  b = a;
  b.src = "hyp/vm.c:32";
  EXPECT_FALSE(same_event(a, b));
  b = a;
  b.kind = EventKind::kUnlock;
  EXPECT_FALSE(same_event(a, b));
}

TEST(SameEvent, TlbiValueCountsOnlyWhenTheOpTakesOne) {
  Event a = lock_event();
  a.kind = EventKind::kTlbi;
  a.tlbi_op = TlbiOp::kAlle2is;
  Event b = a;
  b.value = 5;
  EXPECT_TRUE(same_event(a, b));
  a.tlbi_op = b.tlbi_op = TlbiOp::kVae2is;
  EXPECT_FALSE(same_event(a, b));
}

TEST(SameEvent, DsbKindCountsOnlyForDsb) {
  Event a = lock_event();
  a.kind = EventKind::kBarrier;
  a.barrier = BarrierType::kIsb;
  Event b = a;
  b.dsb_kind = DsbKind::kNsh;
  EXPECT_TRUE(same_event(a, b));
  a.barrier = b.barrier = BarrierType::kDsb;
  EXPECT_FALSE(same_event(a, b));
}

TEST(EscapeForMessage, KeepsPrintableEscapesTheRestAndCuts) {
  EXPECT_EQ(escape_for_message("abc"), "abc");
  EXPECT_EQ(escape_for_message(std::string_view("a\r\0\\", 4)), "a\\x0d\\x00\\x5c");
  EXPECT_EQ(escape_for_message("\xff"), "\\xff");
  EXPECT_EQ(escape_for_message(std::string(100, 'x'), 4), "xxxx...");
}

}  // namespace
}  // namespace ptx::armtrace
