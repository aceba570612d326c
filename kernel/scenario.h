// SPDX-License-Identifier: BSD-2-Clause
// Scenario: a few threads of KVM calls (kernel_abi.h ptx_k_call) that `ptx schedules` runs under
// the controlled scheduler, after setup calls run alone. The text format (docs/schedules.md), one
// statement a line, '#' to the end of a line a comment:
//
//   scenario NAME              the scenario's name (letters, digits, '-', '_'); once, first
//   setup CALL                 a call run before the threads, alone, as vCPU 0
//   thread CALL [; CALL]...    one thread (vCPU 0, 1, ... in order): its calls, in order
//
// where CALL is one of (numbers decimal or 0x hex; SIZE 4K, 2M, 1G or bytes; PROT letters of r, w,
// x, and d for device memory):
//   fault IPA SIZE PA PROT [logging]   user_mem_abort: map, or relax permissions of a leaf of SIZE
//   unmap IPA SIZE                     kvm_pgtable_stage2_unmap under the write lock
//   wrprotect IPA SIZE                 dirty logging on: kvm_pgtable_stage2_wrprotect
//   access IPA                         handle_access_fault: kvm_pgtable_stage2_mkyoung
//   age IPA SIZE                       kvm_age_gfn
//   split IPA SIZE                     kvm_pgtable_stage2_split (Linux 6.5 and later)
// Rules: IPA and PA aligned to SIZE (4 KiB for access), IPA + SIZE within 2^48, 1..4 threads,
// 1..16 calls a thread, 0..16 setup calls.
#ifndef PTX_KERNEL_SCENARIO_H_
#define PTX_KERNEL_SCENARIO_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kernel/kernel_abi.h"

namespace ptx::kernel {

struct Scenario {
  std::string name;
  std::string about;  // the built-in's one-line description ("" for files)
  std::vector<ptx_k_call> setup;
  std::vector<std::vector<ptx_k_call>> threads;
};

// Parses scenario text; `source` names it in errors. Errors: kBadInput "SOURCE:LINE: what: rule".
StatusOr<Scenario> parse_scenario(std::string_view text, const std::string& source);

// The built-in scenarios, in `ptx schedules --list` order.
const std::vector<Scenario>& builtin_scenarios();
// The built-in called `name`. Errors: kBadInput naming the ones there are.
StatusOr<Scenario> find_scenario(std::string_view name);

// The call as the scenario format writes it ("fault 0x40000000 4K 0x80000000 rw").
std::string call_text(const ptx_k_call& c);

}  // namespace ptx::kernel

#endif  // PTX_KERNEL_SCENARIO_H_
