// SPDX-License-Identifier: BSD-2-Clause
// A user's program against the installed ptx (tests/install/check_install.sh builds it twice:
// with CMake through find_package(ptx) and ptx::ptx, and with `pkg-config --cflags --libs ptx`).
// It makes SPEC's first case-table row with the engine — one set_npt of a 4 KiB page on an empty
// VM, four updates PGD PUD PMD PTE — and explores it: 65 sequences, 41 before, 24 after, no
// violation. Headers are included as the ptx sources include them.
#include <cstdint>
#include <cstdio>
#include <vector>

#include "base/number.h"
#include "explorer/explorer.h"
#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "pagetable/npt_image.h"
#include "tools/html/html_page.h"

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  if (!ok) ++failures;
}

}  // namespace

int main() {
  constexpr uint32_t kVmid = 1;
  constexpr uint64_t kIpa = 0x0000'0040'0000'0000ULL;  // pgd 0, pud 1, pmd 0, pte 0
  constexpr uint64_t kPage = 0x40000000ULL | 0x7FF;     // a 4 KiB page descriptor

  ptx::Stage2Engine engine;
  ptx::CriticalSection cs;
  expect(engine.open_section(kVmid, &cs) == ptx::NptError::kOk, "open_section");
  expect(cs.set_npt(kIpa, 3, kPage) == ptx::NptError::kOk, "set_npt level 3");
  const ptx::Section section = cs.close();
  expect(section.updates.size() == 4, "4 updates (PGD PUD PMD PTE)");

  const ptx::NptImage before(ptx::Geometry::sekvm(), ptx::pt_vttbr(kVmid));  // the empty VM
  const std::vector<uint64_t> targets = {kIpa};
  const ptx::Exploration x = ptx::explore(before, section.updates, targets);
  std::printf("sequences %s, before %s, after %s, violations %zu\n", x.sequences.str().c_str(),
              x.targets.at(0).before.str().c_str(), x.targets.at(0).after.str().c_str(),
              x.violations.size());
  expect(x.sequences == 65, "65 sequences");
  expect(x.targets.size() == 1 && x.targets[0].before == 41 && x.targets[0].after == 24 &&
             x.targets[0].other == 0, "41 before, 24 after, 0 other");
  expect(x.ok(), "no violation");

  // Two more libraries, linked through the umbrella: ptx::base and ptx::html.
  expect(ptx::parse_u64("0x1000") == 4096u, "parse_u64");
  expect(ptx::html::html_escape("<a&b>") == "&lt;a&amp;b&gt;", "html_escape");

  std::printf("%s\n", failures == 0 ? "consumer: all checks passed" : "consumer: FAILED");
  return failures == 0 ? 0 : 1;
}
