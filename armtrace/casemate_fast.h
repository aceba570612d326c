// SPDX-License-Identifier: BSD-2-Clause
// The casemate reader's fast path (casemate_reader.h): one record parsed in place from the bytes
// of its line, with no allocation (but src's, when the Event's string is too small), no per-byte
// checks and no token copies.
//
// It accepts a subset of what the token-by-token path accepts and, on that subset, yields the same
// Event: a record that starts at the view's first byte ('(') and closes on the same line, made of
// tokens separated by spaces and tabs as §1.2-§1.3 allow (keyed or bare fields), whose words and
// strings are at most kMaxTokenBytes long, with valid values (§1.4, §1.5, §2). Anything else, a
// record with an error included, is declined (0) and the caller parses it the slow way, which
// positions the error. Declining is always correct; accepting is only allowed when the slow path
// would return the same Event (tests/armtrace/casemate_fast_test.cc and the reader's fuzz target
// check this).
//
// Two lanes: the keyed lane matches the spelling ptx's writer and casemate >= 3.0 print, every field
// keyed and one space between tokens (§1.3), byte by byte with whole-word compares and scans; the
// general lane takes every other spelling of a one-line record token by token, still in place.
#ifndef PTX_ARMTRACE_CASEMATE_FAST_H_
#define PTX_ARMTRACE_CASEMATE_FAST_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "armtrace/event.h"

namespace ptx::armtrace {

// Parses the record at the start of `line` (the bytes from a '(' on; an LF or a CR before the
// record's end declines: the record must be on this line, and the caller counts columns).
// `last_id` is the previous record's id, for id 0 (§3.2). On success sets every member of *out
// (unused ones to their defaults, line and column to 0: the caller knows them) and returns the
// number of bytes the record takes, its ')' included (never 0); otherwise returns 0 and leaves
// *out as it was. (A plain size_t: an optional<size_t> came back through memory, its flag stored
// as a byte and read in a wider load, a store-forwarding stall on every record.)
// REQUIRES: out != nullptr.
size_t parse_record_fast(std::string_view line, uint64_t last_id, Event* out);

}  // namespace ptx::armtrace

#endif  // PTX_ARMTRACE_CASEMATE_FAST_H_
