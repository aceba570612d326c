// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target: `ptx merge`'s readers of a shard's report and SARIF log on arbitrary bytes,
// with the oracle of fuzz/shard_merge_oracle.h. Dictionary fuzz/shard_merge.dict, seeds
// tests/fuzz/corpus/shard_merge; findings go to tests/fuzz/regressions/shard_merge (replayed by
// tests/report/fuzz_regressions_test.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "fuzz/shard_merge_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return ptx::fuzz::verdict("shard_merge_fuzz",
                            ptx::fuzz::check_shard_merge_input(ptx::fuzz::as_text(data, size), ptx::fuzz::scratch_dir()));
}
