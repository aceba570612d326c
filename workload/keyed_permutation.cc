// SPDX-License-Identifier: BSD-2-Clause
#include "workload/keyed_permutation.h"

#include <cassert>

#include "workload/rng.h"

namespace ptx::workload {
namespace {

uint64_t low_bits(int n) { return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; }

}  // namespace

KeyedPermutation::KeyedPermutation(uint64_t n, uint64_t key) : n_(n) {
  assert(n <= uint64_t{1} << 62);
  bits_ = 1;
  while (bits_ < 63 && (uint64_t{1} << bits_) < n) ++bits_;
  SplitMix64 rng(key);
  for (uint64_t& k : keys_) k = rng.next();
}

// x = (left, right) with right of `r` bits; a round makes (right, left ^ F(right)), whose right
// part has the old left's size. Inverse: left = right' ^ F(left'), so each round is a bijection.
uint64_t KeyedPermutation::encrypt(uint64_t x) const {
  int r = bits_ / 2;
  for (uint64_t k : keys_) {
    const int l = bits_ - r;
    const uint64_t right = x & low_bits(r);
    const uint64_t left = x >> r;
    x = (right << l) | ((left ^ SplitMix64::mix(right ^ k)) & low_bits(l));
    r = l;
  }
  return x;
}

uint64_t KeyedPermutation::operator()(uint64_t i) const {
  assert(i < n_);
  uint64_t x = i;
  do {
    x = encrypt(x);
  } while (x >= n_);
  return x;
}

}  // namespace ptx::workload
