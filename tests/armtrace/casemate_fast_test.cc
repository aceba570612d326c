// SPDX-License-Identifier: BSD-2-Clause
// The reader's fast path (armtrace/casemate_fast.h) against its token-by-token path: on every
// trace of the repository, on hand-made edge cases, and on many random mutations of valid records,
// both give the same events (positions included), the same error (text and position), verdict,
// warnings and record count.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "armtrace/casemate_fast.h"
#include "armtrace/casemate_fields.h"
#include "read_util.h"
#include "tests/support/test_paths.h"

namespace ptx::armtrace {
namespace {

namespace fs = std::filesystem;

void expect_same_paths(const std::string& text, const std::string& what) {
  SCOPED_TRACE(what);
  const testing::ReadResult fast = testing::read_all(text, "t.trace", 1'000'000, true);
  const testing::ReadResult slow = testing::read_all(text, "t.trace", 1'000'000, false);
  ASSERT_EQ(fast.events.size(), slow.events.size()) << slow.status.to_string();
  for (size_t i = 0; i < fast.events.size(); ++i) ASSERT_EQ(fast.events[i], slow.events[i]) << "record " << i;
  EXPECT_EQ(fast.status.to_string(), slow.status.to_string());
  EXPECT_EQ(fast.verdict, slow.verdict);
  EXPECT_EQ(fast.warnings, slow.warnings);
  EXPECT_EQ(fast.records, slow.records);
}

TEST(CasemateFast, EveryTraceOfTheRepositoryReadsTheSameBothWays) {
  int files = 0;
  for (const char* dir : {"/tests/data/casemate", "/tests/fuzz/corpus/casemate_reader",
                          "/tests/fuzz/regressions/casemate_reader"}) {
    for (const fs::directory_entry& entry : fs::directory_iterator(::ptx::test::source_dir() + dir)) {
      if (!entry.is_regular_file() || entry.path().filename() == "README.md") continue;
      expect_same_paths(::ptx::test::file_bytes(entry.path().string()), entry.path().string());
      ++files;
    }
  }
  EXPECT_GE(files, 20);
}

// A mem-write whose id and address fields are spelled `id` and `address` ("(id 1)", "(address 10)").
std::string mem_write(const std::string& id, const std::string& address) {
  return "(mem-write " + id + " (tid 0) (mem-order plain) " + address + " (value 0) (src \"a:1\"))\n";
}

// Number fields in their common spelling "(key DIGITS)", read in one pass (§1.4), and their near
// misses, which the token path reads or refuses.
const std::vector<std::string> kNumberFields = {
    mem_write("(id 007)", "(address 0x0000000000000010)"), mem_write("(id 1)", "(address ABCDEFabcdef0123)"),
    mem_write("(id 1)", "(address 0x10000000000000000)"), mem_write("(id 1)", "(address 10000000000000000)"),
    mem_write("(id 1)", "(address 0x)"), mem_write("(id 1)", "(address 0x1g)"), mem_write("(id 1)", "(address  10)"),
    mem_write("(id 1)", "(address\t10)"), mem_write("(id 12x)", "(address 10)"),
    mem_write("(id 18446744073709551615)", "(address 10)"), mem_write("(id 18446744073709551616)", "(address 10)"),
    mem_write("(id " + std::string(510, '0') + "1)", "(address 10)"),
    mem_write("(id " + std::string(600, '0') + "1)", "(address 10)"), mem_write("(id 1)", "(address -1)"),
    mem_write("(id 1)", "(address 10 )"), mem_write("(id 1)", "(address 1\r0)"), mem_write("(id 1)(tid 0)", "(address 10)"),
};

const std::vector<std::string> kEdgeCases = {
    "(mem-write (id 1) (tid 0) (mem-order plain) (address 0x10) (value 0x3) (src \"a.c:1\"))\n",
    "(mem-write 0 3 release 10 3 \"a.c:1\")(lock 0 1 10 \"b:2\")\n(unlock 0 1 (address 10) \"b:3\")",
    "  \t(barrier (id 5) (tid 1) dsb (kind ishst) (src \"x:1\"))\t \n(barrier 6 1 isb \"x:2\")\n",
    "(tlbi (id 1) (tid 0) ipas2e1is (value 0x700000040123) (src \"t:1\"))\n(tlbi 0 0 vmalle1is \"t:2\")\n",
    "(tlbi (id 1) (tid 0) vmalle1is (value 1) (src \"t:1\"))\n", "(tlbi (id 1) (tid 0) ipas2e1is (src \"t:1\"))\n",
    "(mem-write (id 1) (tid 4) (mem-order plain) (address 0) (value 0) (src \"a:1\"))\n",
    "(mem-write (id 1) (tid 0) (mem-order plain) (address 0X1) (value 0) (src \"a:1\"))\n",
    "(mem-write (id 1) (tid 0) (mem-order plain) (address 0) (value 0) (src \"a:1\"))\r\n",
    "(mem-write (id 1) (tid 0) (mem-order plain) (address 0) (value 0) (src \"a\r:1\"))\n",
    "(mem-write (id 1) (tid 0)\n (mem-order plain) (address 0) (value 0) (src \"a:1\"))\n",
    "(mem-init (id 18446744073709551615) (tid 0) (address 0) (size 8) (src \"a:1\"))\n(mem-init 0 0 0 8 \"a:2\")\n",
    "(mem-init (id 18446744073709551616) (tid 0) (address 0) (size 8) (src \"a:1\"))\n",
    "(mem-init (id 1) (tid 0) (address 11112222333344445) (size 8) (src \"a:1\"))\n",
    "(mem-init (id 1) (tid 0) (size 8) (address 0) (src \"a:1\"))\n",
    "(mem-init (id 1) (tid 0) (address 0) (size 8) (src \"a\"))\n",
    "(mem-init (id 1) (tid 0) (address 0) (size 8) (src \"a:1\") x)\n",
    "(mem-init (id 1) (tid 0) (address 0) (size 8) (src \"a:1\")x\n",
    "(hint (id 1) (tid 2) (kind set_root_lock) (location 7f2c0000) (value 7f300040) (src \"h:1\"))\n! BBM x\n(x)",
    "(sysreg-write (id 1) (tid 0) (sysreg vttbr_el2) (value 100007f2c0000) (src \"s:1\"))\n",
    "(sysreg-write (id 1) (tid 0) (sysreg VTTBR_EL2) (value 1) (src \"s:1\"))\n",
    "(read-lock (id 1) (tid 0) (address 1) (src \"r:1\"))\n(read-unlock 2 0 1 \"r:2\")",
    "(mem-write (id 1) (tid 0) (mem-order cas) (address 8) (value 1) (src \"a:1\"))",
    "(lock(id 1)(tid 0)(address 1)(src\"a:1\"))\n",
    "(lock (id 1) (tid 0) (address 1) (src \"a:1\"\n",
    "(lock (id 1) (tid 0) (address 1) (src \"a:1))\n",
    "(lock (id 01) (tid 00) (address 0x) (src \"a:1\"))\n",
    "(lock (id 1) (tid 0) (address 1) (src \"" + std::string(511, 'a') + ":1\"))\n",
    "(lock (id 1) (tid 0) (address 1) (src \"" + std::string(512, 'a') + ":1\"))\n",
    "(lock (id 1) (tid 0) (address " + std::string(512, '1') + ") (src \"a:1\"))\n",
    std::string(70000, ' ') + "(lock (id 1) (tid 0) (address 1) (src \"a:1\"))\n",
    std::string(65400, ' ') + "(lock (id 1) (tid 0) (address 1) (src \"a:1\"))\n",
};

TEST(CasemateFast, EdgeCasesReadTheSameBothWays) {
  for (size_t i = 0; i < kEdgeCases.size(); ++i) expect_same_paths(kEdgeCases[i], "edge case " + std::to_string(i));
  for (size_t i = 0; i < kNumberFields.size(); ++i) expect_same_paths(kNumberFields[i], "number field " + std::to_string(i));
}

// Random byte mutations (replace, insert, delete, from an alphabet of the format's own bytes) of a
// trace that uses every record shape.
TEST(CasemateFast, MutatedTracesReadTheSameBothWays) {
  const std::string base = ::ptx::test::file_bytes(::ptx::test::source_dir() + "/tests/data/casemate/every_kind.trace");
  ASSERT_FALSE(base.empty());
  const std::string alphabet = "() \t\n\r\"0x19afAF:-_sdlk!";
  std::mt19937_64 rng(20);
  for (int round = 0; round < 3000; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      const size_t at = rng() % text.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: text[at] = c; break;
        case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: text.erase(at, 1 + rng() % 3);
      }
    }
    expect_same_paths(text, "round " + std::to_string(round));
    if (HasFatalFailure()) return;
  }
}

