// SPDX-License-Identifier: BSD-2-Clause
// Shard: part I of N of one run (`--shard I/N` of `ptx run` and `ptx schedules`), so that N
// machines (a Slurm job array, a Kubernetes Indexed Job) share one run and `ptx merge` joins
// their reports into the report the unsharded run writes.
//
// The parts are deterministic and disjoint, and together they are the whole: `ptx run` gives
// each unit of work (a workload line: the sections its op made, the findings placed there) to the
// one shard owns(line) names, and each VM's TLB pass, which follows the VM's whole history, to
// shard owns_lane(vm); `ptx schedules` gives schedule n to shard n % N
// (kernel/schedule_report.h). Line ownership is a fixed hash of the line, the same on every
// machine, so that neighbouring lines (one VM's burst of faults) spread over the shards.
#ifndef PTX_BASE_SHARD_H_
#define PTX_BASE_SHARD_H_

#include <cstdint>
#include <string>

#include "base/status.h"

namespace ptx {

struct Shard {
  uint32_t index = 0;  // I: 0 <= index < count
  uint32_t count = 1;  // N: 1 is the whole run

  bool whole() const { return count == 1; }
  // Whether the work placed at `key` (a workload line) is this shard's. Exactly one of the N
  // shards owns each key.
  bool owns(uint64_t key) const { return whole() || mix(key) % count == index; }
  // Whether a whole lane (a VM) is this shard's: lane % N == I.
  bool owns_lane(uint32_t lane) const { return whole() || lane % count == index; }
  // "I/N".
  std::string text() const;

  // SplitMix64's finaliser (Steele, Lea and Flood, OOPSLA 2014): a bijection that spreads
  // consecutive keys.
  static uint64_t mix(uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  friend bool operator==(const Shard&, const Shard&) = default;
};

// Parses "I/N" (decimal, 0 <= I < N, 1 <= N <= 1,000,000). Errors: kBadInput naming `text` and
// the rule it breaks, with `option` (e.g. "--shard") in front.
StatusOr<Shard> parse_shard(const std::string& text, const std::string& option = "--shard");

}  // namespace ptx

#endif  // PTX_BASE_SHARD_H_
