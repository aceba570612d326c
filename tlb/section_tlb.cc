// SPDX-License-Identifier: BSD-2-Clause
#include "tlb/section_tlb.h"

#include <algorithm>

#include "armcheck/engine_export.h"
#include "armcheck/event_checker.h"
#include "pagetable/constants.h"
#include "tlb/tlb_pass.h"

namespace ptx::tlb {

struct SectionTlb::Lane {
  Lane(const std::string& source, TlbOptions options) : pass(options), checker(source, check_options(&pass)) {}

  static armcheck::CheckOptions check_options(TlbPass* pass) {
    armcheck::CheckOptions o;
    o.observer = pass;
    o.explore_sections = false;
    // Every table page of an engine run comes from the VMs' pools (pagetable/constants.h): the
    // outputs of its leaves need no reverse-index records.
    o.table_pages_begin = pool_start(0);
    o.table_pages_end = pool_end(kVmCount - 1);
    return o;
  }

  TlbPass pass;  // before the checker, which points to it
  armcheck::EventChecker checker;
  armcheck::EngineExporter exporter;
  std::vector<armtrace::Event> events;  // reused
  uint64_t last_line = 0;
};

SectionTlb::SectionTlb(std::string source, TlbOptions options) : source_(std::move(source)), options_(options) {}

SectionTlb::~SectionTlb() = default;

Status SectionTlb::add(const Section& s, uint64_t line) {
  if (s.vmid >= kVmCount) return bad_input("vmid {} of section {} is not 0..16 (valid_vmid)", s.vmid, s.seq);
  std::unique_ptr<Lane>& lane = lanes_[s.vmid];
  if (!lane) lane = std::make_unique<Lane>(source_, options_);
  lane->events.clear();
  if (Status st = lane->exporter.add(s, &lane->events); !st.ok()) return std::move(st).at(source_, line);
  for (armtrace::Event& e : lane->events) {
    e.line = line;
    PTX_RETURN_IF_ERROR(lane->checker.add(e));
  }
  lane->last_line = std::max(lane->last_line, line);
  return ok_status();
}

void SectionTlb::finish() {
  for (const std::unique_ptr<Lane>& lane : lanes_) {
    if (lane) (void)lane->checker.finish(std::nullopt, lane->last_line);  // every section is closed
  }
}

std::vector<TlbFinding> SectionTlb::findings() const {
  std::vector<TlbFinding> all;
  for (const std::unique_ptr<Lane>& lane : lanes_) {
    if (lane) all.insert(all.end(), lane->pass.findings().begin(), lane->pass.findings().end());
  }
  return all;
}

TlbSummary SectionTlb::summary() const {
  TlbSummary s = summarize(findings());
  for (const std::unique_ptr<Lane>& lane : lanes_) {
    if (!lane) continue;
    const TlbSummary l = lane->pass.summary();
    s.tlbis += l.tlbis;
    s.max_stale = std::max(s.max_stale, l.max_stale);
  }
  return s;
}

}  // namespace ptx::tlb
