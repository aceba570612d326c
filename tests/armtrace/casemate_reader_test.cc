// SPDX-License-Identifier: BSD-2-Clause
// CasemateReader on inputs it must accept (spec §5 "SHOULD accept"), the verdict line (§1.6),
// and the §3.6 example trace.
#include "armtrace/casemate_reader.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "read_util.h"
#include "tests/support/test_paths.h"

namespace ptx::armtrace {
namespace {

using testing::read_all;
using testing::ReadResult;

// Reads `text`, which must hold exactly one record, and returns it.
Event read_one(std::string_view text) {
  const ReadResult r = read_all(text);
  EXPECT_TRUE(r.status.ok()) << r.status.to_string() << "\n" << text;
  EXPECT_EQ(r.events.size(), 1u) << text;
  return r.events.empty() ? Event{} : r.events.front();
}

Event make(EventKind kind, uint64_t id, uint32_t tid, std::string src) {
  Event e;
  e.kind = kind;
  e.id = id;
  e.tid = tid;
  e.src = std::move(src);
  e.line = 1;
  e.column = 1;
  return e;
}

// One record of each kind in keyed and bare form, with the Event both must give. Every member of
// the expected Event is compared (operator==), so unused members must stay at their defaults.
struct KindCase {
  std::string keyed;
  std::string bare;
  Event want;
};

std::vector<KindCase> kind_cases() {
  std::vector<KindCase> c;
  Event e = make(EventKind::kMemWrite, 12, 1, "hyp/pgt.c:88");
  e.mem_order = MemOrder::kRelease;
  e.address = 0x7f2c0018;
  e.value = 0x7f2d0003;
  c.push_back({"(mem-write (id 12) (tid 1) (mem-order release) (address 0x7f2c0018) "
               "(value 0x7f2d0003) (src \"hyp/pgt.c:88\"))",
               "(mem-write 12 1 release 7f2c0018 7f2d0003 \"hyp/pgt.c:88\")", e});
  e = make(EventKind::kMemRead, 13, 1, "hyp/pgt.c:91");
  e.address = 0x7f2c0018;
  e.value = 0x7f2d0003;
  c.push_back({"(mem-read (id 13) (tid 1) (address 7f2c0018) (value 7f2d0003) "
               "(src \"hyp/pgt.c:91\"))",
               "(mem-read 13 1 0x7f2c0018 0x7f2d0003 \"hyp/pgt.c:91\")", e});
  e = make(EventKind::kMemInit, 1, 0, "hyp/setup.c:40");
  e.address = 0x7f2c0000;
  e.size = 0x1000;
  c.push_back({"(mem-init (id 1) (tid 0) (address 0x7f2c0000) (size 0x1000) "
               "(src \"hyp/setup.c:40\"))",
               "(mem-init 1 0 7f2c0000 1000 \"hyp/setup.c:40\")", e});
  e = make(EventKind::kMemFree, 40, 0, "hyp/pool.c:17");
  e.address = 0x7f2e0000;
  e.size = 0x1000;
  c.push_back({"(mem-free (id 40) (tid 0) (address 0x7f2e0000) (size 0x1000) "
               "(src \"hyp/pool.c:17\"))",
               "(mem-free 40 0 7f2e0000 1000 \"hyp/pool.c:17\")", e});
  e = make(EventKind::kMemSet, 2, 3, "hyp/pool.c:9");
  e.address = 0x7f2e0000;
  e.size = 0x1000;
  e.value = 0xab;
  c.push_back({"(mem-set (id 2) (tid 3) (address 0x7f2e0000) (size 0x1000) (value 0xab) "
               "(src \"hyp/pool.c:9\"))",
               "(mem-set 2 3 7f2e0000 1000 AB \"hyp/pool.c:9\")", e});
  e = make(EventKind::kBarrier, 20, 1, "hyp/tlb.c:30");
  e.dsb_kind = DsbKind::kIshst;
  c.push_back({"(barrier (id 20) (tid 1) dsb (kind ishst) (src \"hyp/tlb.c:30\"))",
               "(barrier 20 1 dsb ishst \"hyp/tlb.c:30\")", e});
  e = make(EventKind::kBarrier, 21, 1, "hyp/tlb.c:31");
  e.barrier = BarrierType::kIsb;
  c.push_back({"(barrier (id 21) (tid 1) isb (src \"hyp/tlb.c:31\"))",
               "(barrier 21 1 isb \"hyp/tlb.c:31\")", e});
  return c;
}

std::vector<KindCase> more_kind_cases() {
  std::vector<KindCase> c;
  Event e = make(EventKind::kTlbi, 22, 1, "hyp/tlb.c:33");
  e.tlbi_op = TlbiOp::kIpas2e1is;
  e.value = 0x700000040123;
  c.push_back({"(tlbi (id 22) (tid 1) ipas2e1is (value 0x700000040123) (src \"hyp/tlb.c:33\"))",
               "(tlbi 22 1 ipas2e1is 700000040123 \"hyp/tlb.c:33\")", e});
  e = make(EventKind::kTlbi, 24, 1, "hyp/tlb.c:35");
  e.tlbi_op = TlbiOp::kVmalls12e1is;
  c.push_back({"(tlbi (id 24) (tid 1) vmalls12e1is (src \"hyp/tlb.c:35\"))",
               "(tlbi 24 1 vmalls12e1is \"hyp/tlb.c:35\")", e});
  e = make(EventKind::kSysregWrite, 5, 0, "hyp/switch.c:12");
  e.sysreg = Sysreg::kVttbrEl2;
  e.value = 0x3000007f2c0000;
  c.push_back({"(sysreg-write (id 5) (tid 0) (sysreg vttbr_el2) (value 0x3000007f2c0000) "
               "(src \"hyp/switch.c:12\"))",
               "(sysreg-write 5 0 vttbr_el2 3000007F2C0000 \"hyp/switch.c:12\")", e});
  e = make(EventKind::kHint, 4, 0, "hyp/vm.c:20");
  e.hint_kind = HintKind::kSetPteThreadOwner;
  e.location = 0x7f2c0000;
  e.value = 0x2;
  c.push_back({"(hint (id 4) (tid 0) (kind set_pte_thread_owner) (location 0x7f2c0000) "
               "(value 0x2) (src \"hyp/vm.c:20\"))",
               "(hint 4 0 set_pte_thread_owner 7f2c0000 2 \"hyp/vm.c:20\")", e});
  for (EventKind k : {EventKind::kLock, EventKind::kTrylock, EventKind::kUnlock, EventKind::kReadLock,
                      EventKind::kReadUnlock}) {
    e = make(k, 6, 2, "hyp/vm.c:31");
    e.address = 0x7f300040;
    const std::string name(enum_name(kEventKindNames, k));
    c.push_back({"(" + name + " (id 6) (tid 2) (address 0x7f300040) (src \"hyp/vm.c:31\"))",
                 "(" + name + " 6 2 7f300040 \"hyp/vm.c:31\")", e});
  }
  return c;
}

TEST(CasemateReader, EveryKindKeyedAndBare) {
  std::vector<KindCase> cases = kind_cases();
  for (KindCase& k : more_kind_cases()) cases.push_back(std::move(k));
  std::set<EventKind> kinds;
  for (const KindCase& c : cases) {
    EXPECT_EQ(read_one(c.keyed), c.want) << c.keyed;
    EXPECT_EQ(read_one(c.bare), c.want) << c.bare;
    kinds.insert(c.want.kind);
  }
  EXPECT_EQ(kinds.size(), kEventKindNames.size());
}

TEST(CasemateReader, KeyedAndBareFieldsMixInOneRecord) {
  const Event e = read_one(
      "(mem-write 9 (tid 2) plain (address 7f2c0008) 0x7f2d0003 (src \"vm.c:14\"))");
  EXPECT_EQ(e.id, 9u);
  EXPECT_EQ(e.tid, 2u);
  EXPECT_EQ(e.address, 0x7f2c0008u);
  EXPECT_EQ(e.value, 0x7f2d0003u);
  EXPECT_EQ(e.src, "vm.c:14");
}

TEST(CasemateReader, HexIsHexWithOrWithoutPrefixInEitherCase) {
  const std::pair<std::string, uint64_t> cases[] = {
      {"10", 0x10},     {"0x10", 0x10}, {"1000", 0x1000}, {"0xAbC", 0xabc}, {"ABC", 0xabc},
      {"0", 0},         {"0x0", 0},     {"0000000000000010", 0x10},
      {"ffffffffffffffff", ~uint64_t{0}}, {"0xFFFFFFFFFFFFFFFF", ~uint64_t{0}},
  };
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(read_one("(mem-read 1 0 8 " + text + " \"a:1\")").value, want) << text;
    EXPECT_EQ(read_one("(mem-read 1 0 (address 8) (value " + text + ") \"a:1\")").value, want)
        << text;
  }
}

TEST(CasemateReader, MixedPrefixStylesInOneFile) {
  const ReadResult r = read_all(
      "(mem-init (id 1) (tid 0) (address 0x7f2c0000) (size 1000) (src \"a:1\"))\n"
      "(mem-write (id 2) (tid 0) (mem-order plain) (address 7f2c0008) (value 0x0) (src "
      "\"a:2\"))\n");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].size, 0x1000u);
  EXPECT_EQ(r.events[1].address, 0x7f2c0008u);
}

