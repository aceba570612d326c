// SPDX-License-Identifier: BSD-2-Clause
// format_casemate and CasemateWriter: the exact text, the writer's errors, and the round trip
// reader(writer(events)) == events on many random events.
#include "armtrace/casemate_writer.h"

#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "armtrace/casemate_reader.h"
#include "read_util.h"
#include "tests/support/test_paths.h"

namespace ptx::armtrace {
namespace {

using testing::read_all;
using testing::ReadResult;

Event make(EventKind kind, uint64_t id, uint32_t tid, std::string src) {
  Event e;
  e.kind = kind;
  e.id = id;
  e.tid = tid;
  e.src = std::move(src);
  return e;
}

TEST(FormatCasemate, KeyedAndCondensedForms) {
  Event e = make(EventKind::kMemWrite, 9, 0, "vm.c:14");
  e.address = 0x7f2c0008;
  e.value = 0x7f2d0003;
  EXPECT_EQ(format_casemate(e), "(mem-write (id 9) (tid 0) (mem-order plain) (address 7f2c0008) "
                                "(value 7f2d0003) (src \"vm.c:14\"))");
  EXPECT_EQ(format_casemate(e, true), "(mem-write 9 0 plain 7f2c0008 7f2d0003 \"vm.c:14\")");
  e = make(EventKind::kBarrier, 20, 1, "hyp/tlb.c:30");
  e.dsb_kind = DsbKind::kIshst;
  EXPECT_EQ(format_casemate(e),
            "(barrier (id 20) (tid 1) dsb (kind ishst) (src \"hyp/tlb.c:30\"))");
  e.barrier = BarrierType::kIsb;
  EXPECT_EQ(format_casemate(e, true), "(barrier 20 1 isb \"hyp/tlb.c:30\")");
  e = make(EventKind::kTlbi, 22, 1, "t.c:33");
  e.tlbi_op = TlbiOp::kIpas2e1is;
  e.value = 0x700000040123;
  EXPECT_EQ(format_casemate(e), "(tlbi (id 22) (tid 1) ipas2e1is (value 700000040123) "
                                "(src \"t.c:33\"))");
  e.tlbi_op = TlbiOp::kAlle1;
  e.value = 0;
  EXPECT_EQ(format_casemate(e), "(tlbi (id 22) (tid 1) alle1 (src \"t.c:33\"))");
}

TEST(FormatCasemate, HexIsLowerCaseWithoutPrefixOrLeadingZeros) {
  Event e = make(EventKind::kSysregWrite, 5, 3, "s.c:12");
  e.sysreg = Sysreg::kVttbrEl2;
  e.value = 0x3000007F2C0000;
  EXPECT_EQ(format_casemate(e), "(sysreg-write (id 5) (tid 3) (sysreg vttbr_el2) "
                                "(value 3000007f2c0000) (src \"s.c:12\"))");
  e = make(EventKind::kHint, 4, 0, "h.c:1");
  e.hint_kind = HintKind::kReleaseTable;
  e.location = 0xFFFFFFFFFFFFFFFF;
  EXPECT_EQ(format_casemate(e, true), "(hint 4 0 release_table ffffffffffffffff 0 \"h.c:1\")");
  e = make(EventKind::kMemSet, 2, 0, "p.c:9");
  e.address = 0x7f2e0000;
  e.size = 0x1000;
  EXPECT_EQ(format_casemate(e), "(mem-set (id 2) (tid 0) (address 7f2e0000) (size 1000) (value 0) "
                                "(src \"p.c:9\"))");
}

TEST(CasemateWriter, WritesLinesThenTheVerdict) {
  std::ostringstream out;
  CasemateWriter w(out);
  Event e = make(EventKind::kLock, 6, 1, "v.c:31");
  e.address = 0x40;
  ASSERT_TRUE(w.write(e).ok());
  e.kind = EventKind::kUnlock;
  e.id = 7;
  ASSERT_TRUE(w.write(e).ok());
  ASSERT_TRUE(w.write_verdict("Tried to unlock a component that was not held").ok());
  EXPECT_EQ(out.str(),
            "(lock (id 6) (tid 1) (address 40) (src \"v.c:31\"))\n"
            "(unlock (id 7) (tid 1) (address 40) (src \"v.c:31\"))\n"
            "! Tried to unlock a component that was not held\n");
  EXPECT_EQ(w.records(), 2u);
  const ReadResult r = read_all(out.str());
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.verdict, std::optional<std::string>("Tried to unlock a component that was not held"));
}

TEST(CasemateWriter, RefusesInvalidEventsAndWritesNothing) {
  std::ostringstream out;
  CasemateWriter w(out, true);
  Event e = make(EventKind::kLock, 1, 4, "v.c:1");
  EXPECT_EQ(w.write(e).message(), "tid 4 out of range (tid is 0..3, §2)");
  e.tid = 0;
  e.src = "no line";
  EXPECT_EQ(w.write(e).code(), StatusCode::kBadInput);
  e.src = "a\"b:1";
  EXPECT_EQ(w.write(e).code(), StatusCode::kBadInput);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(w.records(), 0u);
}

TEST(CasemateWriter, VerdictRules) {
  std::ostringstream out;
  CasemateWriter w(out);
  EXPECT_EQ(w.write_verdict("two\nlines").code(), StatusCode::kBadInput);
  EXPECT_EQ(w.write_verdict("cr\r").code(), StatusCode::kBadInput);
  ASSERT_TRUE(w.write_verdict("BBM valid->valid").ok());
  EXPECT_NE(w.write_verdict("again").message().find("second verdict"), std::string::npos);
  const Status s = w.write(make(EventKind::kLock, 1, 0, "a:1"));
  EXPECT_NE(s.message().find("after the verdict line"), std::string::npos);
  EXPECT_EQ(out.str(), "! BBM valid->valid\n");
}

TEST(CasemateWriter, StreamFailureIsAnIoError) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  CasemateWriter w(out);
  EXPECT_EQ(w.write(make(EventKind::kLock, 1, 0, "a:1")).code(), StatusCode::kIoError);
  EXPECT_EQ(w.write_verdict("m").code(), StatusCode::kIoError);
}

