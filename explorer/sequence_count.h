// SPDX-License-Identifier: BSD-2-Clause
// Counting the sequences of Coq `sample_and_shuffle_updates` without listing them.
//
// For n updates the Coq function lists every subset in every order: a(n) = sum_k C(n,k) * k!
// lists (1, 2, 5, 16, 65, 326, 1957, 13700, 109601, ... OEIS A000522). a(n) exceeds 2^64 at
// n = 21, so counts are arbitrary precision (Boost.Multiprecision cpp_int).
#ifndef PTX_EXPLORER_SEQUENCE_COUNT_H_
#define PTX_EXPLORER_SEQUENCE_COUNT_H_

#include <compare>
#include <concepts>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <type_traits>

#include <boost/multiprecision/cpp_int.hpp>

namespace ptx {

using BigCount = boost::multiprecision::cpp_int;

// a(n) = sum_{k=0..n} C(n,k) k! = the length of sample_and_shuffle_updates on n updates.
// Exact for every n (memoised; a(n) = n * a(n-1) + 1).
const BigCount& sequence_count(size_t n);

// Decimal text of a count.
std::string to_string(const BigCount& c);
// For people: the decimal text up to 15 digits, else its first digits and exponent, e.g.
// "3.44e+89" (a(64), digits truncated); reports keep the exact to_string().
std::string short_count(const BigCount& c);

// An exact count that is cheap to copy: a value below 2^64 is held inline, a larger one in an
// immutable BigCount shared by every copy. A batched section of n leaves has n address classes
// whose counts are the same few a(n)-sized numbers (~n log2 n bits each); as BigCounts each class
// held its own copies, which made exploring (and reporting) n leaves cost O(n^2 log n) time and
// memory. Counts compare, add and print by value, as BigCount does: the representation is
// canonical (inline exactly when the value fits 64 bits), so two equal counts compare equal
// whether or not they share storage. Counts are never negative.
class ExactCount {
 public:
  ExactCount() = default;
  template <std::integral I>
  ExactCount(I v) : small_(static_cast<uint64_t>(v)) {}  // NOLINT: a count from a literal; REQUIRES v >= 0
  ExactCount(const BigCount& v) { assign(BigCount(v)); }  // NOLINT: as BigCount did
  ExactCount(BigCount&& v) { assign(std::move(v)); }      // NOLINT
  // A Boost.Multiprecision expression (e.g. a(n) - a(n-1)), evaluated.
  template <class E>
    requires boost::multiprecision::is_number_expression<E>::value
  ExactCount(const E& e) {  // NOLINT
    assign(BigCount(e));
  }

  bool fits_u64() const { return big_ == nullptr; }
  uint64_t u64() const { return small_; }  // REQUIRES: fits_u64()
  BigCount value() const { return big_ ? *big_ : BigCount(small_); }
  // BigCount's own accessors, for code written against the BigCount fields Counts had.
  std::string str() const { return value().str(); }
  template <class T>
  T convert_to() const {
    return value().convert_to<T>();
  }

  ExactCount& operator+=(const ExactCount& o);
  friend BigCount operator+(const ExactCount& a, const ExactCount& b) { return a.value() + b.value(); }
  friend BigCount operator-(const ExactCount& a, const ExactCount& b) { return a.value() - b.value(); }
  friend bool operator==(const ExactCount& a, const ExactCount& b) {
    if (a.big_ == nullptr || b.big_ == nullptr) return a.big_ == b.big_ && a.small_ == b.small_;
    return a.big_ == b.big_ || *a.big_ == *b.big_;
  }
  friend std::strong_ordering operator<=>(const ExactCount& a, const ExactCount& b);
  friend std::string to_string(const ExactCount& c) { return to_string(c.value()); }
  friend std::ostream& operator<<(std::ostream& os, const ExactCount& c);

 private:
  void assign(BigCount&& v);

  uint64_t small_ = 0;
  std::shared_ptr<const BigCount> big_;  // set exactly when the value is 2^64 or more
};

}  // namespace ptx

#endif  // PTX_EXPLORER_SEQUENCE_COUNT_H_
