// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target: base/number.h's parse_u64 and parse_hex_digits on arbitrary bytes, checked
// against reference parsers (fuzz/number_oracle.h). Dictionary fuzz/number.dict, seeds
// tests/fuzz/corpus/number; findings go to tests/fuzz/regressions/number (replayed by
// tests/base/fuzz_regressions_test.cc). scripts/fuzz.sh builds and runs it.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "fuzz/number_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return ptx::fuzz::verdict("number_fuzz", ptx::fuzz::check_number_input(ptx::fuzz::as_text(data, size)));
}
