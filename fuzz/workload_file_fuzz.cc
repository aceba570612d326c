// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target: the workload file parser (workload/workload_file.h) on arbitrary bytes, the
// first byte choosing sekvm or batched sections; contract checked by fuzz/workload_file_oracle.h.
// Dictionary fuzz/workload_file.dict, seeds tests/fuzz/corpus/workload_file; findings go to
// tests/fuzz/regressions/workload_file (replayed by tests/workload/fuzz_regressions_test.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "fuzz/workload_file_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return ptx::fuzz::verdict("workload_file_fuzz", ptx::fuzz::check_workload_input(ptx::fuzz::as_text(data, size)));
}
