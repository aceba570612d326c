// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target: the TLB pass (tlb/tlb_pass.h) folded over the event stream the bytes choose,
// checked against the brute-force model and the TPT check without it (fuzz/tlb_fold_oracle.h).
// Seeds tests/fuzz/corpus/tlb_fold; findings go to tests/fuzz/regressions/tlb_fold (replayed by
// tests/tlb/fuzz_regressions_test.cc). scripts/fuzz.sh builds and runs it.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "fuzz/tlb_fold_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return ptx::fuzz::verdict("tlb_fold_fuzz", ptx::fuzz::check_tlb_fold(ptx::fuzz::as_text(data, size)));
}
