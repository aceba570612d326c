// SPDX-License-Identifier: BSD-2-Clause
// fold_events: the TLB verdicts (tlb_pass.h; docs/tlb-model.md) of an Arm event stream held in
// memory, without exploring its sections: the events go through an armcheck::EventChecker that
// keeps memory, roots and locks (explore_sections off), observed by a TlbPass. For a stream
// checked already (the Recorder's events, after EXPECT_TRANSACTIONAL's transactional check), it
// gives the tlb_findings `ptx check --tlb on` gives for a casemate trace of the same events.
#ifndef PTX_TLB_EVENT_FOLD_H_
#define PTX_TLB_EVENT_FOLD_H_

#include <span>
#include <string>
#include <vector>

#include "armcheck/event_checker.h"
#include "armtrace/event.h"
#include "base/status.h"
#include "tlb/finding.h"
#include "tlb/options.h"

namespace ptx::tlb {

// Every finding (stale-benign included, severity kInfo), in event order. `source` labels error
// positions; `check` the checker's options (descriptor rules, table pages; its observer and
// explore_sections are replaced). Errors: EventChecker::add's and finish's (kBadInput or
// kUnsupported, positioned at the event's line).
StatusOr<std::vector<TlbFinding>> fold_events(std::span<const armtrace::Event> events, const std::string& source,
                                              armcheck::CheckOptions check = {}, TlbOptions options = {});

}  // namespace ptx::tlb

#endif  // PTX_TLB_EVENT_FOLD_H_
