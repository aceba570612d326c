#include "tools/ptx/cli.h"

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "formats/atomic_file.h"
#include "formats/report.h"
#include "formats/trace.h"
#include "run/engine_source.h"
#include "run/runner.h"
#include "run/trace_source.h"
#include "tools/ptx/drawings.h"
#include "tools/ptx/progress.h"
#include "tools/ptx/summary.h"
#include "workload/from_process.h"
#include "workload/qemu_virt.h"
#include "workload/workload_file.h"

namespace ptx::cli {
namespace {

constexpr int kExitOk = 0;          // no violation
constexpr int kExitViolations = 1;  // at least one violation
constexpr int kExitBadInput = 2;    // bad input or an output that could not be written
constexpr int kExitInternal = 3;    // a bug

// Prints the error and returns its exit status.
int fail(const Status& s) {
  std::fflush(stdout);
  std::fprintf(stderr, "ptx: %s\n", s.to_string().c_str());
  return s.code() == StatusCode::kInternal ? kExitInternal : kExitBadInput;
}

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
  uint64_t ops = workload::kQemuVirtDefaultOpsPerVm;
  CLI::Option* workload_opt = nullptr;
  CLI::Option* pid_opt = nullptr;
  CLI::Option* vms_opt = nullptr;
  CLI::Option* ops_opt = nullptr;
  CLI::Option* seed_opt = nullptr;
};

struct CommonArgs {
  unsigned threads = default_threads();
  SectionPolicy sections = SectionPolicy::kSekvm;
  EngineVariant engine = EngineVariant::kSekvm;
  ExploreMode mode = ExploreMode::kFast;
  CompareMode compare = CompareMode::kDescriptor;
  std::string report;
  bool report_all = false;
  std::string draw;
  uint64_t draw_limit = 4;
  bool quiet = false;
};

void add_input_options(CLI::App* cmd, InputArgs* a) {
  CLI::Option* preset = cmd->add_option("--preset", a->preset, "Embedded workload (default qemu-virt)")
                            ->check(CLI::IsMember({"qemu-virt"}));
  a->workload_opt = cmd->add_option("--workload", a->workload,
                                    "Workload file: 'map <vmid> <ipa> <level> <descriptor>' and "
                                    "'unmap <vmid> <ipa> <level>' lines, begin/end sections, # comments");
  a->pid_opt = cmd->add_option("--from-process", a->pid,
                               "Use the present pages of a live process (/proc/PID/maps, pagemap) as VM 1's memory");
  preset->excludes(a->workload_opt)->excludes(a->pid_opt);
  a->workload_opt->excludes(a->pid_opt);
  a->vms_opt = cmd->add_option("--vms", a->vms, "qemu-virt: number of guests K (vmids 1..K)")
                   ->check(CLI::Range(1u, workload::kQemuVirtMaxVms));
  a->seed_opt = cmd->add_option("--seed", a->seed, "qemu-virt: generator seed");
  a->ops_opt = cmd->add_option("--ops", a->ops, "qemu-virt: ops per VM")
                   ->check(CLI::Range(workload::kQemuVirtMinOpsPerVm, workload::kQemuVirtMaxOpsPerVm))
                   ->group("");  // hidden: for tests and benchmarks
}

void add_common_options(CLI::App* cmd, CommonArgs* c, bool sections, bool explore) {
  cmd->add_option("--threads", c->threads, "Worker threads (default: the number of cores)")
      ->check(CLI::Range(1u, 1024u));
  if (sections) {
    cmd->add_option("--sections", c->sections, "Section policy: sekvm (one leaf write per critical section) or batched")
        ->transform(CLI::CheckedTransformer(enum_map(kSectionPolicyNames)));
    cmd->add_option("--engine", c->engine, "Engine variant: " + enum_choices(kEngineVariantNames) + " (default sekvm)")
        ->transform(CLI::CheckedTransformer(enum_map(kEngineVariantNames)));
  }
  if (explore) {
    cmd->add_option("--mode", c->mode, "Explorer: fast (exact counting) or faithful (enumeration)")
        ->transform(CLI::CheckedTransformer(enum_map(kExploreModeNames)));
    cmd->add_option("--compare", c->compare, "What must match before/after: descriptor (Coq's pt_map value) or translation")
        ->transform(CLI::CheckedTransformer(enum_map(kCompareModeNames)));
    cmd->add_option("--report", c->report, "Write a JSON report here (atomically)");
    cmd->add_flag("--report-all", c->report_all, "List every section in the report, not only violating ones");
    cmd->add_option("--draw", c->draw,
                    "Write a Graphviz picture (.dot, and .svg when Graphviz is installed) of each violation into this directory");
    cmd->add_option("--draw-limit", c->draw_limit, "With --draw: violating sections drawn per VM (default 4)")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
  }
  cmd->add_flag("--quiet", c->quiet, "No progress display");
}

run::RunConfig config_of(const CommonArgs& c) {
  run::RunConfig cfg;
  cfg.threads = c.threads;
  cfg.explore_options.mode = c.mode;
  cfg.explore_options.compare = c.compare;
  cfg.explore_options.parallel = true;
  cfg.keep_all = c.report_all;
  return cfg;
}

StatusOr<workload::Workload> load_input(const InputArgs& a, SectionPolicy policy) {
  const bool preset = a.workload_opt->count() == 0 && a.pid_opt->count() == 0;
  if (!preset) {
    for (const CLI::Option* o : {a.vms_opt, a.ops_opt, a.seed_opt}) {
      if (o->count() > 0) return bad_input("{} applies to --preset qemu-virt only", o->get_name());
    }
  }
  if (a.workload_opt->count() > 0) return workload::load_workload_file(a.workload, workload::ParseOptions{policy});
  if (a.pid_opt->count() > 0) return workload::make_from_process(workload::FromProcessOptions{a.pid, policy, "/proc"});
  return workload::make_qemu_virt(workload::QemuVirtOptions{a.vms, a.seed, a.ops, policy});
}

std::string head_line(const std::string& cmd, const std::string& what, const CommonArgs& c, SectionPolicy policy,
                      EngineVariant engine, bool explored) {
  std::string s = fmt::format("ptx {}: {}, {} thread{}", cmd, what, c.threads, c.threads == 1 ? "" : "s");
  if (explored) s += fmt::format(", mode {}, compare {}", explore_mode_name(c.mode), compare_mode_name(c.compare));
  return s + fmt::format(", sections {}, engine {}", section_policy_name(policy), engine_variant_name(engine));
}

// Runs `source` with a progress display and, with --draw, pictures of the violations.
StatusOr<run::RunOutcome> run_with_progress(run::SectionSource& source, run::RunConfig cfg, const CommonArgs& c,
                                            Drawings* drawings) {
  Progress progress(source.unit(), source.total_units(), c.quiet ? Progress::Style::kOff : Progress::Style::kAuto);
  cfg.on_progress = [&progress](uint64_t n) { progress.add(n); };
  if (drawings != nullptr) {
    cfg.on_violation = [drawings](const NptImage& before, const Section& s, const Exploration& x) {
      drawings->on_violation(before, s, x);
    };
  }
  StatusOr<run::RunOutcome> r = run::run_sections(source, cfg);
  progress.finish();
  return r;
}

struct Explored {
  std::string cmd, what, source;  // for the summary
  SectionPolicy policy;
  EngineVariant engine;
};

// The report, the summary, the drawings' line and the exit status of an explored run.
int finish_explored(const Explored& e, const CommonArgs& c, const run::RunOutcome& r, const Drawings* d) {
  if (!c.report.empty()) {
    const formats::ReportMeta meta{e.source, e.policy, c.mode, c.compare, e.engine};
    if (Status s = formats::write_report(c.report, meta, r.totals, r.kept, c.report_all); !s.ok()) return fail(s);
  }
  if (d != nullptr && !d->error().ok()) return fail(d->error());
  print_summary(stdout, head_line(e.cmd, e.what, c, e.policy, e.engine, true), r.totals, r.kept, e.source, r.seconds,
                true);
  if (!c.report.empty()) std::printf("report: %s\n", c.report.c_str());
  if (d != nullptr) {
    std::printf("drawings: %llu in %s\n", static_cast<unsigned long long>(d->pictures()), d->dir().c_str());
    if (!d->render_problem().empty()) std::printf("drawings: .dot only: %s\n", d->render_problem().c_str());
  }
  std::fflush(stdout);
  return r.totals.violations == 0 ? kExitOk : kExitViolations;
}

// --draw DIR, when given.
StatusOr<std::unique_ptr<Drawings>> drawings_of(const CommonArgs& c) {
  if (c.draw.empty()) return std::unique_ptr<Drawings>();
  return Drawings::create(c.draw, c.draw_limit, c.compare, "--draw");
}

int do_run(const InputArgs& in, const CommonArgs& c) {
  if (!c.report.empty()) {
    if (Status s = formats::check_writable(c.report, "--report"); !s.ok()) return fail(s);
  }
  StatusOr<workload::Workload> w = load_input(in, c.sections);
  if (!w.ok()) return fail(w.status());
  StatusOr<std::unique_ptr<Drawings>> d = drawings_of(c);
  if (!d.ok()) return fail(d.status());
  run::EngineSource source(*w, c.sections, c.engine);
  StatusOr<run::RunOutcome> r = run_with_progress(source, config_of(c), c, d->get());
  if (!r.ok()) return fail(r.status());
  return finish_explored(Explored{"run", w->description, w->source, c.sections, c.engine}, c, *r, d->get());
}

int do_record(const InputArgs& in, const CommonArgs& c, const std::string& out) {
  if (Status s = formats::check_writable(out, "--out"); !s.ok()) return fail(s);
  StatusOr<workload::Workload> w = load_input(in, c.sections);
  if (!w.ok()) return fail(w.status());
  formats::TraceWriter trace;
  run::RunConfig cfg = config_of(c);
  cfg.explore = false;
  cfg.sink = [&trace](const Section& s) { return trace.add(s); };
  run::EngineSource source(*w, c.sections, c.engine);
  StatusOr<run::RunOutcome> r = run_with_progress(source, cfg, c, nullptr);
  if (!r.ok()) return fail(r.status());
  if (Status s = trace.commit(out, formats::TraceHeader{w->source, w->description, c.sections, 0, 0, c.engine});
      !s.ok()) {
    return fail(s);
  }
  print_summary(stdout, head_line("record", w->description, c, c.sections, c.engine, false), r->totals, r->kept,
                w->source, r->seconds, false);
  std::printf("trace: %s\n", out.c_str());
  std::fflush(stdout);
  return kExitOk;
}

int do_check(const std::string& path, const CommonArgs& c) {
  if (!c.report.empty()) {
    if (Status s = formats::check_writable(c.report, "--report"); !s.ok()) return fail(s);
  }
  StatusOr<formats::Trace> trace = formats::read_trace(path);
  if (!trace.ok()) return fail(trace.status());
  StatusOr<std::unique_ptr<Drawings>> d = drawings_of(c);
  if (!d.ok()) return fail(d.status());
  run::TraceSource source(*trace);
  StatusOr<run::RunOutcome> r = run_with_progress(source, config_of(c), c, d->get());
  if (!r.ok()) return fail(r.status());
  const formats::TraceHeader& h = trace->header;
  const std::string what = fmt::format("{} ({})", path, h.description.empty() ? h.source : h.description);
  return finish_explored(Explored{"check", what, h.source, h.policy, h.engine}, c, *r, d->get());
}

}  // namespace

int ptx_main(int argc, char** argv) {
  CLI::App app{
      "ptx: explores every critical section of a SeKVM stage-2 page-table workload for the Transactional Page "
      "Table condition (every subset of its writes, in every order, leaves every address at its before- or "
      "after-mapping)",
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
      return fail(bad_input("unknown subcommand '{}' (expected run, record or check)\nRun 'ptx --help' for usage.", sub));
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    return fail(bad_input("{}\nRun 'ptx --help' (or 'ptx SUBCOMMAND --help') for usage.", e.what()));
  }
  try {
    if (run->parsed()) return do_run(run_in, run_c);
    if (record->parsed()) return do_record(rec_in, rec_c, trace_out);
    return do_check(trace_in, check_c);
  } catch (const std::exception& e) {  // a bug (e.g. std::bad_alloc): never a crash
    return fail(internal_error("internal error: {}", e.what()));
  }
}

}  // namespace ptx::cli