// Records in the writers' keyed spelling, which the fast path's keyed lane matches byte by byte
// (casemate_fast.cc), each token now and then replaced by a near miss: numbers at the edges of
// §1.4 (19, 20 and 600 digits, 2^64 - 1 and 2^64, 16 and 17 hex digits, "0x", "0X", upper-case
// digits), enum words in the wrong case or the wrong table, a src that breaks §1.5 or holds a tab,
// a control byte or a CR (§1.1), other whitespace between tokens, bare fields, CRLF and missing
// line ends (§1.1).
class KeyedRecords {
 public:
  explicit KeyedRecords(uint64_t seed) : rng_(seed) {}

  std::string record() {
    Event e;
    e.kind = kEventKindNames[rng_() % kEventKindNames.size()].value;
    e.barrier = kBarrierTypeNames[rng_() % kBarrierTypeNames.size()].value;
    e.tlbi_op = kTlbiOpNames[rng_() % kTlbiOpNames.size()].value;
    std::string r = "(" + pick(std::string(enum_name(kEventKindNames, e.kind)), {"Lock", "mem-writ", "msr", ""});
    r += gap() + "(id " + pick(std::to_string(rng_() % 3 == 0 ? 0 : rng_() % 100000000),
                               {"18446744073709551615", "18446744073709551616", "1234567890123456789",
                                "01234567890123456789", std::string(600, '1'), "", "1x", "-1"}) + ")";
    r += gap() + "(tid " + pick(std::to_string(rng_() % 4), {"4", "00", "03", "", "1 "}) + ")";
    if (has_positional_word(e.kind)) {
      r += " " + (e.kind == EventKind::kBarrier ? pick(std::string(enum_name(kBarrierTypeNames, e.barrier)), {"DSB", "ds"})
                                                : pick(std::string(enum_name(kTlbiOpNames, e.tlbi_op)), {"vmalle1iss"}));
    }
    for (const CasemateField& f : casemate_fields(e)) {
      if (rng_() % 40 == 0) {
        r += " " + value(f);  // bare
      } else {
        r += gap() + "(" + pick(std::string(f.key), {"adress", "value", "src"}) + " " + value(f) + ")";
      }
    }
    if (rng_() % 60 == 0) r += " (value 1)";  // extra
    r += gap() + "(src \"" + src() + "\")" + pick(")", {"", " )", "))", ")x", ")("});
    return r + pick("\n", {"", "\r\n", " \n", "\t\n", "\n\n"});
  }

