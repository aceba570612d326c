// SPDX-License-Identifier: BSD-2-Clause
// KeyedPermutation: a seeded pseudo-random bijection of [0, n), computed one element at a time
// in constant memory, for workloads whose order is random but too large to shuffle and hold
// (the qemu-virt generator's scattered RAM faults, workload/qemu_virt.h step 5).
//
// It is a small format-preserving cipher: a four-round Feistel network over the smallest power of
// two >= n (unbalanced halves when the bit count is odd: each round moves the right part, of one
// size, to the left and mixes the other part with a keyed SplitMix64 finalizer of it), and cycle
// walking (an image >= n is encrypted again until it falls below n: the orbit of i < n comes back
// to [0, n), so this ends, on average after fewer than 2 steps). Deterministic from (n, key) on
// every platform. Not a cryptographic permutation: it only shapes workloads.
#ifndef PTX_WORKLOAD_KEYED_PERMUTATION_H_
#define PTX_WORKLOAD_KEYED_PERMUTATION_H_

#include <array>
#include <cstdint>

namespace ptx::workload {

class KeyedPermutation {
 public:
  // A bijection of [0, n) chosen by `key`. REQUIRES: n <= 2^62.
  KeyedPermutation(uint64_t n, uint64_t key);

  uint64_t size() const { return n_; }
  // The image of i, in [0, size()). REQUIRES: i < size().
  uint64_t operator()(uint64_t i) const;

 private:
  static constexpr int kRounds = 4;
  // One pass of the network: a bijection of [0, 2^bits_).
  uint64_t encrypt(uint64_t x) const;

  uint64_t n_;
  int bits_ = 0;  // ceil(log2(n)), at least 1
  std::array<uint64_t, kRounds> keys_{};
};

}  // namespace ptx::workload

#endif  // PTX_WORKLOAD_KEYED_PERMUTATION_H_
