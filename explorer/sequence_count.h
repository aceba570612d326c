// Counting the sequences of Coq `sample_and_shuffle_updates` without listing them.
//
// For n updates the Coq function lists every subset in every order: a(n) = sum_k C(n,k) * k!
// lists (1, 2, 5, 16, 65, 326, 1957, 13700, 109601, ... OEIS A000522). a(n) exceeds 2^64 at
// n = 21, so counts are arbitrary precision (Boost.Multiprecision cpp_int).
#ifndef PTX_EXPLORER_SEQUENCE_COUNT_H_
#define PTX_EXPLORER_SEQUENCE_COUNT_H_

#include <cstdint>
#include <string>

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

}  // namespace ptx

#endif  // PTX_EXPLORER_SEQUENCE_COUNT_H_
