// SPDX-License-Identifier: BSD-2-Clause
// Totals of a run or a check over many explored critical sections, and the explored sections
// kept for the report and the summary.
// Totals are sums, so per-VM totals merged in any order give the same figures; kept sections are
// ordered by (vmid, seq), which does not depend on the thread count either.
#ifndef PTX_EXPLORER_TOTALS_H_
#define PTX_EXPLORER_TOTALS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "explorer/exploration.h"
#include "pagetable/section.h"

namespace ptx {

struct Totals {
  uint64_t ops = 0;
  uint64_t sections = 0;
  uint64_t updates = 0;
  BigCount sequences = 0;         // sum over sections of a(n): update lists explored
  uint64_t address_classes = 0;   // sum over sections of the address classes checked
  uint64_t violations = 0;        // Violation records (a class and an observed third mapping)
  uint64_t violating_sections = 0;
  uint64_t transient_faults = 0;    // violations of class kTransientFault
  uint64_t wrong_translations = 0;  // violations of class kWrongTranslation
  uint64_t findings = 0;            // Finding records (input-level observations, below)

  // A recorded (not explored) section.
  void add(const Section& s);
  // An explored section.
  void add(const Section& s, const Exploration& x);
  // One exploration of a section already counted with add(s) (a section explored per root).
  void add_exploration(const Exploration& x);
  void merge(const Totals& o);
  friend bool operator==(const Totals&, const Totals&) = default;
};

// Where a critical section of an Arm page-table trace (casemate format, or the recorder) comes
// from, beyond its Section record: the thread, the lock, the trace lines, the root it was
// explored for, and each update's trace line and src.
struct SectionContext {
  uint32_t tid = 0;
  uint64_t lock = 0;               // the lock's address (its identity)
  uint64_t first_line = 0;         // trace line of the lock record
  uint64_t last_line = 0;          // trace line of the unlock (or the last record: open_at_end)
  bool open_at_end = false;        // still open at the end of the trace or at its verdict line
  uint64_t root = 0;               // the root table explored (its base address)
  int stage = 2;                   // 2: a VTTBR_EL2 (stage-2) root; 1: a TTBR0_EL2 (stage-1) root
  uint32_t id = 0;                 // the root's VMID (stage 2) or ASID (stage 1)
  std::vector<uint64_t> update_lines;  // trace line of each update
  std::vector<std::string> update_srcs;  // "FILE:LINE" of each update
  std::vector<uint32_t> barriers;  // update indexes at which a DSB completed the earlier writes
  // A group of sections that overlapped in time under a lock taken shared (explorer/
  // section_group.h): the tid of each section, in the order of their first write. Empty for one
  // section.
  std::vector<uint32_t> group_tids;
};

struct CheckedSection {
  Section section;
  Exploration exploration;
  uint64_t line = 0;  // where it comes from: input line/op # of its first op, or trace line
  std::shared_ptr<const SectionContext> context;  // Arm traces only
};

// Something the input shows that is not a section's verdict, e.g. an unlocked write to a live
// page table or a read that contradicts memory. `kind` is a stable name ("unlocked-write", ...).
struct Finding {
  std::string kind;
  uint64_t line = 0;   // trace line
  std::string detail;
  std::string src = "";  // the src of the record that shows it (its code location), or "" (a default,
                         // so Finding{kind, line, detail} needs no src)
  friend bool operator==(const Finding&, const Finding&) = default;
};

}  // namespace ptx

#endif  // PTX_EXPLORER_TOTALS_H_