TEST(CasemateReader, DecimalFieldsAllowLeadingZeros) {
  const Event e = read_one("(lock (id 0010) (tid 03) (address 1) (src \"a:1\"))");
  EXPECT_EQ(e.id, 10u);
  EXPECT_EQ(e.tid, 3u);
  EXPECT_EQ(read_one("(lock 18446744073709551615 0 1 \"a:1\")").id, ~uint64_t{0});
}

TEST(CasemateReader, RecordsSpanLinesAndPositionsAreTheOpeningParen) {
  const ReadResult r = read_all(
      "\n\n   (mem-write\n\t(id 5)\n (tid 1) plain\n(address\n8)\n(value 9)\n(src\n\"a b:7\"\n)\n)"
      "  (lock 6 1 8 \"c:1\")(unlock 7 1 8 \"c:2\")\n\n\t\n");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.events[0].line, 3u);
  EXPECT_EQ(r.events[0].column, 4u);
  EXPECT_EQ(r.events[0].src, "a b:7");
  EXPECT_EQ(r.events[0].value, 9u);
  EXPECT_EQ(r.events[1].line, 12u);
  EXPECT_EQ(r.events[1].column, 4u);
  EXPECT_EQ(r.events[2].column, 22u);
  EXPECT_EQ(r.events[2].kind, EventKind::kUnlock);
  EXPECT_EQ(r.records, 3u);
}

