// SPDX-License-Identifier: BSD-2-Clause
#include "tools/ptx/schedules_cmd.h"

#include <fstream>
#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "armtrace/casemate_writer.h"
#include "base/shard.h"
#include "formats/atomic_file.h"
#include "kernel/engines.h"
#include "kernel/schedule_explore.h"
#include "kernel/schedule_report.h"
#include "tools/ptx/cli.h"
#include "tools/ptx/progress.h"

namespace ptx::cli {

namespace {

constexpr int kExitOk = 0, kExitFindings = 1;

Status read_file(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad_input("--scenario-file {}: cannot be opened", path);
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return Status(StatusCode::kIoError, fmt::format("--scenario-file {}: read failed", path));
  *text = s.str();
  return ok_status();
}

StatusOr<kernel::Scenario> scenario_of(const SchedulesArgs& a) {
  if (!a.scenario_file.empty()) {
    std::string text;
    PTX_RETURN_IF_ERROR(read_file(a.scenario_file, &text));
    return kernel::parse_scenario(text, a.scenario_file);
  }
  if (a.scenario.empty()) return bad_input("ptx schedules: give --scenario NAME (see --list) or --scenario-file FILE");
  return kernel::find_scenario(a.scenario);
}

StatusOr<kernel::ScheduleOptions> options_of(const SchedulesArgs& a, uint32_t threads) {
  kernel::ScheduleOptions o;
  o.strategy = a.strategy == "bounded" ? kernel::StrategyKind::kBounded : kernel::StrategyKind::kPct;
  o.schedules = a.schedules;
  o.depth = a.depth;
  o.preemptions = a.preemptions;
  o.sleep_sets = !a.no_reduction;
  o.seed = a.seed;
  o.tlb = a.tlb == "on";
  o.compare = a.compare == "descriptor" ? CompareMode::kDescriptor : CompareMode::kTranslation;
  o.step_bound = a.step_bound;
  if (!a.cpu_features.empty()) {
    PTX_ASSIGN_OR_RETURN(o.features, kernel::parse_cpu_features(a.cpu_features));
  }
  if (!a.schedule.empty()) {
    PTX_ASSIGN_OR_RETURN(o.replay, schedule::parse_schedule_id(a.schedule, threads));
  }
  if (!a.shard.empty()) {
    PTX_ASSIGN_OR_RETURN(const Shard shard, parse_shard(a.shard));
    o.shard = shard.index;
    o.shards = shard.count;
    if (!a.schedule.empty()) return bad_input("--shard with --schedule: one schedule is not split");
  }
  if ((!a.trace.empty() || !a.html.empty()) && a.schedule.empty()) {
    return bad_input("--{}: {} for one schedule: give --schedule ID (a finding prints it)",
                     a.trace.empty() ? "html" : "trace", a.trace.empty() ? "pages are drawn" : "a trace is written");
  }
  return o;
}

std::string head_text(const SchedulesArgs& a, const kernel::KernelEngine& e, const kernel::Scenario& s) {
  std::string how = !a.schedule.empty() ? fmt::format("schedule {}", a.schedule)
                    : a.strategy == "bounded"
                        ? fmt::format("strategy bounded (preemptions {}{})", a.preemptions,
                                      a.no_reduction ? ", no reduction" : ", sleep sets")
                        : fmt::format("strategy pct (depth {}, seed {})", a.depth, a.seed);
  return fmt::format("ptx schedules: {} (Linux {}), scenario {} ({} thread{}), {}, compare {}, tlb {}", e.name,
                     e.version, s.name, s.threads.size(), s.threads.size() == 1 ? "" : "s", how, a.compare, a.tlb);
}

std::string replay_base(const SchedulesArgs& a) {
  const std::string which = a.scenario_file.empty() ? "--scenario " + a.scenario : "--scenario-file " + a.scenario_file;
  return fmt::format("ptx schedules --engine {} {}", a.engine, which);
}

std::string signatures_text(const kernel::ScheduleReport& r) {
  const kernel::ScheduleSummary& s = r.summary;
  if (s.signatures.empty()) return "verdict: clean (no finding in any schedule)\n";
  std::string t = fmt::format("verdict: {} ({} error signature{}, {} warning signature{}, over {} schedule{})\n",
                              s.errors ? "errors" : "no error", s.errors, s.errors == 1 ? "" : "s", s.warnings,
                              s.warnings == 1 ? "" : "s", s.schedules, s.schedules == 1 ? "" : "s");
  for (const kernel::ScheduleSignature& g : s.signatures) {
    t += fmt::format("  {} {:<18} {:>6} schedule{}  first {}  at {}\n    {}\n    replay: {} --schedule {} --trace "
                     "schedule.casemate\n",
                     g.id, g.verdict, g.schedules, g.schedules == 1 ? " " : "s", g.first_schedule,
                     g.src.empty() ? "-" : g.src, g.detail, r.replay, g.first_schedule);
  }
  return t;
}

}  // namespace

std::string schedule_report_text(const kernel::ScheduleReport& r) {
  const kernel::ScheduleSummary& s = r.summary;
  std::string t = r.run + (r.shards > 1 ? fmt::format(", shard {}/{}", r.shard, r.shards) : "") + "\n";
  t += fmt::format("schedules {}   distinct traces {}   outcomes {}   longest {} steps", s.schedules, s.distinct_traces,
                   s.outcomes, s.max_steps);
  if (r.search) {
    t += fmt::format("   pruned {}   repeats {}   search {}", s.pruned, s.repeats,
                     s.complete ? "complete" : "stopped at --schedules");
  }
  t += "\n";
  if (r.search && r.sleep_sets) {
    t += "note: sleep sets under a preemption bound may skip a schedule whose reordering needs more preemptions than "
         "the bound (docs/schedules.md); --no-reduction searches every schedule within it\n";
  }
  return t + signatures_text(r);
}

namespace {

std::string list_text() {
  std::string t;
  for (const kernel::Scenario& s : kernel::builtin_scenarios()) t += s.name + "\n";
  return t;
}

}  // namespace

CLI::App* add_schedules_command(CLI::App& app, SchedulesArgs* a) {
  CLI::App* c = app.add_subcommand("schedules", "Explore thread schedules of a kernel engine's code on a scenario");
  c->add_flag("--list", a->list, "Print the built-in scenarios, one a line, and exit");
  c->add_option("--engine", a->engine, "A kernel engine (linux-6.1, linux-6.12, or a mutant; default linux-6.12)");
  c->add_option("--scenario", a->scenario, "A built-in scenario (--list)");
  c->add_option("--scenario-file", a->scenario_file, "A scenario file (docs/schedules.md)");
  c->add_option("--strategy", a->strategy, "pct (random, depth-bounded) or bounded (every schedule within "
                "--preemptions, sleep sets)")->check(CLI::IsMember({"pct", "bounded"}));
  c->add_option("--schedules", a->schedules, "pct: schedules to run; bounded: at most this many (default 1000)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{100000000}));
  c->add_option("--depth", a->depth, "pct: the bug depth d (default 3)")->check(CLI::Range(1u, 64u));
  c->add_option("--preemptions", a->preemptions, "bounded: the preemption bound (default 2)")->check(CLI::Range(0u, 64u));
  c->add_flag("--no-reduction", a->no_reduction, "bounded: no sleep sets (every schedule, for comparison)");
  c->add_option("--seed", a->seed, "pct: the seed (default 1)");
  c->add_option("--tlb", a->tlb, "TLB verdicts: on (default) or off")->check(CLI::IsMember({"on", "off"}));
  c->add_option("--compare", a->compare, "What a walk must match before/after: translation (default) or descriptor")
      ->check(CLI::IsMember({"translation", "descriptor"}));
  c->add_option("--cpu-features", a->cpu_features, "The CPU features the code finds (as for run)");
  c->add_option("--step-bound", a->step_bound, "Steps after which a schedule is a livelock (default 100000)")
      ->check(CLI::Range(uint64_t{100}, uint64_t{1000000000}));
  c->add_option("--schedule", a->schedule, "Replay one schedule by its id (a finding prints it)");
  c->add_option("--trace", a->trace, "With --schedule: write its events as a casemate trace (atomically)");
  c->add_option("--html", a->html,
                "With --schedule: write its pages into this directory (index.html: its bug signatures), as ptx check "
                "--html draws its trace");
  c->add_option("--json", a->json, "Write the summary and signatures as JSON (atomically)");
  c->add_option("--shard", a->shard, "I/N: run shard I of N (schedule n is shard n % N's); join with ptx merge");
  c->add_flag("--quiet", a->quiet, "No progress display");
  return c;
}

StatusOr<int> run_schedules_command(const SchedulesArgs& a) {
  if (a.list) {
    std::fputs(list_text().c_str(), stdout);
    return kExitOk;
  }
  if (!a.scenario.empty() && !a.scenario_file.empty()) return bad_input("--scenario and --scenario-file: give one");
  const std::vector<kernel::KernelEngine> engines = kernel::kernel_engines(ptx_kernel_engines);
  StatusOr<kernel::KernelEngine> engine = kernel::find_kernel_engine(engines, a.engine, "");
  if (!engine.ok()) return bad_input("--engine: {}", engine.status().message());
  PTX_ASSIGN_OR_RETURN(kernel::Scenario scenario, scenario_of(a));
  PTX_ASSIGN_OR_RETURN(kernel::ScheduleOptions o, options_of(a, static_cast<uint32_t>(scenario.threads.size())));
  if (!a.trace.empty()) PTX_RETURN_IF_ERROR(formats::check_writable(a.trace, "--trace"));
  if (!a.json.empty()) PTX_RETURN_IF_ERROR(formats::check_writable(a.json, "--json"));
  std::string trace;
  if (!a.trace.empty() || !a.html.empty()) {
    o.on_events = [&](const std::string&, const kernel::EventLog& log) -> Status {
      for (const armtrace::Event& e : log.events) trace += armtrace::format_casemate(e) + "\n";
      return ok_status();
    };
  }
  Progress progress("schedules", o.replay ? 1 : o.schedules, a.quiet ? Progress::Style::kOff : Progress::Style::kAuto);
  o.on_progress = [&](uint64_t) { progress.add(1); };
  StatusOr<kernel::ScheduleSummary> s = kernel::explore_kernel_schedules(*engine, scenario, o);
  progress.finish();
  PTX_RETURN_IF_ERROR(s.status());
  const bool search = a.strategy == "bounded" && a.schedule.empty();
  const kernel::ScheduleReport report{head_text(a, *engine, scenario), replay_base(a), search, search && !a.no_reduction,
                                      o.shard,  o.shards, *s};
  std::fputs(schedule_report_text(report).c_str(), stdout);
  if (s->interrupted) return Status(StatusCode::kInterrupted, "interrupted: the figures are of the schedules run");
  if (!a.trace.empty()) PTX_RETURN_IF_ERROR(formats::write_file_atomically(a.trace, trace));
  if (!a.json.empty()) {
    PTX_RETURN_IF_ERROR(formats::write_file_atomically(a.json, kernel::schedule_report_json(report).dump(2) + "\n"));
  }
  const int code = s->errors == 0 ? kExitOk : kExitFindings;
  if (a.html.empty()) return code;
  std::printf("pages of schedule %s (its trace, as ptx check draws it):\n", a.schedule.c_str());
  std::fflush(stdout);
  const int pages = check_casemate_pages("schedule-" + a.schedule + ".casemate", trace, a.html, a.tlb == "on",
                                         a.compare == "translation");
  return pages > kExitFindings ? pages : code;
}

}  // namespace ptx::cli