// Random events with every member the kind uses set, and the others left at their defaults.
class EventGenerator {
 public:
  explicit EventGenerator(uint64_t seed) : rng_(seed) {}

  Event next() {
    Event e;
    e.kind = static_cast<EventKind>(pick(kEventKindNames.size()));
    e.id = pick(8) == 0 ? 0 : number();  // 0 = "previous + 1" (§3.2)
    if (e.id == 0 && pick(2) == 0) e.id = pick(100) + 1;
    e.tid = static_cast<uint32_t>(pick(kMaxTid + 1));
    e.src = src();
    fill_body(&e);
    return e;
  }

 private:
  uint64_t pick(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  // Numbers of every width: 0, small, page-aligned addresses, full 64-bit.
  uint64_t number() {
    switch (pick(4)) {
      case 0: return pick(3);
      case 1: return pick(1 << 16);
      case 2: return pick(uint64_t{1} << 36) << 12;
      default: return rng_();
    }
  }
  std::string src() {
    static const std::string kChars = "abcxyz/._-() +!#;ABZ09";  // FILE has no ':' (§1.5)
    std::string s;
    for (uint64_t n = pick(40); n > 0; --n) s += kChars[pick(kChars.size())];
    return s + ":" + std::to_string(pick(100000));
  }
  void fill_body(Event* e) {
    switch (e->kind) {
      case EventKind::kMemWrite:
        e->mem_order = static_cast<MemOrder>(pick(kMemOrderNames.size()));
        e->address = number();
        e->value = number();
        break;
      case EventKind::kMemRead:
        e->address = number();
        e->value = number();
        break;
      case EventKind::kMemSet:
        e->value = number();
        [[fallthrough]];
      case EventKind::kMemInit:
      case EventKind::kMemFree:
        e->address = number();
        e->size = number();
        break;
      case EventKind::kBarrier:
        e->barrier = static_cast<BarrierType>(pick(2));
        if (e->barrier == BarrierType::kDsb) e->dsb_kind = static_cast<DsbKind>(pick(kDsbKindNames.size()));
        break;
      case EventKind::kTlbi:
        e->tlbi_op = static_cast<TlbiOp>(pick(kTlbiOps.size()));
        if (tlbi_op_info(e->tlbi_op).takes_value) e->value = number();
        break;
      case EventKind::kSysregWrite:
        e->sysreg = static_cast<Sysreg>(pick(kSysregNames.size()));
        e->value = number();
        break;
      case EventKind::kHint:
        e->hint_kind = static_cast<HintKind>(pick(kHintKindNames.size()));
        e->location = number();
        e->value = number();
        break;
      case EventKind::kLock:
      case EventKind::kTrylock:
      case EventKind::kUnlock:
      case EventKind::kReadLock:
      case EventKind::kReadUnlock: e->address = number(); break;
    }
  }

  std::mt19937_64 rng_;
};

// Writes `events` (`style`: 0 keyed, 1 condensed, 2 each record at random), reads them back and
// checks they are the same events, with the line of each record and id 0 resolved.
void expect_round_trip(const std::vector<Event>& events, int style) {
  std::ostringstream out;
  std::mt19937 rng(7);
  for (const Event& e : events) {
    ASSERT_TRUE(validate_event(e).ok()) << validate_event(e).to_string();
    const bool condensed = style == 2 ? (rng() & 1) != 0 : style == 1;
    out << format_casemate(e, condensed) << '\n';
  }
  const ReadResult r = read_all(out.str());
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_EQ(r.events.size(), events.size());
  uint64_t previous = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    Event want = events[i];
    if (want.id == 0) want.id = previous + 1;
    previous = want.id;
    want.line = i + 1;
    want.column = 1;
    ASSERT_EQ(r.events[i], want) << "record " << i << ": " << format_casemate(events[i]);
    ASSERT_TRUE(same_event(r.events[i], want));
  }
}

