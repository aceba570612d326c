// SPDX-License-Identifier: BSD-2-Clause
// CasemateLexer: splits a casemate trace into the tokens of §1.2, tracking line and column, with
// bounded memory. Used by CasemateReader; it knows nothing about record kinds or fields.
//
// Tokens: "(", ")", a word (a maximal run of bytes other than space, tab, LF, '(' and ')'), a
// string ('"' ... '"', any bytes but '"' in between, no escapes), or the end of the input.
// Whitespace is space, tab and LF only (§1.1). Positions are 1-based; a column counts bytes.
//
// Every error is a kBadInput Status positioned at (source, line, column); once one is returned the
// lexer is stuck and returns it again. Errors:
//   * a CR byte anywhere it reads (§1.1), at the CR;
//   * a word or a string longer than kMaxTokenBytes (§1.2), at the token's first byte;
//   * an unterminated string, at its opening '"';
//   * a line longer than kMaxLineBytes (LF not counted), at its first byte past the limit;
//   * inside a record (between begin_record() and end_record()): the end of the input, at the
//     end, and a record longer than kMaxRecordBytes (from its '(' on), at the first byte past it.
//
// The lexer reads its input in blocks of kBufferBytes into a buffer of its own (memory: that
// buffer, whatever the input). window() and consume() let a caller (the reader's fast path,
// casemate_fast.h) parse a whole line in place and skip the bytes it took.
#ifndef PTX_ARMTRACE_CASEMATE_LEXER_H_
#define PTX_ARMTRACE_CASEMATE_LEXER_H_

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace ptx::armtrace {

class CasemateLexer {
 public:
  static constexpr size_t kMaxTokenBytes = 511;           // §1.2
  static constexpr uint64_t kMaxLineBytes = 64 * 1024;    // this reader's limit
  static constexpr uint64_t kMaxRecordBytes = 64 * 1024;  // this reader's limit
  static constexpr size_t kBufferBytes = 256 * 1024;        // > kMaxLineBytes + 1: a line fits

  struct Token {
    enum class Type : uint8_t { kOpen, kClose, kWord, kString, kEnd };
    Type type = Type::kEnd;
    std::string text;       // the word, or the string without its quotes; empty otherwise
    uint64_t line = 0;      // position of the token's first byte (of '"' for a string)
    uint64_t column = 0;
    uint64_t offset = 0;    // bytes of the input before the token
  };

  // Reads `in` through its stream buffer (the istream's state flags are not used). `source` names
  // the input in error positions.
  CasemateLexer(std::istream& in, std::string source);

  CasemateLexer(const CasemateLexer&) = delete;
  CasemateLexer& operator=(const CasemateLexer&) = delete;

  // Skips whitespace and returns the next byte (0..255) without consuming it, or -1 at the end
  // of the input.
  StatusOr<int> peek_byte();

  // Skips whitespace and returns the next token, consumed. At the end of the input: a kEnd token
  // outside a record, an error inside one.
  StatusOr<Token> next();

  // Consumes the byte peek_byte() returned ('!') and one space after it if there is one, and
  // returns the rest of the line without its LF: the verdict text of §1.6.
  // REQUIRES: peek_byte() just returned a byte.
  StatusOr<std::string> read_line_after_byte();
  // After the verdict: the position of the first byte that is not whitespace, or nullopt when
  // only whitespace is left. Reads raw bytes (no limits, no CR check), stops at that byte.
  std::optional<std::pair<uint64_t, uint64_t>> find_text_after();

  // Marks the '(' token `open` as the start of a record, and its end.
  void begin_record(const Token& open);
  void end_record() { in_record_ = false; }

  // A kBadInput Status with `message` at (source, line, column).
  Status error_at(uint64_t line, uint64_t column, std::string message) const;

  const std::string& source() const { return source_; }

  // The unread bytes, for a parser that reads them in place: at least kMaxLineBytes + 1 of them
  // (a whole line), or all that is left of the input. Valid until the next call to any other
  // member. Does not skip whitespace. Empty after an error.
  std::string_view window() {
    if (end_ - pos_ > kMaxLineBytes && error_.ok()) return {buf_.get() + pos_, end_ - pos_};
    return refill_window();
  }
  // Consumes the first `bytes` bytes of window(), which contain no LF and no CR, as next() would
  // have (their limits already known to hold: the caller checked them).
  void consume(size_t bytes);
  // Consumes the next byte if it is an LF already in the buffer (the end of a line consume()
  // stopped at).
  void consume_newline() {
    if (pos_ < end_ && buf_[pos_] == '\n') advance('\n');
  }
  // Is the next byte `c`, already in the buffer (no read, no whitespace skipped, false after an
  // error)? A cheap test before window().
  bool next_byte_is(char c) const { return error_.ok() && pos_ < end_ && buf_[pos_] == c; }
  // Line and column of the next byte.
  uint64_t line() const { return line_; }
  uint64_t column() const { return column_; }

 private:
  static constexpr int kEof = -1;
  static constexpr int kFailed = -2;  // error_ holds why

  int peek_raw();
  bool fill();  // reads more input after the unread bytes; false when none is left
  std::string_view refill_window();  // window() when fewer than kMaxLineBytes + 1 bytes are buffered
  int get();  // consumes a byte after checking it: 0..255, kEof, or kFailed
  // Consumes the byte c == peek_raw(), unchecked (inline: the fast path ends each line with it).
  void advance(int c) {
    ++pos_;
    ++offset_;
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
  }
  Status fail(uint64_t line, uint64_t column, std::string message);
  Status skip_space();
  Status read_string(Token* t);
  Status read_word(Token* t);

  std::streambuf* in_;
  std::unique_ptr<char[]> buf_;  // kBufferBytes; [pos_, end_) unread
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  std::string source_;
  uint64_t line_ = 1;      // position of the next byte
  uint64_t column_ = 1;
  uint64_t offset_ = 0;    // bytes consumed so far
  bool in_record_ = false;
  uint64_t record_offset_ = 0;  // offset of the current record's '('
  uint64_t record_line_ = 0;
  uint64_t record_column_ = 0;
  Status error_;
};

}  // namespace ptx::armtrace

#endif  // PTX_ARMTRACE_CASEMATE_LEXER_H_
