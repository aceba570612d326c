// Names of the engine's section policies on the command line and in reports and traces.
#ifndef PTX_TOOLS_PTX_SECTION_POLICY_H_
#define PTX_TOOLS_PTX_SECTION_POLICY_H_

#include <string_view>

#include "pagetable/engine.h"

namespace ptx::cli {

constexpr std::string_view section_policy_name(SectionPolicy p) {
  return p == SectionPolicy::kSekvm ? "sekvm" : "batched";
}

inline bool parse_section_policy(std::string_view s, SectionPolicy* out) {
  if (s == "sekvm") {
    *out = SectionPolicy::kSekvm;
  } else if (s == "batched") {
    *out = SectionPolicy::kBatched;
  } else {
    return false;
  }
  return true;
}

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_SECTION_POLICY_H_
