// SPDX-License-Identifier: BSD-2-Clause
// The oracle of shard_merge_fuzz: `ptx merge`'s readers of a shard's outputs (report/
// report_merge.h over formats/report_reader.h, report/sarif_merge.h) on arbitrary bytes, taken as
// the one shard of a run (a report, and when it is JSON, a SARIF log). Never a crash; an error is
// kBadInput (or kIoError); a joined report reads back whole, has no "shard", counts its signatures,
// and joining the same input again gives the same bytes; a joined SARIF log has no "ptxShard".
#ifndef PTX_FUZZ_SHARD_MERGE_ORACLE_H_
#define PTX_FUZZ_SHARD_MERGE_ORACLE_H_

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "formats/report_reader.h"
#include "report/report_merge.h"
#include "report/sarif_merge.h"

namespace ptx::fuzz {

inline std::string shard_merge_read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string shard_merge_error(const Status& st) {
  if (st.code() == StatusCode::kBadInput || st.code() == StatusCode::kIoError) return "";
  return "an error that is neither kBadInput nor kIoError: " + st.to_string();
}

// The joined report `out` reads back whole and is what its head says.
inline std::string check_joined_report(const nlohmann::json& head, const std::string& out) {
  formats::ReportReader r;
  if (Status st = r.open(out); !st.ok()) return "the joined report does not read back: " + st.to_string();
  while (r.has_section()) {
    if (Status st = r.next(); !st.ok()) return "a joined section does not read back: " + st.to_string();
  }
  if (r.head().contains("shard")) return "the joined report still names a shard";
  if (r.head() != head) return "the joined report's head is not the one returned";
  if (head.contains("signatures") && head["summary"]["signatures"] != head["signatures"].size()) {
    return "summary.signatures is not the signatures' count";
  }
  return "";
}

inline std::string check_report_bytes(std::string_view bytes, const std::string& dir, bool* accepted) {
  const std::string in = dir + "/shard.json", out = dir + "/joined.json", again = dir + "/again.json";
  std::ofstream(in, std::ios::binary | std::ios::trunc) << bytes;
  StatusOr<nlohmann::json> head = report::merge_run_reports({in}, out);
  if (!head.ok()) {
    if (std::filesystem::exists(out)) return "a failed join left its output behind";
    return shard_merge_error(head.status());
  }
  *accepted = true;
  if (std::string p = check_joined_report(*head, out); !p.empty()) return p;
  StatusOr<nlohmann::json> head2 = report::merge_run_reports({in}, again);
  if (!head2.ok() || shard_merge_read(out) != shard_merge_read(again)) return "joining the same shard twice differs";
  std::filesystem::remove(out);
  std::filesystem::remove(again);
  return "";
}

inline std::string check_sarif_bytes(std::string_view bytes, bool* accepted) {
  const nlohmann::json log = nlohmann::json::parse(bytes, nullptr, false);
  if (log.is_discarded()) return "";
  StatusOr<nlohmann::json> joined = report::merge_sarif_logs({log}, {"fuzz.sarif"});
  if (!joined.ok()) return shard_merge_error(joined.status());
  *accepted = true;
  const nlohmann::json& run = joined->at("runs").at(0);
  if (run.contains("properties") && run["properties"].contains("ptxShard")) return "the joined log still names a shard";
  StatusOr<nlohmann::json> again = report::merge_sarif_logs({log}, {"fuzz.sarif"});
  if (!again.ok() || *again != *joined) return "joining the same log twice differs";
  return "";
}

// "" when the contract holds, else what broke. *accepted: joined as a report or as a SARIF log.
inline std::string check_shard_merge_input(std::string_view bytes, const std::string& dir, bool* accepted = nullptr) {
  bool ok = false;
  if (std::string p = check_report_bytes(bytes, dir, &ok); !p.empty()) return "report: " + p;
  if (std::string p = check_sarif_bytes(bytes, &ok); !p.empty()) return "sarif: " + p;
  if (accepted != nullptr) *accepted = ok;
  return "";
}

}  // namespace ptx::fuzz

#endif  // PTX_FUZZ_SHARD_MERGE_ORACLE_H_
