// SPDX-License-Identifier: BSD-2-Clause
// The reader's fast path (armtrace/casemate_fast.h) against its token-by-token path: on every
// trace of the repository, on hand-made edge cases, and on many random mutations of valid records,
// both give the same events (positions included), the same error (text and position), verdict,
// warnings and record count.
#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "armtrace/casemate_fast.h"
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
