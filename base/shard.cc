// SPDX-License-Identifier: BSD-2-Clause
#include "base/shard.h"

#include <fmt/format.h>

#include "base/number.h"

namespace ptx {

std::string Shard::text() const { return fmt::format("{}/{}", index, count); }

StatusOr<Shard> parse_shard(const std::string& text, const std::string& option) {
  const size_t slash = text.find('/');
  const auto bad = [&](const char* why) {
    return bad_input("{} '{}': {} (I/N: shard I of N, 0 <= I < N)", option, text, why);
  };
  if (slash == std::string::npos) return bad("no '/'");
  const std::optional<uint64_t> i = parse_u64(std::string_view(text).substr(0, slash));
  const std::optional<uint64_t> n = parse_u64(std::string_view(text).substr(slash + 1));
  if (!i || !n) return bad("not two numbers");
  if (*n == 0 || *n > 1000000 || *i >= *n) return bad("I must be below N, and N 1..1000000");
  return Shard{static_cast<uint32_t>(*i), static_cast<uint32_t>(*n)};
}

}  // namespace ptx
