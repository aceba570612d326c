// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target: the /proc/PID/maps line parser (workload/proc_maps.h) against a reference,
// and make_from_process over a fake proc root made from the same input (fuzz/proc_maps_oracle.h).
// Dictionary fuzz/proc_maps.dict, seeds tests/fuzz/corpus/proc_maps; findings go to
// tests/fuzz/regressions/proc_maps (replayed by tests/workload/fuzz_regressions_test.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "fuzz/proc_maps_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& scratch = ptx::fuzz::scratch_dir();
  return ptx::fuzz::verdict("proc_maps_fuzz", ptx::fuzz::check_proc_maps_input(ptx::fuzz::as_text(data, size), scratch));
}
