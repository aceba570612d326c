// SPDX-License-Identifier: BSD-2-Clause
// SignatureTable: the signatures (signature.h) of a run, in bounded memory: per signature its key,
// how many sections and occurrences show it, its first occurrence with that section in full (the
// representative), and up to `examples` example occurrences (distinct sections), never the
// occurrences themselves. Memory: O(signatures x examples), whatever the run's length.
//
// Order. An occurrence is placed by (lane, pos): for engine sections and ptx traces the VM and the
// section's seq, for an Arm trace lane 0 and the order in which its (section, root) records or
// findings come. One table takes occurrences in ascending (lane, pos) order (one lane's sections
// as a runner gives them, or an Arm trace's in trace order); tables of different lanes are merged
// with merge(). "First" and "examples" are the smallest positions, so a merge of per-lane tables
// gives the same table for any thread count and any merge order.
#ifndef PTX_REPORT_SIGNATURE_TABLE_H_
#define PTX_REPORT_SIGNATURE_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "explorer/totals.h"
#include "report/signature.h"
#include "tlb/finding.h"

namespace ptx::report {

// Where one occurrence is.
struct Occurrence {
  uint32_t lane = 0;    // the VM (engine sections, ptx traces), 0 for an Arm trace
  uint64_t pos = 0;     // the section's seq, or the record's order in an Arm trace
  uint32_t vmid = 0;    // the section's VM (an Arm trace: its root's VMID)
  uint64_t seq = 0;     // the section's seq (an Arm trace: its per-trace section number)
  uint64_t line = 0;    // the input line: workload op, ptx trace line or Arm trace line
  bool traced = false;  // from an Arm trace: shown as its line; else as vm and seq

  friend bool operator==(const Occurrence& a, const Occurrence& b) { return a.lane == b.lane && a.pos == b.pos; }
  friend bool operator<(const Occurrence& a, const Occurrence& b) {
    return a.lane != b.lane ? a.lane < b.lane : a.pos < b.pos;
  }
};

// The occurrence of section `s` (engine section or ptx trace; an Arm trace's when it has a
// context, placed at `order`).
Occurrence occurrence_of(const CheckedSection& s, uint64_t order = 0);

struct SignatureEntry {
  SignatureKey key;
  std::string id;               // key.id()
  uint64_t sections = 0;        // distinct sections (or records) that show it
  uint64_t occurrences = 0;     // violations, findings or TLB verdicts with this key
  std::vector<Occurrence> examples;  // ascending, distinct; examples[0] is the first occurrence
  // A violation's signature: the first occurrence's section (explored form, signature.h) and the
  // index of its first violation with this key. Null for findings and TLB verdicts.
  std::shared_ptr<const CheckedSection> representative;
  size_t violation = 0;
  std::string detail;           // a finding's or TLB verdict's: the first one's detail
  std::string src;              // a finding's or TLB verdict's: the first one's src
  std::string source;           // the input its lines count, when not the run's (a TLB pass's), or ""
  Occurrence last;              // the last occurrence added (one more at the same place is the same section)

  const Occurrence& first() const { return examples.front(); }
};

class SignatureTable {
 public:
  // `examples`: example occurrences kept per signature (--examples). REQUIRES: examples >= 1.
  SignatureTable() : SignatureTable(16) {}
  explicit SignatureTable(size_t examples) : examples_(examples) {}

  // Adds every violation of `s` (explored form, signature.h) at `at`. Returns true when `s` became
  // an example of one of its signatures here (the report keeps its record). REQUIRES: `at` after
  // every position added before.
  bool add_section(const CheckedSection& s, const Occurrence& at);
  // A finding, or a TLB verdict, at `at`. Same REQUIRES. Returns as add_section does.
  bool add_finding(const Finding& f, const Occurrence& at);
  bool add_tlb(const tlb::TlbFinding& f, const Occurrence& at);

  // Adds `other`'s signatures: counts summed, first and examples the smallest positions.
  void merge(const SignatureTable& other);

  // Every signature: errors first, then warnings, then infos; then TPT, TLB, findings; then by
  // first occurrence; then by key text.
  std::vector<SignatureEntry> entries() const;
  size_t size() const { return map_.size(); }
  size_t examples() const { return examples_; }

 private:
  SignatureEntry& entry(const std::string& text, const SignatureKey* key);
  bool occur(SignatureEntry& e, const Occurrence& at, bool new_section);

  size_t examples_;
  std::unordered_map<std::string, SignatureEntry> map_;  // key text -> entry
};

}  // namespace ptx::report

#endif  // PTX_REPORT_SIGNATURE_TABLE_H_
