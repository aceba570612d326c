// SPDX-License-Identifier: BSD-2-Clause
// SectionPolicy: how many leaf writes one critical section of the engine may make, and its one
// name table (CLI flags, reports and traces spell it through kSectionPolicyNames).
#ifndef PTX_PAGETABLE_SECTION_POLICY_H_
#define PTX_PAGETABLE_SECTION_POLICY_H_

#include <cstdint>
#include <string_view>

#include "base/enum_names.h"

namespace ptx {

enum class SectionPolicy : uint8_t {
  kSekvm,    // SeKVM: one set_pmd/set_pte per section (tstate), SPEC §4.4. The default.
  kBatched,  // any number of leaf writes per section, e.g. a range map under one lock/barrier.
};

inline constexpr EnumNames<SectionPolicy, 2> kSectionPolicyNames{{
    {SectionPolicy::kSekvm, "sekvm"},
    {SectionPolicy::kBatched, "batched"},
}};

constexpr std::string_view section_policy_name(SectionPolicy p) {
  return enum_name(kSectionPolicyNames, p);
}

}  // namespace ptx

#endif  // PTX_PAGETABLE_SECTION_POLICY_H_
