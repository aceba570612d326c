// SPDX-License-Identifier: BSD-2-Clause
#include "pagetable/update.h"

#include <cctype>
#include <string>

namespace ptx {

bool parse_update_kind(std::string_view s, UpdateKind* out) {
  std::string up(s);
  for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::optional<UpdateKind> k = parse_enum(kUpdateKindNames, up);
  if (k) *out = *k;
  return k.has_value();
}

}  // namespace ptx
