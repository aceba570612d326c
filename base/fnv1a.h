// SPDX-License-Identifier: BSD-2-Clause
// Fnv1a: the 64-bit FNV-1a hash (Fowler, Noll, Vo), the same on every machine and compiler (unlike
// std::hash): signature ids, schedule trace and outcome hashes, which reports carry from one
// machine to another (`ptx merge`).
//
//   const uint64_t h = Fnv1a().add_text("abc").add_word(42).value();
#ifndef PTX_BASE_FNV1A_H_
#define PTX_BASE_FNV1A_H_

#include <cstdint>
#include <string_view>

namespace ptx {

class Fnv1a {
 public:
  // Each byte of `s`, in order.
  Fnv1a& add_text(std::string_view s) {
    for (const char c : s) add_byte(static_cast<uint8_t>(c));
    return *this;
  }
  // The 8 bytes of `v`, least significant first.
  Fnv1a& add_word(uint64_t v) {
    for (int i = 0; i < 8; ++i) add_byte(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  uint64_t value() const { return h_; }

 private:
  void add_byte(uint8_t b) { h_ = (h_ ^ b) * 0x100000001b3ULL; }
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace ptx

#endif  // PTX_BASE_FNV1A_H_
