// SPDX-License-Identifier: BSD-2-Clause
// One name table per enum: each library that owns an enum defines
//     inline constexpr EnumNames<SectionPolicy, 2> kSectionPolicyNames{{
//         {SectionPolicy::kSekvm, "sekvm"}, {SectionPolicy::kBatched, "batched"}}};
// once, beside the enum, and every spelling of it (CLI flags through CLI11's CheckedTransformer,
// report and trace JSON through nlohmann, messages) goes through that table.
#ifndef PTX_BASE_ENUM_NAMES_H_
#define PTX_BASE_ENUM_NAMES_H_

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ptx {

template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

template <class E, size_t N>
using EnumNames = std::array<EnumName<E>, N>;

// The name of `e` in `table`, or "?" when it is not listed.
template <class E, size_t N>
constexpr std::string_view enum_name(const EnumNames<E, N>& table, E e) {
  for (const EnumName<E>& n : table) {
    if (n.value == e) return n.name;
  }
  return "?";
}

// The value named `s` (exact, case-sensitive), or nullopt.
template <class E, size_t N>
constexpr std::optional<E> parse_enum(const EnumNames<E, N>& table, std::string_view s) {
  for (const EnumName<E>& n : table) {
    if (n.name == s) return n.value;
  }
  return std::nullopt;
}

// name -> value, the shape CLI11's CheckedTransformer takes.
template <class E, size_t N>
std::map<std::string, E> enum_map(const EnumNames<E, N>& table) {
  std::map<std::string, E> m;
  for (const EnumName<E>& n : table) m.emplace(std::string(n.name), n.value);
  return m;
}

// "a, b or c": the names, for messages.
template <class E, size_t N>
std::string enum_choices(const EnumNames<E, N>& table) {
  std::string s;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) s += i + 1 == N ? " or " : ", ";
    s += table[i].name;
  }
  return s;
}

}  // namespace ptx

#endif  // PTX_BASE_ENUM_NAMES_H_
