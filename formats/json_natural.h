// SPDX-License-Identifier: BSD-2-Clause
// natural<T>(j): a JSON value read back from a report or a SARIF log (`ptx merge`, report/) as
// the unsigned integer type T: a count, a line, an index. nlohmann's get<T>() converts any number
// it is given, and a float out of T's range (1e76) is undefined behaviour, a negative number wraps:
// the merge of a corrupted file must say so instead (found by shard_merge_fuzz).
#ifndef PTX_FORMATS_JSON_NATURAL_H_
#define PTX_FORMATS_JSON_NATURAL_H_

#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

namespace ptx {

// Is j an integer in [0, 2^64 - 1] (nlohmann keeps a non-negative one as unsigned or signed)?
inline bool is_natural(const nlohmann::json& j) {
  return j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0);
}

// j as a T. Throws nlohmann::json::type_error (which the readers catch as they catch every other
// malformed field) unless j is an integer in [0, the largest T].
template <class T>
T natural(const nlohmann::json& j) {
  if (!is_natural(j) || j.get<uint64_t>() > std::numeric_limits<T>::max()) {
    throw nlohmann::json::type_error::create(302, "expected a natural number, got " + j.dump(), &j);
  }
  return static_cast<T>(j.get<uint64_t>());
}

}  // namespace ptx

#endif  // PTX_FORMATS_JSON_NATURAL_H_
