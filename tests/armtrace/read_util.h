// SPDX-License-Identifier: BSD-2-Clause
// Test helper: reads a whole casemate trace from a string with CasemateReader.
#ifndef PTX_TESTS_ARMTRACE_READ_UTIL_H_
#define PTX_TESTS_ARMTRACE_READ_UTIL_H_

#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "armtrace/casemate_reader.h"
#include "armtrace/event.h"
#include "base/status.h"

namespace ptx::armtrace::testing {

struct ReadResult {
  std::vector<Event> events;              // the records read before the end or the error
  Status status;                          // OK, or the error next() returned
  std::optional<std::string> verdict;
  std::vector<std::string> warnings;
  uint64_t records = 0;                   // reader.records() at the end
};

// Reads `text` (named `source`) until the end of the trace or the first error. Stops after
// `max_records` records so that a reader bug cannot hang a test. `fast_path`: the reader's
// (CasemateReader::set_fast_path).
inline ReadResult read_all(std::string_view text, const std::string& source = "t.trace",
                           size_t max_records = 1'000'000, bool fast_path = true) {
  std::istringstream in{std::string(text)};
  CasemateReader reader(in, source);
  reader.set_fast_path(fast_path);
  ReadResult r;
  Event e;
  while (r.events.size() < max_records) {
    StatusOr<bool> more = reader.next(&e);
    if (!more.ok()) {
      r.status = more.status();
      break;
    }
    if (!*more) break;
    r.events.push_back(e);
  }
  r.verdict = reader.verdict();
  r.warnings = reader.warnings();
  r.records = reader.records();
  return r;
}

}  // namespace ptx::armtrace::testing

#endif  // PTX_TESTS_ARMTRACE_READ_UTIL_H_
