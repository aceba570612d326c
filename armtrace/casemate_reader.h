// SPDX-License-Identifier: BSD-2-Clause
// CasemateReader: reads a casemate trace (casemate-trace.md, the casemate trace format; ptx's subset: docs/casemate.md, "the spec";
// section numbers below refer to it) one record at a time, as Events.
//
//   std::ifstream in("run.trace");
//   CasemateReader reader(in, "run.trace");
//   Event e;
//   for (;;) {
//     StatusOr<bool> more = reader.next(&e);
//     if (!more.ok()) return more.status();  // e.g. "run.trace:12:31: tid 4 out of range ..."
//     if (!*more) break;
//     ... use e ...
//   }
//   if (reader.verdict()) ... the trace expects casemate to report *reader.verdict() ...
//
// Accepted (§5 "SHOULD accept"): keyed "(size 1000)" and bare "1000" fields, mixed freely; hex with
// or without a lower-case 0x prefix, digits in either case (hex fields are hex even without 0x,
// §1.4); records spanning lines; blank lines; any ids, out of order or repeated, where id 0 means
// "previous id + 1" (§3.2; the first record's previous id is 0); an empty input; a final verdict
// line "! message" (§1.6).
//
// The reader checks syntax and field values only. Casemate's protocol checks (locks,
// break-before-make, ownership, alignment, §3) are not errors here.
//
// Errors: next() returns a kBadInput Status positioned at (source_name, line, column) of the
// offending byte or token, whose message says what is wrong and which rule (with its spec
// section), for: a CR byte (§1.1); text between records that is not a record or the verdict,
// comments included (§1.1); a ')' outside a record; an unterminated string or the end of the input
// inside a record; an empty or unknown record kind (§2); a missing, extra, repeated, reordered or
// wrongly keyed field (§1.3, §2); a keyed field without its value or ')'; an unknown enum word
// (case-sensitive); a tlbi op missing its value or carrying one it does not take (§2); a decimal
// field (id, tid) that is not 1+ digits or exceeds 64 bits (§1.4); a hex field that is not an
// optional lower-case "0x" and 1-16 hex digits (§1.4); tid > 3 (§2); a src that is missing, not a
// string, has no ':' or no decimal LINE after it (§1.5); a record not closed by ')' after src; id 0
// after id 2^64-1. Limits of this reader: a word or string over 511 bytes (§1.2), a line over
// 64 KiB, a record over 64 KiB. After an error the reader is stuck: next() returns the same
// Status again. Text right after a record's ')' ("(lock ...)x") is found by the next call, after
// that record was returned.
//
// Speed: a record that fits one line is parsed in place (casemate_fast.h; next() tries that inline
// first); any other record, and every record with an error, token by token, which positions the
// error. Both give the same Events. Memory is bounded by the limits above and the lexer's buffer
// whatever the input; no input makes the reader crash, throw or loop forever (a fuzz target checks
// this: fuzz/casemate_reader_fuzz.cc).
#ifndef PTX_ARMTRACE_CASEMATE_READER_H_
#define PTX_ARMTRACE_CASEMATE_READER_H_

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "armtrace/casemate_lexer.h"
#include "armtrace/event.h"
#include "base/status.h"

namespace ptx::armtrace {

class CasemateReader {
 public:
  // Reads from `in`, which must outlive the reader. `source_name` labels error positions and
  // warnings (a file name, "stdin", ...).
  CasemateReader(std::istream& in, std::string source_name);

  CasemateReader(const CasemateReader&) = delete;
  CasemateReader& operator=(const CasemateReader&) = delete;

  // Reads the next record into *out (every member set: unused ones to their defaults, line and
  // column to the record's '(') and returns true; returns false at the end of the trace (end of
  // input or the verdict line), and again on every later call; or returns the error.
  // REQUIRES: out != nullptr.
  StatusOr<bool> next(Event* out) {
    // The common case inline: a one-line record whose '(' is the next byte (casemate_fast.h).
    if (fast_path_ && status_.ok() && !done_ && lexer_.next_byte_is('(') && read_fast(out)) {
      ++records_;
      return true;
    }
    return next_slow(out);
  }

  // The verdict text once next() has returned false at a "! message" line: the rest of that line
  // after '!' and one optional space, without the LF. nullopt when the trace had none (it should
  // pass) or it has not been reached yet.
  const std::optional<std::string>& verdict() const { return verdict_; }

  // Non-fatal findings, each "SOURCE:LINE:COL: message": text after the verdict line, which is
  // ignored as casemate does (§1.6).
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Records returned by next() so far.
  uint64_t records() const { return records_; }

  // false: every record token by token (tests compare the two paths). Default true.
  void set_fast_path(bool on) { fast_path_ = on; }

 private:
  using Token = CasemateLexer::Token;

  StatusOr<bool> next_slow(Event* out);
  StatusOr<bool> read_next(Event* out);
  bool read_fast(Event* out);
  Status read_verdict();
  Status top_level_error();
  Status read_record(const Token& open, Event* e);
  Status read_kind(Event* e);
  Status read_id_and_tid(Event* e);
  Status resolve_id(const Token& id_token, Event* e);
  StatusOr<Token> read_decimal_field(std::string_view key, uint64_t* value);
  StatusOr<Token> read_field_value(std::string_view key, const Event* e);
  Status read_field_close(std::string_view key);
  std::string fields_rule(const Event* e) const;
  Status missing_field_error(const Token& t, std::string_view key, const Event* e);
  Status keyed_field_error(const Token& k, std::string_view key, const Event* e);
  Status read_positional(Event* e);
  Status read_body(Event* e);
  Status read_src(Event* e);
  Status src_field_error(const Token& t, bool keyed, const Event& e);
  Status read_close(const Event& e);
  Status error(const Token& t, std::string message) const;

  CasemateLexer lexer_;
  Status status_;          // sticky error
  bool done_ = false;
  bool fast_path_ = true;
  uint64_t records_ = 0;
  uint64_t last_id_ = 0;   // the previous record's id, for id 0 (§3.2)
  std::optional<std::string> verdict_;
  std::vector<std::string> warnings_;
};

}  // namespace ptx::armtrace

#endif  // PTX_ARMTRACE_CASEMATE_READER_H_