TEST(CasemateRoundTrip, ManyRandomEventsInEveryStyle) {
  EventGenerator gen(20240604);
  std::vector<Event> events;
  for (int i = 0; i < 20000; ++i) events.push_back(gen.next());
  std::set<EventKind> kinds;
  std::set<TlbiOp> ops;
  for (const Event& e : events) {
    kinds.insert(e.kind);
    if (e.kind == EventKind::kTlbi) ops.insert(e.tlbi_op);
  }
  ASSERT_EQ(kinds.size(), kEventKindNames.size());
  ASSERT_EQ(ops.size(), kTlbiOpNames.size());
  for (int style = 0; style < 3; ++style) {
    SCOPED_TRACE(style);
    expect_round_trip(events, style);
  }
}

TEST(CasemateRoundTrip, TheSpecExampleRewrittenReadsBackEqual) {
  std::ifstream in(::ptx::test::source_dir() + "/tests/data/casemate/spec_bbm_example.trace");
  std::stringstream original;
  original << in.rdbuf();
  const ReadResult first = read_all(original.str());
  ASSERT_TRUE(first.status.ok());
  ASSERT_EQ(first.events.size(), 17u);
  std::ostringstream out;
  CasemateWriter w(out);
  for (const Event& e : first.events) ASSERT_TRUE(w.write(e).ok());
  // casemate >= 3 style: the 0x prefixes are gone, nothing else changed.
  std::string without_prefix = original.str();
  for (size_t p; (p = without_prefix.find("0x")) != std::string::npos;) without_prefix.erase(p, 2);
  EXPECT_EQ(out.str(), without_prefix);
  const ReadResult second = read_all(out.str());
  ASSERT_TRUE(second.status.ok());
  EXPECT_EQ(second.events, first.events);
}

}  // namespace
}  // namespace ptx::armtrace
