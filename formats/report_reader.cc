// SPDX-License-Identifier: BSD-2-Clause
#include "formats/report_reader.h"

#include "formats/report.h"

namespace ptx::formats {

Status ReportReader::open(const std::string& path) {
  path_ = path;
  in_.open(path, std::ios::binary);
  if (!in_) return bad_input("{} cannot be opened", path);
  std::string first;
  std::getline(in_, first);
  const auto not_report = [&]() {
    return bad_input("{}:1: not a JSON report of ptx run or ptx check (its first line must be the head, ending in "
                     "{}; docs/report.md)", path, kReportSectionsKey);
  };
  if (first.size() < kReportSectionsKey.size() + 2 || first.front() != '{' || !first.ends_with(kReportSectionsKey)) {
    return not_report();
  }
  first.resize(first.size() - kReportSectionsKey.size());
  if (first.back() == ',') first.back() = '}';
  head_ = nlohmann::json::parse(first, nullptr, false);
  if (head_.is_discarded() || !head_.is_object()) return not_report();
  return next();
}

Status ReportReader::next() {
  has_section_ = false;
  if (!std::getline(in_, text_)) return bad_input("{}:{}: the report ends without its closing ]}}", path_, line_ + 1);
  ++line_;
  if (text_ == "]}") return ok_status();
  if (!text_.empty() && text_.back() == ',') text_.pop_back();
  const nlohmann::json j = nlohmann::json::parse(text_, nullptr, false);
  const auto bad = [&]() {
    return bad_input("{}:{}: not a section record (a JSON object with numbers \"vmid\" and \"seq\"; docs/report.md)",
                     path_, line_);
  };
  if (j.is_discarded() || !j.is_object()) return bad();
  const auto vmid = j.find("vmid"), seq = j.find("seq");
  if (vmid == j.end() || seq == j.end() || !vmid->is_number_unsigned() || !seq->is_number_unsigned()) return bad();
  vmid_ = vmid->get<uint32_t>();
  seq_ = seq->get<uint64_t>();
  has_section_ = true;
  return ok_status();
}

}  // namespace ptx::formats