 private:
  // `usual`, or now and then one of the near misses.
  std::string pick(const std::string& usual, std::initializer_list<std::string> misses) {
    if (misses.size() == 0 || rng_() % 30 != 0) return usual;
    return *(misses.begin() + static_cast<std::ptrdiff_t>(rng_() % misses.size()));
  }
  std::string gap() { return pick(" ", {"", "  ", "\t", "\n", "\r", " \t"}); }
  std::string hex_digits(size_t n) {
    std::string d;
    for (size_t i = 0; i < n; ++i) d += "0123456789abcdefABCDEF"[rng_() % (rng_() % 8 == 0 ? 22 : 16)];
    return d;
  }
  std::string value(const CasemateField& f) {
    switch (f.type) {
      case FieldType::kHex:
        return pick(std::string(rng_() % 3 == 0 ? "0x" : "") + hex_digits(1 + rng_() % 16),
                    {hex_digits(17), "0x" + hex_digits(17), "0x", "0X1", "0x0x1", "1g", "", "x1"});
      case FieldType::kMemOrder: return pick(std::string(kMemOrderNames[rng_() % 3].name), {"Plain", "ish"});
      case FieldType::kDsbKind: return pick(std::string(kDsbKindNames[rng_() % 4].name), {"ISH", "plain"});
      case FieldType::kSysreg: return pick(std::string(kSysregNames[rng_() % 7].name), {"vttbr_el1"});
      case FieldType::kHintKind: return pick(std::string(kHintKindNames[rng_() % 4].name), {"set_pte_thread_owne"});
    }
    return "";
  }
  std::string src() {
    return pick("engine:" + std::to_string(rng_() % 1000000),
                {"a", "a:", "a:1:2", "a:1x", ":1", "a\t:1", "a\x01:1", "a:\r1", "a b:12", "a(:1", "a):1",
                 std::string(511, 's') + ":1", std::string(505, 's') + ":1", std::string(510, 's') + ":1"});
  }

