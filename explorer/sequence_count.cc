// a(n) = sum_k C(n,k) k! (OEIS A000522), the length of Coq `sample_and_shuffle_updates` on n
// updates; see explorer/sequence_count.h.
//
// Recurrence: a(0) = 1, a(n) = n * a(n-1) + 1: a list of distinct updates taken from n is either
// empty, or starts with one of the n updates followed by a list taken from the other n-1.
#include "explorer/sequence_count.h"

#include <deque>
#include <mutex>

namespace ptx {

const BigCount& sequence_count(size_t n) {
  // A deque never moves its elements on push_back, so returned references stay valid while other
  // threads extend the table.
  static std::mutex mu;
  static std::deque<BigCount> table{BigCount(1)};
  std::lock_guard<std::mutex> lock(mu);
  while (table.size() <= n) {
    const size_t k = table.size();
    table.push_back(BigCount(k) * table.back() + 1);
  }
  return table[n];
}

std::string to_string(const BigCount& c) { return c.str(); }

}  // namespace ptx
