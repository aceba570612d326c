#include "tools/ptx/cli.h"

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "explorer/mapping.h"
#include "explorer/section_checker.h"
#include "tools/ptx/atomic_file.h"
#include "tools/ptx/bad_input.h"
#include "tools/ptx/drawings.h"
#include "tools/ptx/from_process.h"
#include "tools/ptx/qemu_virt.h"
#include "tools/ptx/report.h"
#include "tools/ptx/runner.h"
#include "tools/ptx/section_policy.h"
#include "tools/ptx/summary.h"
#include "tools/ptx/trace.h"
#include "tools/ptx/workload.h"

namespace ptx::cli {
namespace {

constexpr int kExitInternal = 3;

unsigned default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

struct InputArgs {
  std::string preset = "qemu-virt";
  std::string workload;
  int64_t pid = 0;
  uint32_t vms = 4;
  uint64_t seed = 1;
  uint64_t ops = kQemuVirtDefaultOpsPerVm;
  CLI::Option* preset_opt = nullptr;
  CLI::Option* workload_opt = nullptr;
  CLI::Option* pid_opt = nullptr;
  CLI::Option* vms_opt = nullptr;
  CLI::Option* ops_opt = nullptr;
  CLI::Option* seed_opt = nullptr;
};

struct CommonArgs {
  unsigned threads = default_threads();
  std::string sections = "sekvm";
  std::string mode = "fast";
  std::string compare = "descriptor";
  std::string report;
  bool report_all = false;
  std::string draw;
  uint64_t draw_limit = 4;
  bool quiet = false;
};

void add_input_options(CLI::App* cmd, InputArgs* a) {
  a->preset_opt = cmd->add_option("--preset", a->preset, "Embedded workload (default qemu-virt)")
                      ->check(CLI::IsMember({"qemu-virt"}));
  a->workload_opt = cmd->add_option("--workload", a->workload,
                                    "Workload file: 'map <vmid> <ipa> <level> <descriptor>' lines, "
                                    "begin/end sections, # comments");
  a->pid_opt = cmd->add_option("--from-process", a->pid,
                               "Use the present pages of a live process (/proc/PID/maps, pagemap) "
                               "as VM 1's memory");
  a->preset_opt->excludes(a->workload_opt)->excludes(a->pid_opt);
  a->workload_opt->excludes(a->pid_opt);
  a->vms_opt = cmd->add_option("--vms", a->vms, "qemu-virt: number of guests K (vmids 1..K)")
                   ->check(CLI::Range(1u, kQemuVirtMaxVms));
  a->seed_opt = cmd->add_option("--seed", a->seed, "qemu-virt: generator seed");
  a->ops_opt = cmd->add_option("--ops", a->ops, "qemu-virt: ops per VM")
                   ->check(CLI::Range(kQemuVirtMinOpsPerVm, kQemuVirtMaxOpsPerVm))
                   ->group("");  // hidden: for tests and benchmarks
}

void add_common_options(CLI::App* cmd, CommonArgs* c, bool sections, bool explore) {
  cmd->add_option("--threads", c->threads, "Worker threads (default: the number of cores)")
      ->check(CLI::Range(1u, 1024u));
  if (sections) {
    cmd->add_option("--sections", c->sections,
                    "Section policy: sekvm (one leaf write per critical section) or batched")
        ->check(CLI::IsMember({"sekvm", "batched"}));
  }
  if (explore) {
    cmd->add_option("--mode", c->mode, "Explorer: fast (exact counting) or faithful (enumeration)")
        ->check(CLI::IsMember({"fast", "faithful"}));
    cmd->add_option("--compare", c->compare,
                    "What must match before/after: descriptor (Coq's pt_map value) or translation")
        ->check(CLI::IsMember({"descriptor", "translation"}));
    cmd->add_option("--report", c->report, "Write a JSON report here (atomically)");
    cmd->add_flag("--report-all", c->report_all, "List every section in the report, not only violating ones");
    cmd->add_option("--draw", c->draw,
                    "Write a Graphviz picture (.dot, and .svg when Graphviz is installed) of each "
                    "violation into this directory");
    cmd->add_option("--draw-limit", c->draw_limit, "With --draw: violating sections drawn per VM (default 4)")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  }
  cmd->add_flag("--quiet", c->quiet, "No progress display");
}

SectionPolicy policy_of(const CommonArgs& c) {
  SectionPolicy p = SectionPolicy::kSekvm;
  parse_section_policy(c.sections, &p);
  return p;
}

RunConfig config_of(const CommonArgs& c) {
  RunConfig cfg;
  cfg.threads = c.threads;
  cfg.policy = policy_of(c);
  parse_explore_mode(c.mode, &cfg.mode);
  parse_compare_mode(c.compare, &cfg.explore_options.compare);
  cfg.explore_options.parallel = true;
  cfg.keep_all = c.report_all;
  cfg.progress = c.quiet ? Progress::Style::kOff : Progress::Style::kAuto;
  return cfg;
}

Workload load_input(const InputArgs& a, SectionPolicy policy) {
  const bool preset = a.workload_opt->count() == 0 && a.pid_opt->count() == 0;
  if (!preset) {
    for (const CLI::Option* o : {a.vms_opt, a.ops_opt, a.seed_opt}) {
      if (o->count() > 0) {
        throw BadInput(fmt::format("{} applies to --preset qemu-virt only", o->get_name()));
      }
    }
  }
  if (a.workload_opt->count() > 0) return load_workload_file(a.workload, ParseOptions{policy});
  if (a.pid_opt->count() > 0) return make_from_process(FromProcessOptions{a.pid, policy, "/proc"});
  QemuVirtOptions q;
  q.vms = a.vms;
  q.seed = a.seed;
  q.ops_per_vm = a.ops;
  q.policy = policy;
  return make_qemu_virt(q);
}

std::string head_line(const std::string& cmd, const std::string& what, const RunConfig& cfg,
                      bool explored) {
  std::string s = fmt::format("ptx {}: {}, {} thread{}", cmd, what, cfg.threads,
                              cfg.threads == 1 ? "" : "s");
  if (explored) {
    s += fmt::format(", mode {}, compare {}", explore_mode_name(cfg.mode),
                     compare_mode_name(cfg.explore_options.compare));
  }
  s += fmt::format(", sections {}", section_policy_name(cfg.policy));
  return s;
}

// --draw: pictures of the violations, through the checker's violation hook.
std::unique_ptr<Drawings> attach_drawings(const CommonArgs& c, RunConfig* cfg) {
  if (c.draw.empty()) return nullptr;
  auto d = std::make_unique<Drawings>(c.draw, c.draw_limit, cfg->explore_options.compare, "--draw");
  cfg->on_violation = [p = d.get()](const NptImage& before, const Section& s, const Exploration& x) {
    p->on_violation(before, s, x);
  };
  return d;
}

void print_drawings(const Drawings* d) {
  if (d == nullptr) return;
  std::printf("drawings: %llu in %s\n", static_cast<unsigned long long>(d->pictures()), d->dir().c_str());
  if (!d->render_problem().empty()) {
    std::printf("drawings: .dot only: %s\n", d->render_problem().c_str());
  }
}

int do_run(const InputArgs& in, const CommonArgs& c) {
  RunConfig cfg = config_of(c);
  if (!c.report.empty()) check_writable(c.report, "--report");
  const Workload w = load_input(in, cfg.policy);
  const std::unique_ptr<Drawings> drawings = attach_drawings(c, &cfg);
  const RunOutcome r = run_workload(w, cfg);
  if (!c.report.empty()) {
    write_report(c.report, ReportMeta{w.source, cfg.policy, cfg.mode, cfg.explore_options.compare},
                 r.totals, r.kept, c.report_all);
  }
  print_summary(stdout, head_line("run", w.description, cfg, true), r.totals, r.kept, w.source,
                r.seconds, true);
  if (!c.report.empty()) std::printf("report: %s\n", c.report.c_str());
  print_drawings(drawings.get());
  std::fflush(stdout);
  return r.totals.violations == 0 ? kExitOk : kExitViolations;
}

int do_record(const InputArgs& in, const CommonArgs& c, const std::string& out) {
  RunConfig cfg = config_of(c);
  cfg.explore = false;
  check_writable(out, "--out");
  const Workload w = load_input(in, cfg.policy);
  TraceWriter trace;
  cfg.sink = [&trace](const Section& s) { trace.add(s); };
  const RunOutcome r = run_workload(w, cfg);
  trace.commit(out, TraceHeader{w.source, w.description, cfg.policy, 0, 0});
  print_summary(stdout, head_line("record", w.description, cfg, false), r.totals, r.kept, w.source,
                r.seconds, false);
  std::printf("trace: %s\n", out.c_str());
  std::fflush(stdout);
  return kExitOk;
}

int do_check(const std::string& path, const CommonArgs& c) {
  RunConfig cfg = config_of(c);
  if (!c.report.empty()) check_writable(c.report, "--report");
  const Trace trace = read_trace(path);
  cfg.policy = trace.header.policy;
  const std::unique_ptr<Drawings> drawings = attach_drawings(c, &cfg);
  const RunOutcome r = check_trace(trace, cfg);
  if (!c.report.empty()) {
    write_report(c.report,
                 ReportMeta{trace.header.source, cfg.policy, cfg.mode, cfg.explore_options.compare},
                 r.totals, r.kept, c.report_all);
  }
  const std::string what =
      fmt::format("{} ({})", path,
                  trace.header.description.empty() ? trace.header.source : trace.header.description);
  print_summary(stdout, head_line("check", what, cfg, true), r.totals, r.kept, path, r.seconds, true);
  if (!c.report.empty()) std::printf("report: %s\n", c.report.c_str());
  print_drawings(drawings.get());
  std::fflush(stdout);
  return r.totals.violations == 0 ? kExitOk : kExitViolations;
}

}  // namespace

int ptx_main(int argc, char** argv) {
  CLI::App app{
      "ptx: explores every critical section of a SeKVM stage-2 page-table workload for the "
      "Transactional Page Table condition (every subset of its writes, in every order, leaves every "
      "address at its before- or after-mapping)",
      "ptx"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");

  InputArgs run_in, rec_in;
  CommonArgs run_c, rec_c, check_c;
  std::string trace_out, trace_in;

  CLI::App* run = app.add_subcommand("run", "Drive the engine with a workload and explore every section");
  add_input_options(run, &run_in);
  add_common_options(run, &run_c, true, true);

  CLI::App* record = app.add_subcommand("record", "Drive the engine and record its sections to a trace");
  add_input_options(record, &rec_in);
  add_common_options(record, &rec_c, true, false);
  record->add_option("--out", trace_out, "Trace file to write (JSON lines, atomically)")->required();

  CLI::App* check = app.add_subcommand("check", "Replay a recorded trace offline and explore it");
  check->add_option("TRACE", trace_in, "Trace written by ptx record")->required();
  add_common_options(check, &check_c, false, true);

  if (argc > 1 && argv[1][0] != '-') {
    const std::string sub = argv[1];
    if (sub != "run" && sub != "record" && sub != "check") {
      std::fprintf(stderr, "ptx: unknown subcommand '%s' (expected run, record or check)\n"
                   "Run 'ptx --help' for usage.\n", sub.c_str());
      return kExitBadInput;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::fprintf(stderr, "ptx: %s\nRun 'ptx --help' (or 'ptx SUBCOMMAND --help') for usage.\n",
                 e.what());
    return kExitBadInput;
  }

  try {
    if (run->parsed()) return do_run(run_in, run_c);
    if (record->parsed()) return do_record(rec_in, rec_c, trace_out);
    return do_check(trace_in, check_c);
  } catch (const BadInput& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "ptx: %s\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "ptx: internal error: %s\n", e.what());
    return kExitInternal;
  }
}

}  // namespace ptx::cli
