// SPDX-License-Identifier: BSD-2-Clause
// The built-in scenarios of `ptx schedules` (scenario.h), in the scenario format itself. IPAs are
// in the guest's second GiB (0x40000000), output addresses in the host's third (0x80000000).
#include <fmt/format.h>

#include "kernel/scenario.h"

namespace ptx::kernel {

namespace {

struct Builtin {
  const char* about;
  const char* text;
};

const Builtin kBuiltins[] = {
    {"two vCPUs fault the same 4 KiB page",
     "scenario same-page\n"
     "thread fault 0x40000000 4K 0x80000000 rw\n"
     "thread fault 0x40000000 4K 0x80000000 rw\n"},
    {"two vCPUs fault two pages of one 2 MiB range: both install its tables",
     "scenario same-range\n"
     "thread fault 0x40000000 4K 0x80000000 rw\n"
     "thread fault 0x40001000 4K 0x80001000 rw\n"},
    {"one vCPU maps the 2 MiB block while another maps a 4 KiB page inside it (the host's huge-page "
     "state changed between the faults)",
     "scenario block-and-page\n"
     "thread fault 0x40000000 2M 0x80000000 rw\n"
     "thread fault 0x40001000 4K 0x80001000 rw\n"},
    {"a fault races the MMU notifier's unmap of its 2 MiB range",
     "scenario fault-vs-unmap\n"
     "setup fault 0x40000000 4K 0x80000000 rw\n"
     "thread fault 0x40001000 4K 0x80001000 rw\n"
     "thread unmap 0x40000000 2M\n"},
    {"a permission fault's relax_perms races dirty logging's wrprotect",
     "scenario relax-vs-wrprotect\n"
     "setup fault 0x40000000 4K 0x80000000 r\n"
     "thread fault 0x40000000 4K 0x80000000 rw logging\n"
     "thread wrprotect 0x40000000 2M\n"},
    {"eager page splitting of a 2 MiB block races a fault inside it (Linux 6.5 and later)",
     "scenario split-vs-fault\n"
     "setup fault 0x40000000 2M 0x80000000 rw\n"
     "thread split 0x40000000 2M\n"
     "thread fault 0x40001000 4K 0x80001000 rw logging\n"},
    {"aging (mkyoung, then test_clear_young or mkold) races a fault in the same table",
     "scenario age-vs-fault\n"
     "setup fault 0x40000000 4K 0x80000000 rw\n"
     "thread access 0x40000000; age 0x40000000 2M\n"
     "thread fault 0x40001000 4K 0x80001000 rw\n"},
    {"a 2 MiB fault replaces a page table with a block (freeing the table) while another fault walks it",
     "scenario block-over-table\n"
     "setup fault 0x40000000 4K 0x80000000 rw\n"
     "thread fault 0x40000000 2M 0x80000000 rw\n"
     "thread fault 0x40001000 4K 0x80001000 rw\n"},
};

std::vector<Scenario> parse_builtins() {
  std::vector<Scenario> out;
  for (const Builtin& b : kBuiltins) {
    StatusOr<Scenario> s = parse_scenario(b.text, "built-in scenario");
    if (!s.ok()) continue;  // never: tests/kernel/scenario_test.cc parses every built-in
    out.push_back(std::move(*s));
    out.back().about = b.about;
  }
  return out;
}

}  // namespace

const std::vector<Scenario>& builtin_scenarios() {
  static const std::vector<Scenario> all = parse_builtins();
  return all;
}

StatusOr<Scenario> find_scenario(std::string_view name) {
  std::string names;
  for (const Scenario& s : builtin_scenarios()) {
    if (s.name == name) return s;
    names += (names.empty() ? "" : ", ") + s.name;
  }
  return bad_input("--scenario '{}': no built-in scenario of that name ({}; or --scenario-file FILE)", name, names);
}

}  // namespace ptx::kernel
