// SPDX-License-Identifier: BSD-2-Clause
// SharedSections: the critical sections of locks taken shared (read-lock records, ptx's dialect:
// Linux's read_lock of the MMU lock) — sections that may overlap in time, each one thread's writes
// between its read-lock and its read-unlock. The EventChecker keeps its exclusive sections itself
// and hands the shared ones here, which keeps each section's writes (with their place in the
// trace's order and their kind of store) until no open section overlaps it any more.
//
// At a section's close two checks need the sections that overlapped it in time, its group:
//   * shared-entry: two sections of the group wrote one entry and the later write was a plain or
//     release store over the other section's value, not a compare-and-swap that found it (mem-order
//     cas): nothing serialised them, so one may undo the other (a lost update, or a break over a
//     make). A failed cmpxchg writes nothing and is no write here.
//   * the group's Transactional Page Table check (explorer/section_group.h), when two or more of
//     its sections wrote.
// Every state a walker may see while several shared sections are open is a state of the group of
// the one among them that closes first: all the others overlap it, with their writes so far.
#ifndef PTX_ARMCHECK_SHARED_SECTIONS_H_
#define PTX_ARMCHECK_SHARED_SECTIONS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "armtrace/event.h"
#include "pagetable/update.h"

namespace ptx::armcheck {

struct SharedWrite {
  Update update;          // kind set at close (EventChecker)
  uint64_t seq = 0;       // the write's place among all writes of the trace
  armtrace::MemOrder order = armtrace::MemOrder::kPlain;
  uint64_t line = 0;
  std::string src;
};

struct SharedSection {
  uint64_t serial = 0;    // unique per section
  uint64_t lock = 0;
  uint32_t tid = 0;
  uint64_t first_line = 0;
  uint64_t opened = 0;    // the write sequence number when it opened
  uint64_t closed = UINT64_MAX;  // ... when it closed (UINT64_MAX while open)
  std::vector<SharedWrite> writes;
  std::vector<uint32_t> barriers;  // write indexes at which a DSB completed the earlier writes
};

// A shared-entry finding: `entry` written by section `first` then, not serialised, by `second`.
struct SharedEntryClash {
  uint64_t entry = 0;
  const SharedWrite* first = nullptr;   // the earlier write (another section's)
  const SharedWrite* second = nullptr;  // the plain or release store over it
  uint32_t first_tid = 0, second_tid = 0;
};

class SharedSections {
 public:
  // A shared section of `lock` opens for `tid` (the trace's write count is `now`). Returns it.
  SharedSection& open(uint64_t lock, uint32_t tid, uint64_t now, uint64_t line);
  // The open section `serial` (REQUIRES: open(...) made it and it is not closed).
  SharedSection& section(uint64_t serial);
  // Closes `serial` at write count `now` and returns its group: the sections of its lock that
  // overlapped it in time, itself first, then the others in order of opening. The pointers stay
  // valid until the next open() or close().
  std::vector<const SharedSection*> close(uint64_t serial, uint64_t now);
  // The clashes among `group`'s writes not reported before (each write is reported once).
  std::vector<SharedEntryClash> clashes(const std::vector<const SharedSection*>& group);
  // Open and kept sections (tests: bounded by the concurrency, not the trace's length).
  size_t kept() const { return sections_.size(); }

 private:
  void forget_unneeded(uint64_t lock);

  std::map<uint64_t, SharedSection> sections_;  // serial -> section (open, or closed and needed)
  uint64_t next_serial_ = 1;
  std::set<uint64_t> reported_;  // seq of the second write of each reported clash
};

}  // namespace ptx::armcheck

#endif  // PTX_ARMCHECK_SHARED_SECTIONS_H_
