// SPDX-License-Identifier: BSD-2-Clause
// a(n) = sum_k C(n,k) k! (OEIS A000522), the length of Coq `sample_and_shuffle_updates` on n
// updates; see explorer/sequence_count.h.
//
// Recurrence: a(0) = 1, a(n) = n * a(n-1) + 1: a list of distinct updates taken from n is either
// empty, or starts with one of the n updates followed by a list taken from the other n-1.
#include "explorer/sequence_count.h"

#include <deque>
#include <limits>
#include <ostream>
#include <mutex>
#include <vector>

namespace ptx {

namespace {

// a(0..kPrecomputed-1), built once (thread-safe static initialisation) and immutable after: the
// hot path of the explorer reads it without a lock.
constexpr size_t kPrecomputed = 1024;

const std::vector<BigCount>& precomputed() {
  static const std::vector<BigCount> table = [] {
    std::vector<BigCount> t;
    t.reserve(kPrecomputed);
    t.emplace_back(1);
    for (size_t k = 1; k < kPrecomputed; ++k) t.push_back(BigCount(k) * t.back() + 1);
    return t;
  }();
  return table;
}

}  // namespace

const BigCount& sequence_count(size_t n) {
  if (n < kPrecomputed) return precomputed()[n];
  // Beyond the table: a deque never moves its elements on push_back, so returned references stay
  // valid while other threads extend it.
  static std::mutex mu;
  static std::deque<BigCount> table;
  std::lock_guard<std::mutex> lock(mu);
  if (table.empty()) table.push_back(precomputed().back());  // a(kPrecomputed - 1)
  while (kPrecomputed - 1 + table.size() <= n) {
    const size_t k = kPrecomputed - 1 + table.size();
    table.push_back(BigCount(k) * table.back() + 1);
  }
  return table[n - (kPrecomputed - 1)];
}

std::string to_string(const BigCount& c) { return c.str(); }

std::string short_count(const BigCount& c) {
  const std::string s = c.str();
  if (s.size() <= 15) return s;
  return s.substr(0, 1) + "." + s.substr(1, 2) + "e+" + std::to_string(s.size() - 1);
}

void ExactCount::assign(BigCount&& v) {
  if (v <= std::numeric_limits<uint64_t>::max()) {
    small_ = v.convert_to<uint64_t>();
    big_.reset();
  } else {
    small_ = 0;
    big_ = std::make_shared<const BigCount>(std::move(v));
  }
}

ExactCount& ExactCount::operator+=(const ExactCount& o) {
  if (o == 0) return *this;
  if (*this == 0) return *this = o;  // share o's digits
  if (fits_u64() && o.fits_u64() && small_ <= std::numeric_limits<uint64_t>::max() - o.small_) {
    small_ += o.small_;
    return *this;
  }
  assign(value() + o.value());
  return *this;
}

std::strong_ordering operator<=>(const ExactCount& a, const ExactCount& b) {
  if (a.fits_u64() && b.fits_u64()) return a.small_ <=> b.small_;
  if (a.fits_u64() != b.fits_u64()) return a.fits_u64() ? std::strong_ordering::less : std::strong_ordering::greater;
  const int c = a.big_->compare(*b.big_);
  return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
}

std::ostream& operator<<(std::ostream& os, const ExactCount& c) { return os << to_string(c); }

}  // namespace ptx
