// Totals of a run or a check over many explored critical sections, and the explored sections
// kept for the report and the summary.
// Totals are sums, so per-VM totals merged in any order give the same figures; kept sections are
// ordered by (vmid, seq), which does not depend on the thread count either.
#ifndef PTX_EXPLORER_TOTALS_H_
#define PTX_EXPLORER_TOTALS_H_

#include <cstdint>
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

  // A recorded (not explored) section.
  void add(const Section& s);
  // An explored section.
  void add(const Section& s, const Exploration& x);
  void merge(const Totals& o);
  friend bool operator==(const Totals&, const Totals&) = default;
};

struct CheckedSection {
  Section section;
  Exploration exploration;
  uint64_t line = 0;  // where it comes from: input line/op # of its first op, or trace line
};

}  // namespace ptx

#endif  // PTX_EXPLORER_TOTALS_H_
