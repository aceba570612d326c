// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target: kernel/scenario.h's parse_scenario (the scenario files of `ptx schedules`) on
// arbitrary bytes, with the round-trip oracle of fuzz/scenario_oracle.h. Dictionary
// fuzz/scenario.dict, seeds tests/fuzz/corpus/scenario; findings go to
// tests/fuzz/regressions/scenario (replayed by tests/kernel/fuzz_regressions_test.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "fuzz/scenario_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return ptx::fuzz::verdict("scenario_fuzz", ptx::fuzz::check_scenario_input(ptx::fuzz::as_text(data, size)));
}