  std::mt19937_64 rng_;
};

// Each record alone (after one that sets the previous id), then all of them in one trace (which
// ends at the first error).
TEST(CasemateFast, KeyedRecordsAndTheirNearMissesReadTheSameBothWays) {
  const std::string before = "(lock (id 18446744073709551615) (tid 0) (address 1) (src \"a:1\"))\n";
  for (uint64_t seed = 0; seed < 100; ++seed) {
    KeyedRecords gen(seed);
    std::string text;
    for (int i = 0; i < 60; ++i) {
      const std::string record = gen.record();
      expect_same_paths((i % 2 == 0 ? "" : before) + record, "seed " + std::to_string(seed) + ": " + record);
      if (HasFatalFailure()) return;
      text += record;
    }
    expect_same_paths(text, "seed " + std::to_string(seed));
    if (HasFatalFailure()) return;
  }
}

// Records that straddle the lexer's buffer refills (it keeps at least a line ahead: window()),
// around 64 KiB lines, and at the end of the input without a line end.
TEST(CasemateFast, RecordsAcrossBufferRefillsReadTheSameBothWays) {
  KeyedRecords gen(7);
  std::string text;
  while (text.size() < 3 * CasemateLexer::kBufferBytes) text += gen.record();
  expect_same_paths(text, "long trace");
  const std::string lock = "(lock (id 1) (tid 0) (address 1) (src \"a:1\"))";
  for (size_t pad : {CasemateLexer::kMaxLineBytes - lock.size() - 1, CasemateLexer::kMaxLineBytes - lock.size(),
                     CasemateLexer::kMaxLineBytes - lock.size() + 1}) {
    expect_same_paths(text + std::string(pad, ' ') + lock + "\n" + lock, "padded " + std::to_string(pad));
  }
  expect_same_paths("(mem-init (id 18446744073709551615) (tid 0) (address 0) (size 8) (src \"a:1\"))\n(lock (id 0) (tid 0) (address 1) (src \"a:2\"))",
                    "id 0 after 2^64 - 1");
}

