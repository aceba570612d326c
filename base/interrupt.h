// SPDX-License-Identifier: BSD-2-Clause
// Interrupts: SIGINT and SIGTERM stop long work cleanly. The handler only records the signal;
// long loops (the runner, the casemate fold, workload generation) poll interrupted() and return
// what they have, marked as interrupted, within a fraction of a second. Output files are written
// only by a run that finished, through AtomicFile, so an interrupted run leaves no partial or
// temporary file and never replaces a good one.
//
// install_interrupt_handlers() also ignores SIGXFSZ, so that a write past RLIMIT_FSIZE fails with
// EFBIG (and is reported, exit 2) instead of killing the process with a core dump.
#ifndef PTX_BASE_INTERRUPT_H_
#define PTX_BASE_INTERRUPT_H_

namespace ptx {

// Installs the handlers (SIGINT, SIGTERM) and ignores SIGXFSZ. Call once, early in main().
void install_interrupt_handlers();

// The first signal received (SIGINT or SIGTERM), or 0. Async-signal-safe to set, cheap to poll.
int interrupt_signal();
inline bool interrupted() { return interrupt_signal() != 0; }

// For tests: behave as if `sig` had been received (0 clears).
void set_interrupt_for_test(int sig);

}  // namespace ptx

#endif  // PTX_BASE_INTERRUPT_H_
