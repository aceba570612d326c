#include "pagetable/update.h"

#include <cctype>
#include <string>

namespace ptx {

std::string_view update_kind_name(UpdateKind k) {
  switch (k) {
    case UpdateKind::kPgd: return "PGD";
    case UpdateKind::kPud: return "PUD";
    case UpdateKind::kPmd: return "PMD";
    case UpdateKind::kPte: return "PTE";
  }
  return "?";
}

bool parse_update_kind(std::string_view s, UpdateKind* out) {
  std::string up(s);
  for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (UpdateKind k : {UpdateKind::kPgd, UpdateKind::kPud, UpdateKind::kPmd, UpdateKind::kPte}) {
    if (up == update_kind_name(k)) {
      *out = k;
      return true;
    }
  }
  return false;
}

}  // namespace ptx
