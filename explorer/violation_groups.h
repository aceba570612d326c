// SPDX-License-Identifier: BSD-2-Clause
// Violation groups: the violations of one explored section that show the same thing — the same
// (before, after, observed) mappings and class — gathered into one group, with the number of IPAs
// (pages) it affects and of update lists that expose it, and one smallest witness. A section that
// breaks one mapping for 512 IPAs of a 2 MiB range is then one group of 512 IPAs, not 512 lines.
#ifndef PTX_EXPLORER_VIOLATION_GROUPS_H_
#define PTX_EXPLORER_VIOLATION_GROUPS_H_

#include <cstdint>
#include <vector>

#include "explorer/exploration.h"

namespace ptx {

struct ViolationGroup {
  uint64_t before = 0, after = 0, observed = 0;
  ViolationClass cls = ViolationClass::kWrongTranslation;
  std::vector<size_t> members;  // indexes into Exploration::violations, ascending
  uint64_t ipas = 0;            // pages in the members' address classes
  BigCount lists = 0;           // sum of the members' sequences (over several classes: NOT a count
                                // of distinct lists, and may exceed a(n); see lists_text)
  BigCount max_lists = 0;       // the largest member's sequences: at most a(n)
  uint64_t first_ipa = 0;       // the lowest and highest member representative
  uint64_t last_ipa = 0;
  size_t witness = 0;           // the member with the smallest witness (fewest updates, then lowest)
};

// The groups of x's violations, in order of their first member (so by IPA).
std::vector<ViolationGroup> group_violations(const Exploration& x);

// How many of x's a(n) update lists expose group `g`, as a count never above a(n): one address
// class, "84 of 109601 update lists"; several, "up to 84 of 109601 update lists in each of its 3
// address classes" (a list exposing one class may or may not expose another: the distinct lists
// are not counted). `unit`: the noun ("update lists", or "lists" on a page).
std::string lists_text(const ViolationGroup& g, const Exploration& x, const char* unit = "update lists");

}  // namespace ptx

#endif  // PTX_EXPLORER_VIOLATION_GROUPS_H_
