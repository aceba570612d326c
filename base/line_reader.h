// SPDX-License-Identifier: BSD-2-Clause
// LineReader: the lines of a text input, each at most a fixed number of bytes, with the line
// number and byte offset of each. Every line-based parser of outside input (workload files, ptx
// traces, /proc maps) reads through it, so that no input line can grow a string without bound: a
// line past the limit is an error, not an allocation of the whole file.
//
//   LineReader r(in, kMaxTraceLineBytes);
//   std::string line;
//   for (;;) {
//     StatusOr<bool> more = r.next(&line);
//     if (!more.ok()) return std::move(more).status().at(path, r.line());
//     if (!*more) break;
//     ... r.line() is its 1-based number, r.offset() the byte offset of its first byte ...
//   }
//
// A line ends at '\n' (not part of the line) or at the end of the input; a trailing '\r' is kept
// (callers that accept CRLF strip it). Reading is buffered (64 KiB chunks), so a reader may read
// past the current line: hand the stream to one LineReader only.
#ifndef PTX_BASE_LINE_READER_H_
#define PTX_BASE_LINE_READER_H_

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "base/status.h"

namespace ptx {

class LineReader {
 public:
  // Reads `in` from its current position, which is byte `offset` and the start of line
  // `first_line` of the input (so that numbers and offsets are the input's when a reader starts
  // mid-file, e.g. after a seekg). REQUIRES: max_bytes >= 1.
  LineReader(std::istream& in, uint64_t max_bytes, uint64_t first_line = 1, uint64_t offset = 0);

  // The next line into *line (without its '\n'). Returns false at the end of the input.
  // Errors: kBadInput "line is longer than <max_bytes> bytes (the limit for one line of this
  // input)" when a line is longer (line() is then its number); kIoError "read error" when the
  // stream fails other than at its end. Neither is positioned: the caller adds its input's name.
  StatusOr<bool> next(std::string* line);

  // Number (1-based) and byte offset of the line last returned (or failed on); 0 before any.
  uint64_t line() const { return line_; }
  uint64_t offset() const { return line_offset_; }

 private:
  bool fill();  // reads the next chunk; false at the end of input or on error

  std::istream& in_;
  const uint64_t max_bytes_;
  std::vector<char> buffer_;
  size_t begin_ = 0, end_ = 0;  // unread bytes of buffer_
  uint64_t next_line_, next_offset_;
  uint64_t line_ = 0, line_offset_ = 0;
};

}  // namespace ptx

#endif  // PTX_BASE_LINE_READER_H_
