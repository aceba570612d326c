// SPDX-License-Identifier: BSD-2-Clause
// Helpers for the tests of the kernel engines: the engines built in, runs of a workload text or of
// the qemu-virt preset (with the KVM steps), verdict counts. These tests link ptx_linux_engines
// (Linux's code, GPL-2.0-only); without kernel sources they skip.
#ifndef PTX_TESTS_KERNEL_KERNEL_UTIL_H_
#define PTX_TESTS_KERNEL_KERNEL_UTIL_H_

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "armtrace/casemate_writer.h"
#include "kernel/engines.h"
#include "kernel/kernel_run.h"
#include "workload/kvm_steps.h"
#include "workload/qemu_virt.h"
#include "workload/workload_file.h"

namespace ptx::kernel::testing {

inline const std::vector<KernelEngine>& engines() {
  static const std::vector<KernelEngine> e = kernel_engines(ptx_kernel_engines);
  return e;
}

inline std::optional<KernelEngine> engine(const std::string& name) {
  StatusOr<KernelEngine> e = find_kernel_engine(engines(), name, "");
  return e.ok() ? std::optional<KernelEngine>(*e) : std::nullopt;
}

#define PTX_REQUIRE_ENGINE(var, name)                                                \
  const std::optional<::ptx::kernel::KernelEngine> var = ::ptx::kernel::testing::engine(name); \
  if (!var) GTEST_SKIP() << "built without " << (name) << " (no kernel sources)"

struct Run {
  Status status;
  KernelRunResult result;
  std::string events;  // every event as casemate text (when asked for)
  std::map<std::string, uint64_t> findings;  // kind -> count
  uint64_t tlb_errors = 0, tlb_warnings = 0;
};

inline Run run_stream(const KernelEngine& e, workload::WorkloadStream& w, uint32_t vcpus, bool keep_events,
                      uint32_t features = kDefaultCpuFeatures) {
  KernelRunOptions o;
  o.vcpus = vcpus;
  o.features = features & e.table->features;
  o.tlb = true;
  o.check.explore.parallel = false;
  o.check.keep_in_memory = 4;
  Run r;
  std::vector<armtrace::Event> kept;  // formatted after the run: the vCPUs' timing stays as it is without
  if (keep_events) {
    o.on_events = [&kept](uint32_t, const EventLog& b) {
      kept.insert(kept.end(), b.events.begin(), b.events.end());
      return ok_status();
    };
  }
  StatusOr<KernelRunResult> k = run_kernel(e, w, o);
  for (const armtrace::Event& ev : kept) r.events += armtrace::format_casemate(ev) + "\n";
  r.status = k.status();
  if (!k.ok()) return r;
  r.result = std::move(*k);
  for (const Finding& f : r.result.findings) ++r.findings[f.kind];
  r.tlb_errors = r.result.tlb_summary.errors;
  r.tlb_warnings = r.result.tlb_summary.warnings;
  return r;
}

inline Run run_text(const KernelEngine& e, const std::string& text, uint32_t vcpus = 1, bool keep_events = false,
                    uint32_t features = kDefaultCpuFeatures) {
  std::istringstream in(text);
  StatusOr<workload::Workload> w = workload::parse_workload(in, "w.wl", {});
  EXPECT_TRUE(w.ok()) << w.status().to_string();
  if (!w.ok()) return Run{w.status(), {}, {}, {}, 0, 0};
  std::unique_ptr<workload::WorkloadStream> s = workload::prebuilt_stream(*w);
  return run_stream(e, *s, vcpus, keep_events, features);
}

// qemu-virt, `vms` VMs of `ops` ops each, then the KVM steps (as `ptx run --engine linux-...`).
inline Run run_qemu(const KernelEngine& e, uint32_t vms, uint64_t ops, uint32_t vcpus, bool keep_events = false) {
  StatusOr<std::unique_ptr<workload::WorkloadStream>> q =
      workload::stream_qemu_virt(workload::QemuVirtOptions{vms, 1, ops, SectionPolicy::kSekvm});
  EXPECT_TRUE(q.ok());
  if (!q.ok()) return Run{q.status(), {}, {}, {}, 0, 0};
  std::unique_ptr<workload::WorkloadStream> s =
      workload::with_kvm_steps(std::move(*q), workload::KvmStepsOptions{(e.table->calls >> PTX_K_SPLIT & 1) != 0});
  return run_stream(e, *s, vcpus, keep_events);
}

}  // namespace ptx::kernel::testing

#endif  // PTX_TESTS_KERNEL_KERNEL_UTIL_H_
