// SPDX-License-Identifier: BSD-2-Clause
#include "armcheck/casemate_check.h"

#include "armtrace/casemate_reader.h"
#include "base/interrupt.h"

namespace ptx::armcheck {

bool looks_like_casemate(std::istream& in) {
  const std::istream::pos_type start = in.tellg();
  bool casemate = false;
  for (int i = 0, c; i < (64 << 10) && (c = in.get()) != EOF; ++i) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    casemate = c == '(' || c == '!';
    break;
  }
  in.clear();
  in.seekg(start);
  return casemate;
}

StatusOr<CasemateRun> check_casemate(std::istream& in, const std::string& name, const CheckOptions& options,
                                     const std::function<void(uint64_t)>& progress) {
  armtrace::CasemateReader reader(in, name);
  EventChecker checker(name, options);
  armtrace::Event e;
  uint64_t records = 0, last_line = 0;
  for (;;) {
    if (interrupted()) break;  // what was read so far is checked and returned, marked interrupted
    PTX_ASSIGN_OR_RETURN(const bool more, reader.next(&e));
    if (!more) break;
    PTX_RETURN_IF_ERROR(checker.add(e));
    last_line = e.line;
    if (++records % 4096 == 0 && progress) progress(records);
  }
  if (in.bad()) return io_error("{}: read error", name);
  if (progress) progress(records);
  CasemateRun run;
  PTX_ASSIGN_OR_RETURN(run.result, checker.finish(reader.verdict(), last_line));
  run.result.interrupted = interrupt_signal();
  run.warnings = reader.warnings();
  return run;
}

}  // namespace ptx::armcheck