TEST(CasemateReader, SrcMayContainSpacesParensAndNewlines) {
  EXPECT_EQ(read_one("(lock 1 0 1 \"dir (x)/f.c:12\")").src, "dir (x)/f.c:12");
  EXPECT_EQ(read_one("(lock 1 0 1 \"a\nb:12\")").src, "a\nb:12");
}

TEST(CasemateReader, IdZeroMeansPreviousPlusOneAndIdsNeedNotIncrease) {
  const ReadResult r = read_all(
      "(lock 0 0 1 \"a:1\")\n(lock 0 0 1 \"a:1\")\n(lock 7 0 1 \"a:1\")\n(lock 0 0 1 \"a:1\")\n"
      "(lock 3 1 1 \"a:1\")\n(lock 0 1 1 \"a:1\")\n(lock 3 1 1 \"a:1\")\n(lock 3 1 1 \"a:1\")\n");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  std::vector<uint64_t> ids;
  for (const Event& e : r.events) ids.push_back(e.id);
  EXPECT_EQ(ids, (std::vector<uint64_t>{1, 2, 7, 8, 3, 4, 3, 3}));
}

TEST(CasemateReader, EmptyAndBlankInputsAreEmptyPassingTraces) {
  for (const std::string text : {"", "\n", "\n\n \t \n", "   "}) {
    const ReadResult r = read_all(text);
    EXPECT_TRUE(r.status.ok()) << r.status.to_string();
    EXPECT_TRUE(r.events.empty());
    EXPECT_FALSE(r.verdict.has_value());
    EXPECT_TRUE(r.warnings.empty());
  }
}

