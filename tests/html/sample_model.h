// SPDX-License-Identifier: BSD-2-Clause
// Two hand-made violation groups for the HTML tests (html_page_test, html_sample_pages).
//
// dirty_table_sample(): vm 1 maps IPA 0x40000000 -> page 0x80000000 through two reused, dirty
// table pages (4 levels, 4 KiB granule: PGD 0x10000, PUD 0x11000, PMD 0x12000, PTE 0x13000).
// The PMD page still holds a stale link to an old PTE table 0x14000, the PTE page a stale page
// descriptor. The section clears both stale entries, but a list that links the pages before
// clearing them lets the walk reach a stale page: witness [#2, #0, #3] =
//   step 1  link the PUD entry -> the stale PMD link -> stale page 0x95000000   (wrong translation)
//   step 2  clear the stale PMD link                  -> fault (= before)
//   step 3  link the new PTE table -> stale page 0x90000000 not yet cleared     (wrong translation)
//
// break_before_make_sample(): a 2 MiB block remapped with break-before-make; the list with only
// the break leaves a fault (a transient-fault group).
#ifndef PTX_TESTS_HTML_SAMPLE_MODEL_H_
#define PTX_TESTS_HTML_SAMPLE_MODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/html/page_model.h"

namespace ptx::html::testing {

inline EntryView entry(int level, uint64_t address, uint64_t value, std::string decoded,
                       bool changed = false, bool by_witness = false) {
  static const char* const kKinds[] = {"PGD", "PUD", "PMD", "PTE"};
  return EntryView{level, kKinds[level], address, value, std::move(decoded), changed, by_witness};
}

inline UpdateView update(uint32_t index, int level, uint64_t address, uint64_t old_value,
                         uint64_t new_value, std::string old_decoded, std::string new_decoded,
                         bool in_witness) {
  static const char* const kKinds[] = {"PGD", "PUD", "PMD", "PTE"};
  return UpdateView{index,     kKinds[level],          level,
                    address,   old_value,              new_value,
                    std::move(old_decoded), std::move(new_decoded), in_witness};
}

inline WalkView wrong(std::vector<EntryView> path, uint64_t leaf, const char* result) {
  return WalkView{std::move(path), result, leaf, "observed (wrong translation)"};
}

inline ViolationPage dirty_table_sample() {
  const EntryView pgd = entry(0, 0x10000, 0x11003, "table -> 0x11000");
  ViolationPage p;
  p.title = "ptx violation: vm 1, section 17, IPA 0x40000000";
  p.section = "vm 1, section 17 (workload.txt:12)";
  p.verdict_class = "wrong-translation";
  p.ipa = 0x40000000;
  p.ipa_range = "0x40000000-0x40000fff (4096 IPAs)";
  p.lists = "84 of 326 lists";
  p.updates = {
      update(0, 2, 0x12000, 0x14003, 0x0, "table -> 0x14000 (stale)", "invalid", true),
      update(1, 3, 0x13000, 0x90000747, 0x0, "page 0x90000000 RW (stale)", "invalid", false),
      update(2, 1, 0x11008, 0x0, 0x12003, "invalid", "table -> 0x12000", true),
      update(3, 2, 0x12000, 0x0, 0x13003, "invalid", "table -> 0x13000", true),
      update(4, 3, 0x13000, 0x0, 0x80000747, "invalid", "page 0x80000000 RW", false),
  };
  p.witness = {2, 0, 3};
  p.before = WalkView{{pgd, entry(1, 0x11008, 0x0, "invalid")}, "no mapping (fault)", 0, "before"};
  p.after = WalkView{{pgd, entry(1, 0x11008, 0x12003, "table -> 0x12000", true, true),
                      entry(2, 0x12000, 0x13003, "table -> 0x13000", true, true),
                      entry(3, 0x13000, 0x80000747, "page 0x80000000 RW", true, false)},
                     "maps 0x80000000 (page)", 0x80000747, "after"};
  p.steps = {
      p.before,
      wrong({pgd, entry(1, 0x11008, 0x12003, "table -> 0x12000", true, true),
             entry(2, 0x12000, 0x14003, "table -> 0x14000"),
             entry(3, 0x14000, 0x95000747, "page 0x95000000 RW")},
            0x95000747, "maps 0x95000000 (page)"),
      WalkView{{pgd, entry(1, 0x11008, 0x12003, "table -> 0x12000", true, true),
                entry(2, 0x12000, 0x0, "invalid", true, true)},
               "no mapping (fault)", 0, "before"},
      wrong({pgd, entry(1, 0x11008, 0x12003, "table -> 0x12000", true, true),
             entry(2, 0x12000, 0x13003, "table -> 0x13000", true, true),
             entry(3, 0x13000, 0x90000747, "page 0x90000000 RW")},
            0x90000747, "maps 0x90000000 (page)"),
  };
  return p;
}

inline ViolationPage break_before_make_sample() {
  const EntryView pgd = entry(0, 0x10000, 0x11003, "table -> 0x11000");
  const EntryView pud = entry(1, 0x11008, 0x12003, "table -> 0x12000");
  ViolationPage p;
  p.title = "ptx violation: vm 1, section 18, IPA 0x40400000";
  p.section = "vm 1, section 18 (workload.txt:15)";
  p.verdict_class = "transient-fault";
  p.ipa = 0x40400000;
  p.ipa_range = "0x40400000-0x405fffff (2097152 IPAs)";
  p.lists = "1 of 5 lists";
  p.updates = {
      update(0, 2, 0x12010, 0x60000741, 0x0, "block 0x60000000 RW", "invalid", true),
      update(1, 2, 0x12010, 0x0, 0x70000741, "invalid", "block 0x70000000 RW", false),
  };
  p.witness = {0};
  p.before = WalkView{{pgd, pud, entry(2, 0x12010, 0x60000741, "block 0x60000000 RW")},
                      "maps 0x60000000 (block)", 0x60000741, "before"};
  p.after = WalkView{{pgd, pud, entry(2, 0x12010, 0x70000741, "block 0x70000000 RW", true)},
                     "maps 0x70000000 (block)", 0x70000741, "after"};
  p.steps = {p.before,
             WalkView{{pgd, pud, entry(2, 0x12010, 0x0, "invalid", true, true)},
                      "no mapping (fault)", 0, "observed (transient fault)"}};
  return p;
}

inline std::vector<IndexRow> sample_index_rows() {
  return {
      {"vm1-section17-ipa0x40000000.html", "vm 1, section 17 (workload.txt:12)",
       "wrong-translation", "0x40000000-0x40000fff (4096 IPAs)", "84 of 326 lists", 4096},
      {"vm1-section18-ipa0x40400000.html", "vm 1, section 18 (workload.txt:15)", "transient-fault",
       "0x40400000-0x405fffff (2097152 IPAs)", "1 of 5 lists", 2097152},
  };
}

}  // namespace ptx::html::testing

#endif  // PTX_TESTS_HTML_SAMPLE_MODEL_H_
