// SPDX-License-Identifier: BSD-2-Clause
// The JSON report of `ptx run --report FILE` / `ptx check --report FILE`.
//
//   {
//     "compare": "descriptor", "engine": "sekvm", "findings": [{"kind", "line", "detail"}...],
//     "mode": "fast", "policy": "sekvm", "source": "qemu-virt",
//     "summary": {"address_classes": N, "findings": N, "ops": N, "sections": N, "sequences": N,
//                 "transient_faults": N, "updates": N, "violating_sections": N, "violations": N,
//                 "wrong_translations": N},
//     "sections": [
//       {"address_classes": 1, "ops": [MapOp...], "seq": 0,
//        "sequences": 65, "target": Counts, "targets": [Counts, one per op],
//        "updates": [Update...], "violations": [Violation...], "vmid": 1},
//       ...]
//   }
// (keys sorted, as nlohmann writes objects; the records' forms are in json_codec.h). A section
// also has "barriers" (update indexes) when it has barriers inside, "closing_barrier": false when
// it was closed without its barrier, "maintenance" (json_codec.h) when its code did TLB
// maintenance, and "pending": N when the previous section's last N writes were still pending
// and explored in front of its updates (witness indexes below N are those).
// An Arm trace (casemate format) has no "policy" and "engine"; it has "format": "casemate", "records" (counts
// by record kind), "casemate_verdict" (the trace's "! message", or null), and its sections carry
// "tid", "lock", "lines": [first, last], "open_at_end", "root", "stage", "vmid" (the root's VMID or
// ASID), "barriers" (update indexes where a DSB completed the earlier writes), and each update
// its trace "line" and "src". One record per (section, root) the section changes. With
// `--tlb on` only (`ptx check`, `ptx run`), the head also has "tlb_findings" (the TLB pass's verdicts) and
// "summary"."tlb" (their counts); tools/ptx/tlb_output.h.
// "signatures" (report/signature_json.h) lists the bug signatures, each with up to --examples N
// example sections, and "summary"."signatures" counts them. `sections` lists every section with
// --report-all; else, in a bounded report, the example sections of the signatures (a selective
// ReportSections), or, written from a vector, those with a violation; ordered by (vmid, seq), one per line: the report is streamed, so --report-all of millions of sections
// never holds one JSON document in memory. `targets` has the counts of each op's own IPA;
// `target` is targets[0] (null without ops). Nothing in the report depends on the thread count
// or timing, so reports of the same input are byte-identical. Written atomically (atomic_file.h).
#ifndef PTX_FORMATS_REPORT_H_
#define PTX_FORMATS_REPORT_H_

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "explorer/exploration.h"
#include "explorer/totals.h"
#include "formats/spool_file.h"
#include "pagetable/constants.h"
#include "pagetable/engine_variant.h"
#include "pagetable/section_policy.h"

namespace ptx::formats {

struct ReportMeta {
  std::string source;
  SectionPolicy policy = SectionPolicy::kSekvm;
  ExploreMode mode = ExploreMode::kFast;
  CompareMode compare = CompareMode::kDescriptor;
  EngineVariant engine = EngineVariant::kSekvm;
  bool casemate = false;                          // an Arm trace in the casemate format
  std::optional<std::string> casemate_verdict;    // casemate only
  std::vector<std::pair<std::string, uint64_t>> records;  // casemate only: records by kind
  // `ptx check --tlb on` only (null otherwise): the TLB pass's "tlb_findings" list and
  // "summary"."tlb" object (tools/ptx/tlb_output.h).
  nlohmann::json tlb_findings;
  nlohmann::json tlb_summary;
  // The "signatures" list (report/signature_json.h), or null: none written.
  nlohmann::json signatures = nullptr;
  // A shard of a run (`ptx run --shard I/N`), or null: {"index": I, "count": N, "run": what
  // identifies the run (its input and options), "examples": --examples, "report_all": bool}, the
  // facts `ptx merge` needs to join the shards' reports (report/report_merge.h).
  nlohmann::json shard = nullptr;
  // A kernel engine's run (kernel/): "engine" is then its name. Empty name for the SeKVM engines.
  struct Kernel {
    std::string engine;   // "linux-6.12"
    std::string version;  // "6.12.118"
    uint32_t vcpus = 0;
    std::string cpu_features;
  } kernel{};
};

// One section's record.
nlohmann::json section_json(const CheckedSection& s);

// The report's layout: "{", the head's members in key order, each `"key":value,`, then
// kReportSectionsKey; then one section record per line, "\n" before the first and ",\n" before
// the others; then kReportEnd. (formats/report_reader.h reads it back.)
inline constexpr std::string_view kReportSectionsKey = "\"sections\":[";
inline constexpr std::string_view kReportEnd = "\n]}\n";
// The text up to the first section, of a head (its members but "sections").
std::string report_head_text(const nlohmann::json& head);

// A report's sections, spooled while a run explores them (one SpoolFile per VM), so that a report
// of millions of sections is never held in memory: each add() writes the section's record line.
// add() from the VM's thread: one VM's sections in seq order, different VMs concurrently.
class ReportSections {
 public:
  enum class Order {
    kByVm,     // by (vmid, seq): one spool per VM (the engine's and ptx traces' sections)
    kAsAdded,  // in the order added, from one thread (an Arm trace's (section, root) records)
  };
  // `selective`: a bounded report, whose sections are chosen after the run (select()): add()
  // then also remembers each record's position and size (a few words per section added).
  explicit ReportSections(Order order = Order::kByVm, bool selective = false);
  struct Record {  // a selective report's spooled record
    uint64_t pos;
    size_t bytes;
  };
  ~ReportSections();
  // Spools `s` (section_json) in its place. `pos`: kAsAdded, the record's position in the input
  // (what select()'s predicate is asked with); kByVm, ignored (the position is s.section.seq).
  // Errors: SpoolFile's kIoError.
  Status add(const CheckedSection& s, uint64_t pos = 0);
  // A selective report writes only the records for which keep(vm, pos) holds (vm: 0 for
  // kAsAdded). REQUIRES: constructed selective.
  void select(std::function<bool(uint32_t vm, uint64_t pos)> keep) { keep_ = std::move(keep); }

 private:
  friend Status write_report(const std::string&, const ReportMeta&, const Totals&, ReportSections&,
                             const std::vector<Finding>&);
  Order order_;
  bool selective_;
  std::array<std::unique_ptr<SpoolFile>, kVmCount> vms_;  // kAsAdded: vms_[0] only
  std::array<std::vector<Record>, kVmCount> records_;     // selective only
  std::function<bool(uint32_t, uint64_t)> keep_;
};

// Writes the report to `path` atomically with `sections` (every section added, by (vmid, seq)).
// The same bytes as the vector form given the same sections. Errors: kIoError naming `path` or
// the temporary file (no file left behind).
Status write_report(const std::string& path, const ReportMeta& meta, const Totals& totals, ReportSections& sections,
                    const std::vector<Finding>& findings);

// Writes the report to `path` atomically. `sections` ordered by (vmid, seq); with all == false
// only those with violations are written. Errors: kIoError naming `path` (no file left behind).
Status write_report(const std::string& path, const ReportMeta& meta, const Totals& totals,
                    const std::vector<CheckedSection>& sections, const std::vector<Finding>& findings, bool all);

}  // namespace ptx::formats

#endif  // PTX_FORMATS_REPORT_H_
