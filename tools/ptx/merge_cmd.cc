// SPDX-License-Identifier: BSD-2-Clause
#include "tools/ptx/merge_cmd.h"

#include <cstdio>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "formats/atomic_file.h"
#include "formats/json_natural.h"
#include "kernel/schedule_report.h"
#include "report/report_merge.h"
#include "report/sarif_merge.h"
#include "tools/ptx/schedules_cmd.h"

namespace ptx::cli {
namespace {

constexpr int kExitOk = 0, kExitFindings = 1;

// What a file given to `ptx merge` is, read from it.
enum class Kind { kSchedules, kRunReport, kSarif };

struct Input {
  std::string path;
  Kind kind = Kind::kSchedules;
  nlohmann::json doc;  // a schedules report or SARIF log, read whole (small); a run report is streamed
};

StatusOr<Input> read_input(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad_input("ptx merge: {} cannot be opened", path);
  std::string first;
  std::getline(in, first);
  if (first != "{") return Input{path, Kind::kRunReport, nullptr};  // a run report's head is one line
  in.seekg(0);
  Input i{path, Kind::kSchedules, nlohmann::json::parse(in, nullptr, false)};
  if (i.doc.is_discarded() || !i.doc.is_object()) return bad_input("ptx merge: {} is not JSON", path);
  if (i.doc.contains("runs") && i.doc.contains("version")) i.kind = Kind::kSarif;
  return i;
}

StatusOr<int> merge_schedules(const std::vector<Input>& inputs, const MergeArgs& a) {
  std::vector<kernel::ScheduleReport> shards;
  std::vector<std::string> names;
  for (const Input& i : inputs) {
    PTX_ASSIGN_OR_RETURN(kernel::ScheduleReport r, kernel::schedule_report_from_json(i.doc, i.path));
    shards.push_back(std::move(r));
    names.push_back(i.path);
  }
  PTX_ASSIGN_OR_RETURN(kernel::ScheduleReport m, kernel::merge_schedule_reports(shards, names));
  std::fputs(schedule_report_text(m).c_str(), stdout);
  if (!a.json.empty()) {
    PTX_RETURN_IF_ERROR(formats::write_file_atomically(a.json, kernel::schedule_report_json(m).dump(2) + "\n"));
  }
  return m.summary.errors == 0 ? kExitOk : kExitFindings;
}

// The joined run's summary: its counts and its signatures, from the joined report's head.
std::string run_text(const nlohmann::json& head, size_t shards) {
  const nlohmann::json& s = head.at("summary");
  std::string t = fmt::format("ptx merge: {} shards of one run of {}\n", shards, head.value("source", std::string("?")));
  t += fmt::format("sections {}, updates {}, violations {} in {} sections ({} transient faults, {} wrong translations), "
                   "findings {}\n", s.at("sections").dump(), s.at("updates").dump(), s.at("violations").dump(),
                   s.at("violating_sections").dump(), s.at("transient_faults").dump(), s.at("wrong_translations").dump(),
                   s.at("findings").dump());
  if (s.contains("tlb")) t += fmt::format("TLB: {} errors, {} warnings\n", s["tlb"].at("errors").dump(), s["tlb"].at("warnings").dump());
  const nlohmann::json sigs = head.value("signatures", nlohmann::json::array());
  t += fmt::format("signatures: {}\n", sigs.size());
  for (const nlohmann::json& g : sigs) {
    t += fmt::format("  {:<10} {:<8} {:<24} {:>9} {:>12}  first {}\n", g.at("id").get<std::string>(),
                     g.at("severity").get<std::string>(), g.at("verdict").get<std::string>(), g.at("sections").dump(),
                     g.at("occurrences").dump(), g.at("first").dump());
  }
  return t;
}

StatusOr<int> merge_runs(const std::vector<Input>& inputs, const MergeArgs& a) {
  std::vector<std::string> reports, logs_names;
  std::vector<nlohmann::json> logs;
  for (const Input& i : inputs) {
    if (i.kind == Kind::kRunReport) reports.push_back(i.path);
    if (i.kind == Kind::kSarif) {
      logs_names.push_back(i.path);
      logs.push_back(i.doc);
    }
  }
  if (!reports.empty() && a.json.empty()) return bad_input("ptx merge: give --json FILE to write the joined report to");
  if (!logs.empty() && a.sarif.empty()) return bad_input("ptx merge: give --sarif FILE to write the joined SARIF log to");
  int code = kExitOk;
  if (!logs.empty()) {
    PTX_ASSIGN_OR_RETURN(const nlohmann::json log, report::merge_sarif_logs(logs, logs_names));
    PTX_RETURN_IF_ERROR(formats::write_file_atomically(a.sarif, log.dump(2) + "\n"));
    for (const nlohmann::json& r : log.at("runs").at(0).at("results")) code |= r.at("level") == "error" ? kExitFindings : 0;
    std::printf("sarif: %zu shards joined into %s\n", logs.size(), a.sarif.c_str());
  }
  if (!reports.empty()) {
    PTX_ASSIGN_OR_RETURN(const nlohmann::json head, report::merge_run_reports(reports, a.json));
    std::fputs(run_text(head, reports.size()).c_str(), stdout);
    std::printf("report: %s\n", a.json.c_str());
    const nlohmann::json& s = head.at("summary");
    const bool tlb_errors = s.contains("tlb") && natural<uint64_t>(s["tlb"].at("errors")) > 0;
    code = s.at("violations") != 0 || s.at("findings") != 0 || tlb_errors ? kExitFindings : kExitOk;
  }
  return code;
}

}  // namespace

CLI::App* add_merge_command(CLI::App& app, MergeArgs* a) {
  CLI::App* c = app.add_subcommand("merge", "Join the outputs of the shards of one run (ptx schedules --shard I/N --json; "
                                            "ptx run --shard I/N --report / --sarif) into the unsharded run's");
  c->add_option("FILE", a->files, "The shards' files: schedules reports, or run reports and SARIF logs")->required();
  c->add_option("--json", a->json, "Write the joined report (atomically); required for run reports");
  c->add_option("--sarif", a->sarif, "Write the joined SARIF log (atomically); required for SARIF logs");
  return c;
}

StatusOr<int> run_merge_command(const MergeArgs& a) {
  if (!a.json.empty()) PTX_RETURN_IF_ERROR(formats::check_writable(a.json, "--json"));
  if (!a.sarif.empty()) PTX_RETURN_IF_ERROR(formats::check_writable(a.sarif, "--sarif"));
  std::vector<Input> inputs;
  size_t schedules = 0;
  for (const std::string& path : a.files) {
    PTX_ASSIGN_OR_RETURN(Input i, read_input(path));
    schedules += i.kind == Kind::kSchedules ? 1 : 0;
    inputs.push_back(std::move(i));
  }
  if (schedules == inputs.size()) return merge_schedules(inputs, a);
  if (schedules > 0) return bad_input("ptx merge: reports of ptx schedules and of ptx run are mixed: join each run's alone");
  return merge_runs(inputs, a);
}

}  // namespace ptx::cli
