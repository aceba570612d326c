// SPDX-License-Identifier: BSD-2-Clause
#include "tests/tlb/reference_section_tlb.h"

#include <algorithm>
#include <array>
#include <memory>

#include "armcheck/engine_export.h"
#include "armcheck/event_checker.h"
#include "tlb/section_tlb.h"
#include "tlb/tlb_pass.h"

namespace ptx::tlb::test {
namespace {

struct Lane {
  Lane(const std::string& source, TlbOptions options) : pass(options), checker(source, check_options(&pass)) {}

  static armcheck::CheckOptions check_options(TlbPass* pass) {
    armcheck::CheckOptions o;
    o.observer = pass;
    o.explore_sections = false;
    o.table_pages_begin = pool_start(0);
    o.table_pages_end = pool_end(kVmCount - 1);
    return o;
  }

  Status add(const Section& s, uint64_t line, const std::string& source) {
    events.clear();
    if (Status st = exporter.add(s, &events); !st.ok()) return std::move(st).at(source, line);
    for (armtrace::Event& e : events) {
      e.line = line;
      PTX_RETURN_IF_ERROR(checker.add(e));
    }
    last_line = std::max(last_line, line);
    return ok_status();
  }

  TlbPass pass;  // before the checker, which points to it
  armcheck::EventChecker checker;
  armcheck::EngineExporter exporter;
  std::vector<armtrace::Event> events;
  uint64_t last_line = 0;
};

}  // namespace

ReferenceFold reference_fold(const std::vector<Section>& sections, const std::vector<uint64_t>& lines,
                             const std::string& source, TlbOptions options) {
  ReferenceFold r;
  std::array<std::unique_ptr<Lane>, kVmCount> lanes;
  for (size_t i = 0; i < sections.size(); ++i) {
    const Section& s = sections[i];
    if (s.vmid >= kVmCount) {
      r.statuses.push_back(bad_input("vmid {} of section {} is not 0..16 (valid_vmid)", s.vmid, s.seq).to_string());
      continue;
    }
    if (!lanes[s.vmid]) lanes[s.vmid] = std::make_unique<Lane>(source, options);
    r.statuses.push_back(lanes[s.vmid]->add(s, lines[i], source).to_string());
  }
  std::array<const TlbPass*, kVmCount> passes{};
  for (size_t vm = 0; vm < kVmCount; ++vm) {
    if (!lanes[vm]) continue;
    (void)lanes[vm]->checker.finish(std::nullopt, lanes[vm]->last_line);
    passes[vm] = &lanes[vm]->pass;
  }
  r.findings = lane_findings(passes);
  r.summary = lane_summary(passes);
  return r;
}

}  // namespace ptx::tlb::test
