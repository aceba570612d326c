// SPDX-License-Identifier: BSD-2-Clause
// ReportReader: reads back a JSON report of `ptx run` / `ptx check` (formats/report.h) as it was
// written: the head (every member but "sections") at once, then the section records one at a
// time, so that a report of millions of sections (--report-all) is never held in memory. Used by
// `ptx merge` (report/report_merge.h).
//
//   ReportReader r;
//   PTX_RETURN_IF_ERROR(r.open("shard0.json"));
//   const nlohmann::json& head = r.head();
//   while (r.has_section()) { use(r.section_text(), r.vmid(), r.seq()); PTX_RETURN_IF_ERROR(r.next()); }
#ifndef PTX_FORMATS_REPORT_READER_H_
#define PTX_FORMATS_REPORT_READER_H_

#include <cstdint>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace ptx::formats {

class ReportReader {
 public:
  // Opens `path` and reads its head and first section. Errors: kBadInput naming `path` when it
  // cannot be opened, or is not laid out as report.h says (head line, then one record a line);
  // then as next().
  Status open(const std::string& path);

  const nlohmann::json& head() const { return head_; }
  // Whether a section is current (false after the last).
  bool has_section() const { return has_section_; }
  // The current section's record as written (one line, no comma), and its "vmid" and "seq".
  const std::string& section_text() const { return text_; }
  uint32_t vmid() const { return vmid_; }
  uint64_t seq() const { return seq_; }
  // Moves to the next section. Errors: kBadInput naming the file and line: a record that is not a
  // JSON object with a numeric vmid and seq, or a report cut short (no closing "]}").
  Status next();

 private:
  std::string path_;
  std::ifstream in_;
  nlohmann::json head_;
  std::string text_;
  uint32_t vmid_ = 0;
  uint64_t seq_ = 0;
  uint64_t line_ = 1;
  bool has_section_ = false;
};

}  // namespace ptx::formats

#endif  // PTX_FORMATS_REPORT_READER_H_
