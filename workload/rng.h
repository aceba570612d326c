// SPDX-License-Identifier: BSD-2-Clause
// SplitMix64: a tiny deterministic generator (same sequence on every platform and library),
// used by the workload generators instead of <random> distributions, whose output is
// implementation-defined.
#ifndef PTX_WORKLOAD_RNG_H_
#define PTX_WORKLOAD_RNG_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace ptx::workload {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() { return mix(state_ += 0x9E3779B97F4A7C15ULL); }
  // SplitMix64's finalizer: a bijection of 64-bit words in which every input bit reaches every
  // output bit (also the round function of keyed_permutation.h).
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for workload shaping. REQUIRES: n > 0.
  uint64_t below(uint64_t n) { return next() % n; }

  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  uint64_t state_;
};

}  // namespace ptx::workload

#endif  // PTX_WORKLOAD_RNG_H_
