// SPDX-License-Identifier: BSD-2-Clause
// Building a violation page (page_model.h) from what the explorer found: the memory before the
// section (walked from the section's root), the section, and one violation group. The walks are
// made by the one walker (pagetable/walk.h) in each state: before, after the first k witness
// writes for every k, and after the whole section; descriptors are decoded by
// pagetable/describe.h with the section's rules.
//
// The witness applied step by step is the group's witness, preceded (for a violation found in a
// later barrier epoch) by the section's earlier updates in program order: the replay that reaches
// the observed mapping.
#ifndef PTX_TOOLS_HTML_PAGE_BUILDER_H_
#define PTX_TOOLS_HTML_PAGE_BUILDER_H_

#include <string>

#include "explorer/tables.h"
#include "explorer/totals.h"
#include "explorer/violation_groups.h"
#include "tools/html/page_model.h"

namespace ptx::html {

// `before`: the state before the section, walked as the section's exploration walked it.
// `where`: the section's position text ("vm 1, section 17 (workload.txt:12)").
// REQUIRES: g is a group of s.exploration.
ViolationPage build_page(const Tables& before, const CheckedSection& s, const ViolationGroup& g,
                         const std::string& where);

// The index row of a page written to `file`.
IndexRow index_row(const ViolationPage& page, const ViolationGroup& g, const std::string& file);

}  // namespace ptx::html

#endif  // PTX_TOOLS_HTML_PAGE_BUILDER_H_
