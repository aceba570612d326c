// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target: the ptx trace reader (formats/trace.h, through its istream overload) on
// arbitrary bytes; contract checked by fuzz/ptx_trace_oracle.h, whose round trip writes to a
// scratch directory under /dev/shm. Dictionary fuzz/ptx_trace.dict, seeds
// tests/fuzz/corpus/ptx_trace; findings go to tests/fuzz/regressions/ptx_trace (replayed by
// tests/formats/fuzz_regressions_test.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "fuzz/ptx_trace_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& scratch = ptx::fuzz::scratch_dir();
  return ptx::fuzz::verdict("ptx_trace_fuzz", ptx::fuzz::check_trace_input(ptx::fuzz::as_text(data, size), scratch));
}