// The keyed lane sees only the bytes it is given: every prefix of a record, in a buffer of exactly
// that size (so that a read past it shows under a sanitizer), is declined, and the whole record
// is taken, the same as in a longer buffer.
TEST(CasemateFast, EveryPrefixOfARecordIsDeclined) {
  KeyedRecords gen(3);
  for (const std::string& record :
       {std::string("(mem-write (id 1000001) (tid 0) (mem-order release) (address 2c92678) (value 1040ecf7ff) (src \"engine:124757\"))"),
        std::string("(barrier (id 2) (tid 1) dsb (kind ish) (src \"e:1\"))"), std::string("(lock (id 1) (tid 0) (address 1) (src \"a:1\"))"),
        std::string("(hint (id 1) (tid 2) (kind set_pte_thread_owner) (location 7f2c0000) (value 7f300040) (src \"h:1\"))")}) {
    for (size_t n = 0; n <= record.size(); ++n) {
      const std::unique_ptr<char[]> bytes(new char[n + 1]);
      std::copy(record.begin(), record.begin() + static_cast<std::ptrdiff_t>(n), bytes.get());
      Event e;
      const size_t taken = parse_record_fast(std::string_view(bytes.get(), n), 0, &e);
      EXPECT_EQ(taken, n == record.size() ? n : 0) << record.substr(0, n);
    }
    Event whole;
    EXPECT_EQ(parse_record_fast(record + "\n(lock", 0, &whole), record.size());
  }
}

// Hex fields of 1 to 17 digits (with and without "0x"), each holding every byte value at every
// position: the keyed lane classifies 16 bytes at once (casemate_fast.cc), this checks each class
// edge ('/', ':', '@', 'G', '`', 'g', bytes >= 0x80) against the token path.
TEST(CasemateFast, HexFieldsWithEveryByteReadTheSameBothWays) {
  for (size_t digits = 1; digits <= 17; ++digits) {
    for (const std::string prefix : {"", "0x"}) {
      for (size_t at = 0; at <= digits; ++at) {
        std::string text;
        for (int byte = 0; byte < 256; ++byte) {
          std::string hex = std::string("fEdCbA9876543210f").substr(0, digits);
          if (at < digits) hex[at] = static_cast<char>(byte);
          else hex += static_cast<char>(byte);
          text = "(mem-read (id 1) (tid 0) (address " + prefix + hex + ") (value 0) (src \"a:1\"))\n";
          expect_same_paths(text, prefix + hex);
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

// The src string is rewritten only when it changes; the Event is the same either way.
TEST(CasemateFast, SrcIsKeptWhenItIsTheSame) {
  Event e;
  e.src = "engine:1";
  ASSERT_TRUE(parse_record_fast("(lock (id 5) (tid 1) (address 2) (src \"engine:1\"))", 0, &e));
  Event expected;
  expected.kind = EventKind::kLock;
  expected.id = 5;
  expected.tid = 1;
  expected.address = 2;
  expected.src = "engine:1";
  EXPECT_EQ(e, expected);
  ASSERT_TRUE(parse_record_fast("(lock (id 5) (tid 1) (address 2) (src \"engine:2\"))", 0, &e));
  expected.src = "engine:2";
  EXPECT_EQ(e, expected);
  ASSERT_TRUE(parse_record_fast("(lock (id 5) (tid 1) (address 2) (src \"engine:12\"))", 0, &e));
  expected.src = "engine:12";
  EXPECT_EQ(e, expected);
}

TEST(CasemateFast, DeclinesWhatItDoesNotTake) {
  Event e;
  EXPECT_EQ(parse_record_fast("(lock (id 1) (tid 0) (address 1) (src \"a:1\"))\n", 0, &e), 45u);
  EXPECT_EQ(e.kind, EventKind::kLock);
  EXPECT_EQ(e.src, "a:1");
  EXPECT_EQ(parse_record_fast("(lock 0 0 1 \"a:1\")", 7, &e), 18u);
  EXPECT_EQ(e.id, 8u);
  EXPECT_FALSE(parse_record_fast("(lock (id 1) (tid 0)\n(address 1) (src \"a:1\"))", 0, &e));
  EXPECT_FALSE(parse_record_fast("(lock (id 1) (tid 0) (address 1) (src \"a:1\")", 0, &e));
  EXPECT_FALSE(parse_record_fast("(lock (id 1) (tid 5) (address 1) (src \"a:1\"))", 0, &e));
  EXPECT_FALSE(parse_record_fast("", 0, &e));
}

}  // namespace
}  // namespace ptx::armtrace