TEST(CasemateReader, EndIsStickyAndCountsRecords) {
  std::istringstream in("(lock 1 0 1 \"a:1\")\n");
  CasemateReader reader(in, "x");
  Event e;
  ASSERT_TRUE(*reader.next(&e));
  for (int i = 0; i < 3; ++i) {
    const StatusOr<bool> more = reader.next(&e);
    ASSERT_TRUE(more.ok());
    EXPECT_FALSE(*more);
  }
  EXPECT_EQ(reader.records(), 1u);
}

TEST(CasemateReaderVerdict, TextAfterBangAndOneOptionalSpace) {
  ReadResult r = read_all("(lock 1 0 1 \"a:1\")\n! BBM valid->valid\n");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.verdict, std::optional<std::string>("BBM valid->valid"));
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(read_all("!BBM valid->valid").verdict, std::optional<std::string>("BBM valid->valid"));
  EXPECT_EQ(read_all("!  two spaces").verdict, std::optional<std::string>(" two spaces"));
  EXPECT_EQ(read_all("!\n").verdict, std::optional<std::string>(""));
  EXPECT_EQ(read_all("  \t! indented").verdict, std::optional<std::string>("indented"));
  // The verdict may follow a record on its line (§1.1 grammar) and ends at the LF.
  r = read_all("(lock 1 0 1 \"a:1\") ! m (x)\n\n  \n");
  EXPECT_EQ(r.verdict, std::optional<std::string>("m (x)"));
  EXPECT_TRUE(r.warnings.empty());
}

TEST(CasemateReaderVerdict, RecordsAfterTheVerdictAreIgnoredWithAWarning) {
  const ReadResult r = read_all(
      "(lock 1 0 1 \"a:1\")\n! Tried to unlock a component that was not held\n\n"
      "  (lock 2 0 1 \"a:1\")\nnot even a record \r\n");
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.verdict, std::optional<std::string>("Tried to unlock a component that was not held"));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].rfind("t.trace:4:3: text after the verdict line is ignored", 0), 0u)
      << r.warnings[0];
}

TEST(CasemateReaderVerdict, NoVerdictBeforeTheBangIsReached) {
  std::istringstream in("(lock 1 0 1 \"a:1\")\n! m\n");
  CasemateReader reader(in, "x");
  Event e;
  ASSERT_TRUE(*reader.next(&e));
  EXPECT_FALSE(reader.verdict().has_value());
  ASSERT_FALSE(*reader.next(&e));
  EXPECT_EQ(reader.verdict(), std::optional<std::string>("m"));
}

TEST(CasemateReader, UnusedMembersStayDefaultEvenWhenTheOutputEventWasUsed) {
  std::istringstream in(
      "(hint 1 2 release_table 5 6 \"a:1\")\n(barrier 2 0 isb \"b:2\")\n");
  CasemateReader reader(in, "x");
  Event e;
  ASSERT_TRUE(*reader.next(&e));
  EXPECT_EQ(e.hint_kind, HintKind::kReleaseTable);
  ASSERT_TRUE(*reader.next(&e));
  Event want = make(EventKind::kBarrier, 2, 0, "b:2");
  want.barrier = BarrierType::kIsb;
  want.line = 2;
  EXPECT_EQ(e, want);  // location, value and hint_kind of the hint did not leak
}

