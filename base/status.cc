// SPDX-License-Identifier: BSD-2-Clause
#include "base/status.h"

namespace ptx {

std::string_view status_code_name(StatusCode c) {
  switch (c) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kBadInput: return "bad-input";
    case StatusCode::kIoError: return "io-error";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kInterrupted: return "interrupted";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string s;
  if (!position_.source.empty()) s += position_.source + ":";
  if (position_.line != 0) s += std::to_string(position_.line) + ":";
  if (position_.column != 0) s += std::to_string(position_.column) + ":";
  if (!s.empty()) s += " ";
  return s + message_;
}

}  // namespace ptx
