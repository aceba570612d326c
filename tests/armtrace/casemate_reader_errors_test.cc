// SPDX-License-Identifier: BSD-2-Clause
// CasemateReader on inputs it must reject (spec §5, MUST and SHOULD) and past its length limits:
// every error is kBadInput at (source, line, column) with a message naming the problem and rule.
#include "armtrace/casemate_reader.h"

#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "read_util.h"

namespace ptx::armtrace {
namespace {

using testing::read_all;
using testing::ReadResult;

struct ErrorCase {
  std::string name;     // what the case is about
  std::string text;     // the trace
  uint64_t line;        // expected error position
  uint64_t column;
  std::string phrase;   // a part of the expected message
};

void expect_error(const ErrorCase& c) {
  SCOPED_TRACE(c.name + ": " + c.text.substr(0, 200));
  const ReadResult r = read_all(c.text, "bad.trace");
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(r.status.code(), StatusCode::kBadInput);
  EXPECT_EQ(r.status.position().source, "bad.trace");
  EXPECT_EQ(r.status.position().line, c.line);
  EXPECT_EQ(r.status.position().column, c.column);
  EXPECT_NE(r.status.message().find(c.phrase), std::string::npos) << r.status.message();
}

void expect_errors(const std::vector<ErrorCase>& cases) {
  for (const ErrorCase& c : cases) expect_error(c);
}

TEST(CasemateReaderErrors, ExactMessages) {
  const std::pair<std::string, std::string> cases[] = {
      {"(mem-init (id 1) (tid 0) (size 0x1000) (address 0) (src \"a:1\"))",
       "unexpected word 'size', expected 'address' (mem-init fields are address, size in this "
       "order, §2)"},
      {"(mem-read 1 0 8 (value 0X10) \"a:1\")",
       "hex field 'value': '0X10' is not hexadecimal (lower-case 0x prefix, 1-16 hex digits, "
       "§1.4)"},
      {"(lock 1 4 1 \"a:1\")", "tid 4 out of range (tid is 0..3, §2)"},
      {"(lock 1 0 1 \"a:1\")\r\n", "CR character (casemate traces use LF line ends, §1.1)"},
      {"(lock 1 0 1 \"x\")", "src \"x\" has no ':' (src is \"FILE:LINE\", §1.5)"},
  };
  for (const auto& [text, message] : cases) {
    const ReadResult r = read_all(text);
    EXPECT_EQ(r.status.message(), message) << text;
  }
  EXPECT_EQ(read_all("(msr 1 0 1 \"a:1\")").status.message().rfind("unknown record kind 'msr'", 0),
            0u);
  EXPECT_EQ(read_all("(tlbi 1 0 ipas2e1is \"a:1\")").status.message().rfind(
                "missing value on tlbi ipas2e1is", 0),
            0u);
}

TEST(CasemateReaderErrors, UnbalancedParensUnterminatedStringsAndEndOfFile) {
  expect_errors({
      {"extra ')'", "(lock 1 0 1 \"a:1\"))", 1, 19, "unbalanced ')' outside a record"},
      {"lone ')'", "\n  )", 2, 3, "unbalanced ')'"},
      {"EOF after src", "(lock 1 0 1 \"a:1\"", 1, 18, "end of file inside the record"},
      {"EOF mid-record", "(mem-write (id 1) (tid 0)\n", 2, 1,
       "record that starts at line 1 column 1"},
      {"EOF in keyed field", "(lock (id 1", 1, 12, "reached end of file unexpectedly"},
      {"EOF after '('", "(", 1, 2, "end of file inside"},
      {"unclosed record, next record", "(lock 1 0 1 \"a:1\"\n(lock 2 0 1 \"a:1\")", 2, 1,
       "expected ')' to close the lock record"},
      {"unclosed keyed field", "(lock (id 1 (tid 0) 1 \"a:1\")", 1, 13,
       "expected ')' after the value of field 'id'"},
      {"unclosed keyed src", "(lock 1 0 1 (src \"a:1\"\n", 2, 1,
       "end of file inside the record"},
      {"unterminated string", "(lock 1 0 1 \"a:1)\n", 1, 13, "unterminated string"},
      {"keyed field without value", "(lock 1 0 (address) \"a:1\")", 1, 19,
       "field 'address' has no value"},
      {"nested parens", "(lock 1 0 ((address 1)) \"a:1\")", 1, 12,
       "expected the key 'address' after '('"},
      {"empty record", "()", 1, 2, "empty record '()'"},
  });
}

TEST(CasemateReaderErrors, UnknownKindsAndJunkBetweenRecords) {
  expect_errors({
      {"msr", "(lock 1 0 1 \"a:1\")\n(msr (id 1) (tid 0) (sysreg vttbr_el2) (value 0) "
              "(src \"a:1\"))", 2, 2, "unknown record kind 'msr'"},
      {"upper case kind", "(LOCK 1 0 1 \"a:1\")", 1, 2, "unknown record kind 'LOCK'"},
      {"string as kind", "(\"lock\" 1 0 1 \"a:1\")", 1, 2, "expected a record kind"},
      {"junk after ')'", "(lock 1 0 1 \"a:1\")x", 1, 19, "unexpected 'x' between records"},
      {"semicolon comment", "(lock 1 0 1 \"a:1\")\n; a comment\n", 2, 1, "no comments"},
      {"hash comment", "# a comment\n", 1, 1, "unexpected '#' between records"},
      {"string at top level", "\"a:1\"", 1, 1, "unexpected string \"a:1\""},
      {"NUL byte", std::string("(lo\0ck 1 0 1 \"a:1\")", 19), 1, 2, "'lo\\x00ck'"},
  });
}

TEST(CasemateReaderErrors, MissingExtraRepeatedReorderedAndWronglyKeyedFields) {
  expect_errors({
      {"thread key", "(lock (id 1) (thread 0) (address 1) (src \"a:1\"))", 1, 15,
       "unexpected word 'thread', expected 'tid' (every record starts (KIND (id N) (tid T)"},
      {"missing tid", "(lock (id 1) (address 1) (src \"a:1\"))", 1, 15,
       "expected 'tid'"},
      {"missing keyed field", "(mem-init (id 1) (tid 0) (address 1) (src \"a:1\"))", 1, 39,
       "missing field 'size'"},
      {"missing bare field", "(mem-init 1 0 1 \"a:1\")", 1, 17, "missing field 'size'"},
      {"missing field before ')'", "(mem-set 1 0 1 1000)", 1, 20,
       "missing field 'value': got ')' (mem-set fields are address, size, value"},
      {"extra keyed field", "(lock 1 0 (address 1) (value 2) (src \"a:1\"))", 1, 24,
       "unexpected word 'value', expected 'src' (an extra field? lock fields are address"},
      {"extra bare field", "(lock 1 0 1 2 \"a:1\")", 1, 13,
       "expected the src string, got '2'"},
      {"repeated field", "(mem-read 1 0 (address 1) (address 2) (value 3) \"a:1\")", 1, 28,
       "unexpected word 'address', expected 'value'"},
      {"reordered hint", "(hint 1 0 (location 1) (kind set_root_lock) (value 2) \"a:1\")", 1,
       12, "unexpected word 'location', expected 'kind'"},
      {"old tlbi syntax", "(tlbi 1 0 vae2is (addr 1) (level 3) \"a:1\")", 1, 19,
       "unexpected word 'addr', expected 'value'"},
      {"keyed barrier type", "(barrier 1 0 (dsb) (kind ish) \"a:1\")", 1, 14,
       "expected the barrier type after tid, got '('"},
      {"dsb without kind", "(barrier 1 0 dsb \"a:1\")", 1, 18, "missing field 'kind'"},
      {"isb with kind", "(barrier 1 0 isb (kind ish) \"a:1\")", 1, 19,
       "unexpected word 'kind', expected 'src' (an extra field? barrier isb has no fields"},
      {"field after src", "(lock 1 0 1 \"a:1\" 5)", 1, 19,
       "expected ')' to close the lock record after src, got '5'"},
      {"field after keyed src", "(lock 1 0 1 (src \"a:1\") (value 5))", 1, 25,
       "expected ')' to close the lock record"},
  });
}

TEST(CasemateReaderErrors, UnknownEnumWords) {
  expect_errors({
      {"mem-order", "(mem-write 1 0 acquire 1 2 \"a:1\")", 1, 16,
       "unexpected word 'acquire', expected a mem-order: plain, release or cas"},
      {"dsb kind sy", "(barrier 1 0 dsb (kind sy) \"a:1\")", 1, 24,
       "unexpected word 'sy', expected a DSB kind: ish, ishst, nsh or nshst (case-sensitive, §2)"},
      {"barrier type", "(barrier 1 0 dmb ish \"a:1\")", 1, 14,
       "unexpected word 'dmb', expected a barrier type: dsb or isb"},
      {"tlbi vae2", "(tlbi 1 0 vae2 (value 1) \"a:1\")", 1, 11,
       "unexpected word 'vae2', expected a TLBI operation"},
      {"sysreg upper case", "(sysreg-write 1 0 (sysreg VTTBR_EL2) (value 0) \"a:1\")", 1, 27,
       "unexpected word 'VTTBR_EL2', expected a sysreg"},
      {"hint kind", "(hint 1 0 set_lock 1 2 \"a:1\")", 1, 11,
       "unexpected word 'set_lock', expected a hint kind"},
  });
}

TEST(CasemateReaderErrors, TlbiValuePresence) {
  expect_errors({
      {"keyed missing", "(tlbi 1 0 ipas2e1is (src \"a:1\"))", 1, 22,
       "missing value on tlbi ipas2e1is (vae2is, vale2is, ipas2e1is, ipas2e1, ripas2e1is, ripas2e1 take (value H)"},
      {"bare missing", "(tlbi 1 0 vale2is \"a:1\")", 1, 19, "missing value on tlbi vale2is"},
      {"missing before ')'", "(tlbi 1 0 vae2is)", 1, 17, "missing value on tlbi vae2is"},
      {"keyed extra", "(tlbi 1 0 vmalls12e1is (value 5) (src \"a:1\"))", 1, 25,
       "unexpected value on tlbi vmalls12e1is (only vae2is, vale2is, ipas2e1is, ipas2e1, ripas2e1is, ripas2e1 take a value"},
      {"bare extra", "(tlbi 1 0 alle2is 5 \"a:1\")", 1, 19, "unexpected value on tlbi alle2is"},
  });
}

TEST(CasemateReaderErrors, HexFields) {
  const std::string rule = "is not hexadecimal (lower-case 0x prefix, 1-16 hex digits, §1.4)";
  expect_errors({
      {"0X prefix", "(mem-read 1 0 0X8 1 \"a:1\")", 1, 15, "hex field 'address': '0X8' " + rule},
      {"bare 0x", "(mem-read 1 0 8 0x \"a:1\")", 1, 17, "hex field 'value': '0x' " + rule},
      {"17 digits", "(mem-init 1 0 8 (size 00000000000000001) \"a:1\")", 1, 23,
       "'00000000000000001' " + rule},
      {"17 digits with 0x", "(mem-init 1 0 8 0x10000000000000000 \"a:1\")", 1, 17, rule},
      {"non-hex", "(hint 1 0 release_table 0x7g 0 \"a:1\")", 1, 25,
       "hex field 'location': '0x7g'"},
      {"minus", "(lock 1 0 -1 \"a:1\")", 1, 11, rule},
      {"plus", "(lock 1 0 +1 \"a:1\")", 1, 11, rule},
      {"0x-1", "(lock 1 0 0x-1 \"a:1\")", 1, 11, rule},
      {"double prefix", "(lock 1 0 0x0x1 \"a:1\")", 1, 11, rule},
      {"hint as hex", "(sysreg-write 1 0 hcr_el2 (value plain) \"a:1\")", 1, 34,
       "hex field 'value': 'plain'"},
  });
}

TEST(CasemateReaderErrors, DecimalFieldsAndTid) {
  expect_errors({
      {"id 12x", "(lock 12x 0 1 \"a:1\")", 1, 7,
       "decimal field 'id': '12x' is not a decimal number (digits only, §1.4)"},
      {"id in hex", "(lock (id 0x10) 0 1 \"a:1\")", 1, 11, "decimal field 'id': '0x10'"},
      {"negative id", "(lock -1 0 1 \"a:1\")", 1, 7, "decimal field 'id': '-1'"},
      {"tid letters", "(lock 1 1a 1 \"a:1\")", 1, 9, "decimal field 'tid': '1a'"},
      {"id overflow", "(lock 18446744073709551616 0 1 \"a:1\")", 1, 7,
       "does not fit in 64 bits"},
      {"tid 4 keyed", "(lock (id 1) (tid 4) (address 1) (src \"a:1\"))", 1, 19,
       "tid 4 out of range (tid is 0..3, §2)"},
      {"tid huge", "(lock 1 99999999999 1 \"a:1\")", 1, 9, "tid 99999999999 out of range"},
      {"tid overflow", "(lock 1 99999999999999999999 1 \"a:1\")", 1, 9,
       "decimal field 'tid': '99999999999999999999' does not fit in 64 bits"},
      {"id 0 after max", "(lock 18446744073709551615 0 1 \"a:1\")\n(lock 0 0 1 \"a:1\")", 2, 7,
       "id 0 after id 18446744073709551615"},
  });
}

TEST(CasemateReaderErrors, Src) {
  expect_errors({
      {"missing src", "(lock 1 0 1)", 1, 12, "missing src"},
      {"keyed integer src", "(lock 1 0 1 (src 12))", 1, 18,
       "src must be a string \"FILE:LINE\", got '12' (§1.5)"},
      {"bare integer src", "(lock 1 0 1 12)", 1, 13, "expected the src string, got '12'"},
      {"no colon", "(lock 1 0 1 (src \"vm.c\"))", 1, 18, "src \"vm.c\" has no ':'"},
      {"no line", "(lock 1 0 1 \"vm.c:\")", 1, 13, "no decimal line number"},
      {"line not decimal", "(lock 1 0 1 \"a:b:12\")", 1, 13, "no decimal line number"},
      {"src keyed wrong key", "(lock 1 0 1 (source \"a:1\"))", 1, 14,
       "unexpected word 'source', expected 'src'"},
      {"keyed src no value", "(lock 1 0 1 (src))", 1, 17, "src must be a string"},
  });
}

TEST(CasemateReaderErrors, CarriageReturnsAnywhere) {
  expect_errors({
      {"CRLF", "(lock 1 0 1 \"a:1\")\r\n", 1, 19, "CR character"},
      {"CR in blank line", "(lock 1 0 1 \"a:1\")\n\r\n", 2, 1, "CR character"},
      {"CR in string", "(lock 1 0 1 \"a\r:1\")", 1, 15, "CR character"},
      {"CR between fields", "(lock 1\r0 1 \"a:1\")", 1, 8, "CR character"},
      {"CR in verdict", "! BBM valid->valid\r\n", 1, 19, "CR character"},
  });
}

TEST(CasemateReaderErrors, LengthLimits) {
  const std::string w511(511, 'w');
  const std::string w512(512, 'w');
  const std::string s512 = std::string(510, 'f') + ":1";
  std::string long_record = "(lock 1 0 1";
  while (long_record.size() < 64 * 1024) long_record += std::string(99, ' ') + "\n";
  long_record += " \"a:1\")";
  expect_errors({
      {"511-byte word: not too long", "(" + w511 + ")", 1, 2, "unknown record kind 'www"},
      {"512-byte word", "(" + w512 + ")", 1, 2, "word longer than 511 bytes (§1.2)"},
      {"512-byte word at top", "  " + w512, 1, 3, "word longer than 511 bytes"},
      {"512-byte string", "(lock 1 0 1 \"" + s512 + "\")", 1, 13,
       "string longer than 511 bytes"},
      {"long line", std::string(64 * 1024, ' ') + " (lock 1 0 1 \"a:1\")", 1, 64 * 1024 + 1,
       "line 1 is longer than 65536 bytes"},
      {"long verdict line", "! " + std::string(64 * 1024, 'm'), 1, 64 * 1024 + 1,
       "line 1 is longer than 65536 bytes"},
      {"long record", long_record, 656, 26,
       "the record that starts at line 1 column 1 is longer than 65536 bytes"},
  });
}

TEST(CasemateReaderErrors, AnErrorIsStickyAndKeepsEarlierRecords) {
  std::istringstream in("(lock 1 0 1 \"a:1\")\n(lock 2 5 1 \"a:1\")\n(lock 3 0 1 \"a:1\")\n");
  CasemateReader reader(in, "s");
  Event e;
  ASSERT_TRUE(*reader.next(&e));
  EXPECT_EQ(e.id, 1u);
  const StatusOr<bool> first = reader.next(&e);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(e.id, 1u);  // *out is untouched on error
  const StatusOr<bool> again = reader.next(&e);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status(), first.status());
  EXPECT_EQ(first.status().to_string(), "s:2:9: tid 5 out of range (tid is 0..3, §2)");
  EXPECT_EQ(reader.records(), 1u);
}

}  // namespace
}  // namespace ptx::armtrace
