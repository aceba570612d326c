// SPDX-License-Identifier: BSD-2-Clause
// The oracle of scenario_fuzz (kernel/scenario.h's parse_scenario on arbitrary text): never a
// crash; an error is kBadInput naming the source; an accepted scenario written back with
// call_text reads back to the same calls.
#ifndef PTX_FUZZ_SCENARIO_ORACLE_H_
#define PTX_FUZZ_SCENARIO_ORACLE_H_

#include <string>
#include <string_view>

#include "kernel/scenario.h"

namespace ptx::fuzz {

inline std::string scenario_text(const kernel::Scenario& s) {
  std::string t = "scenario " + s.name + "\n";
  for (const ptx_k_call& c : s.setup) t += "setup " + kernel::call_text(c) + "\n";
  for (const auto& thread : s.threads) {
    t += "thread ";
    for (size_t i = 0; i < thread.size(); ++i) t += (i ? "; " : "") + kernel::call_text(thread[i]);
    t += "\n";
  }
  return t;
}

// "" when the contract holds, else what broke. *accepted: the text parsed.
inline std::string check_scenario_input(std::string_view text, bool* accepted = nullptr) {
  StatusOr<kernel::Scenario> s = kernel::parse_scenario(text, "fuzz.scenario");
  if (accepted != nullptr) *accepted = s.ok();
  if (!s.ok()) {
    if (s.status().code() != StatusCode::kBadInput) return "an error that is not kBadInput: " + s.status().to_string();
    if (s.status().message().find("fuzz.scenario") == std::string::npos) return "an error not naming the source";
    return "";
  }
  const std::string again = scenario_text(*s);
  StatusOr<kernel::Scenario> back = kernel::parse_scenario(again, "again");
  if (!back.ok()) return "its own text does not parse: " + back.status().to_string() + "\n" + again;
  if (scenario_text(*back) != again) return "the round trip changed the scenario:\n" + again;
  return "";
}

}  // namespace ptx::fuzz

#endif  // PTX_FUZZ_SCENARIO_ORACLE_H_
