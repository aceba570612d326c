// SPDX-License-Identifier: BSD-2-Clause
// Writing Events as casemate trace records (casemate-trace.md, the casemate trace format; ptx's subset: docs/casemate.md, "the spec").
//
// Style: casemate >= 3.0 (§1.4): one record per line; every field keyed, "(key value)", or, in
// condensed mode, every field bare; hex numbers (address, value, size, location) in lower case
// without leading zeros and WITHOUT a "0x" prefix ("(value 0)", "(address 7f2c0008)"); id and tid
// in decimal; src quoted. For example
//   (mem-write (id 9) (tid 0) (mem-order plain) (address 7f2c0008) (value 7f2d0003) (src "a.c:1"))
//   (mem-write 9 0 plain 7f2c0008 7f2d0003 "a.c:1")                                   [condensed]
// Fields come in the order of §2 (the table in armtrace/casemate_fields.h, shared with the reader),
// so CasemateReader reads the output back to events equal by same_event() (line and column aside;
// an id of 0 reads back as previous id + 1, §3.2).
#ifndef PTX_ARMTRACE_CASEMATE_WRITER_H_
#define PTX_ARMTRACE_CASEMATE_WRITER_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "armtrace/event.h"
#include "base/status.h"

namespace ptx::armtrace {

// One record, without a line end. Uses only the members e.kind uses (event.h).
// REQUIRES: validate_event(e).ok(); otherwise the text is still produced, without crashing, but a
// reader may reject it or read it back differently.
std::string format_casemate(const Event& e, bool condensed = false);

// Writes a trace to a stream, one LF-terminated record per line, optionally ending with the
// verdict line of §1.6.
class CasemateWriter {
 public:
  // `out` must outlive the writer. `condensed` selects bare fields for every record.
  explicit CasemateWriter(std::ostream& out, bool condensed = false);

  CasemateWriter(const CasemateWriter&) = delete;
  CasemateWriter& operator=(const CasemateWriter&) = delete;

  // Writes format_casemate(e) and an LF. Errors: kBadInput from validate_event(e), or when the
  // verdict was already written (nothing is written then); kIoError when the stream fails.
  Status write(const Event& e);

  // Writes "! MESSAGE" and an LF, which ends the trace: the expected casemate violation message
  // (§1.6, §3.7), e.g. "BBM valid->valid". Errors: kBadInput when the message contains CR or LF or
  // a verdict was already written; kIoError when the stream fails.
  Status write_verdict(std::string_view message);

  // Records written so far.
  uint64_t records() const { return records_; }

 private:
  Status put(const std::string& line);

  std::ostream& out_;
  bool condensed_;
  bool verdict_written_ = false;
  uint64_t records_ = 0;
};

}  // namespace ptx::armtrace

#endif  // PTX_ARMTRACE_CASEMATE_WRITER_H_