TEST(CasemateReaderLimits, LongestLegalTokensLinesAndRecords) {
  // A 511-byte src is accepted.
  const std::string src = std::string(509, 'f') + ":1";
  EXPECT_EQ(read_one("(lock 1 0 1 \"" + src + "\")").src, src);
  // A line of exactly 64 KiB (not counting its LF) is accepted.
  const std::string record = "(lock 1 0 1 \"a:1\")";
  std::string line(64 * 1024 - record.size(), ' ');
  EXPECT_EQ(read_all(line + record + "\n").events.size(), 1u);
  // A record of exactly 64 KiB, spread over lines, is accepted.
  std::string big = "(lock";
  while (big.size() + 1000 < 64 * 1024 - 20) big += std::string(999, ' ') + "\n";
  big += std::string(64 * 1024 - big.size() - std::string(" 1 0 1 \"a:1\")").size(), ' ');
  big += " 1 0 1 \"a:1\")";
  ASSERT_EQ(big.size(), 64u * 1024);
  const ReadResult r = read_all(big);
  EXPECT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.events.size(), 1u);
}

TEST(CasemateReaderSpecExample, TheBbmTraceOfSection36GivesItsSeventeenEvents) {
  const std::string path = ::ptx::test::source_dir() + "/tests/data/casemate/spec_bbm_example.trace";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  CasemateReader reader(in, path);
  std::vector<Event> events;
  Event e;
  for (;;) {
    const StatusOr<bool> more = reader.next(&e);
    ASSERT_TRUE(more.ok()) << more.status().to_string();
    if (!*more) break;
    events.push_back(e);
  }
  ASSERT_EQ(events.size(), 17u);
  EXPECT_FALSE(reader.verdict().has_value());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].id, i + 1);
    EXPECT_EQ(events[i].tid, 0u);
    EXPECT_EQ(events[i].src, "vm.c:" + std::to_string(10 + i));
    EXPECT_EQ(events[i].line, i + 1);
    EXPECT_EQ(events[i].column, 1u);
  }
  const EventKind kinds[17] = {
      EventKind::kSysregWrite, EventKind::kMemInit, EventKind::kMemInit, EventKind::kHint,
      EventKind::kMemWrite, EventKind::kSysregWrite, EventKind::kLock, EventKind::kMemWrite,
      EventKind::kBarrier, EventKind::kMemWrite, EventKind::kBarrier, EventKind::kTlbi,
      EventKind::kBarrier, EventKind::kTlbi, EventKind::kBarrier, EventKind::kMemWrite,
      EventKind::kUnlock};
  for (size_t i = 0; i < 17; ++i) EXPECT_EQ(events[i].kind, kinds[i]) << i;
  EXPECT_EQ(decode_translation_control(events[0].value).input_address_bits(), 39u);
  EXPECT_EQ(events[3].hint_kind, HintKind::kSetRootLock);
  EXPECT_EQ(events[3].location, 0x7f2c0000u);
  EXPECT_EQ(events[3].value, 0x7f300040u);
  EXPECT_EQ(decode_table_base(events[5].value).baddr, 0x7f2c0000u);
  // bits[63:48] of 0x3000007f2c0000 are 0x30: the spec's prose calls this "VMID 3" (§2), but
  // its own layout (VMID = bits[63:48]) gives 0x30; VMID 3 would be 0x3'0000'7f2c'0000.
  EXPECT_EQ(decode_table_base(events[5].value).id, 0x30);
  EXPECT_EQ(events[9].value, 0u);
  EXPECT_EQ(events[11].tlbi_op, TlbiOp::kIpas2e1is);
  EXPECT_EQ(decode_tlbi_value(events[11].value).address, 0x40400000u);
  EXPECT_EQ(events[13].tlbi_op, TlbiOp::kVmalle1is);
  EXPECT_EQ(events[15].value, 0x80800401u);
  EXPECT_EQ(events[16].address, 0x7f300040u);
}

}  // namespace
}  // namespace ptx::armtrace
