// SPDX-License-Identifier: BSD-2-Clause
#include "tools/ptx/cli.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <atomic>
#include <exception>
#include <mutex>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "armcheck/casemate_check.h"
#include "armcheck/engine_export.h"
#include "armtrace/casemate_writer.h"
#include "base/interrupt.h"
#include "base/process_memory.h"
#include "explorer/violation_groups.h"
#include "formats/atomic_file.h"
#include "formats/report.h"
#include "formats/trace.h"
#include "kernel/engines.h"
#include "kernel/kernel_run.h"
#include "run/engine_source.h"
#include "run/runner.h"
#include "run/trace_source.h"
#include "run/trace_stream_source.h"
#include "tools/ptx/drawings.h"
#include "tools/ptx/html_pages.h"
#include "tools/ptx/progress.h"
#include "tools/ptx/summary.h"
#include "tools/ptx/tlb_output.h"
#include "tlb/section_tlb.h"
#include "workload/from_process.h"
#include "workload/kvm_steps.h"
#include "workload/qemu_virt.h"
#include "workload/workload_file.h"
#include "workload/workload_stream.h"

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
  if (s.code() == StatusCode::kInterrupted) return 128 + interrupt_signal();
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

// What `ptx check` reads.
enum class TraceFormat : uint8_t { kAuto, kPtx, kCasemate };
constexpr EnumNames<TraceFormat, 3> kTraceFormatNames{{
    {TraceFormat::kAuto, "auto"}, {TraceFormat::kPtx, "ptx"}, {TraceFormat::kCasemate, "casemate"}}};

// What `ptx record` writes.
constexpr EnumNames<TraceFormat, 2> kRecordFormatNames{{{TraceFormat::kPtx, "ptx"}, {TraceFormat::kCasemate, "casemate"}}};

// Violation classes a run may show and still exit 0 (--allow).
enum class Allowance : uint8_t { kNone, kTransientFaults };
constexpr EnumNames<Allowance, 2> kAllowanceNames{{
    {Allowance::kNone, "none"}, {Allowance::kTransientFaults, "transient-faults"}}};

// A flag's value read through the enum's name table: --help shows {a|b|c}, and a wrong value is
// "'x' is not one of a, b or c". (The option's variable receives the enum's number.)
template <class E, size_t N>
CLI::Validator enum_option(const EnumNames<E, N>& names) {
  std::string shown;
  for (const EnumName<E>& n : names) shown += (shown.empty() ? "{" : "|") + std::string(n.name);
  return CLI::Validator(
      [&names](std::string& value) -> std::string {
        const std::optional<E> e = parse_enum(names, value);
        if (!e) return fmt::format("'{}' is not one of {}", value, enum_choices(names));
        value = std::to_string(static_cast<int>(*e));
        return "";
      },
      shown + "}");
}

struct CommonArgs {
  unsigned threads = default_threads();
  TraceFormat format = TraceFormat::kAuto;
  Allowance allow = Allowance::kNone;
  SectionPolicy sections = SectionPolicy::kSekvm;
  EngineVariant engine = EngineVariant::kSekvm;
  // --engine as given: a SeKVM engine variant (`engine`) or a kernel engine (`kernel`, resolved by
  // resolve_engine()); --vcpus and --cpu-features apply to kernel engines.
  std::string engine_name = "sekvm";
  std::optional<kernel::KernelEngine> kernel;
  uint32_t vcpus = 2;
  std::string cpu_features;
  uint32_t features = kernel::kDefaultCpuFeatures;
  ExploreMode mode = ExploreMode::kFast;
  CompareMode compare = CompareMode::kDescriptor;
  std::string report;
  bool report_all = false;
  std::string draw;
  std::string html;
  uint64_t draw_limit = 4;
  bool quiet = false;
  // The TLB pass (tlb/tlb_pass.h; of engine sections: tlb/section_tlb.h); off: output as without it.
  bool tlb = false;
  tlb::TlbOptions tlb_options;
  bool strict = false;  // TLB warnings fail too
};

void add_tlb_options(CLI::App* cmd, CommonArgs* c) {
  cmd->add_option("--tlb", c->tlb, "on: also the TLB verdicts (stale entries, conflicts); default off")
      ->transform(CLI::CheckedTransformer(std::map<std::string, bool>{{"on", true}, {"off", false}}));
  cmd->add_option("--ttl", c->tlb_options.ttl, "With --tlb on: TLBI TTL hints strict (default) or ignore")
      ->transform(CLI::CheckedTransformer(enum_map(tlb::kTtlModeNames)));
  cmd->add_option("--tlb-deadline", c->tlb_options.deadline,
                  "With --tlb on: judge stale entries at each unlock (default) or at the end only")
      ->transform(CLI::CheckedTransformer(enum_map(tlb::kDeadlineNames)));
  cmd->add_option("--bbm-level", c->tlb_options.bbm_level, "With --tlb on: FEAT_BBM level 0 (default), 1 or 2")
      ->check(CLI::Range(0, 2));
  cmd->add_flag("--strict", c->strict, "With --tlb on: TLB warnings (stale-permission, bbml2-multihit) fail too");
}

void add_input_options(CLI::App* cmd, InputArgs* a) {
  CLI::Option* preset = cmd->add_option("--preset", a->preset, "Embedded workload (default qemu-virt)")
                            ->check(CLI::IsMember({"qemu-virt"}));
  a->workload_opt = cmd->add_option("--workload", a->workload,
                                    "Workload file: 'map <vmid> <ipa> <level> <descriptor>', "
                                    "'unmap <vmid> <ipa> <level>', 'tlbi <vmid> <op> [<ipa> <level>]' and "
                                    "'dsb <vmid>' lines, begin/end sections, # comments");
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

// The kernel engines this ptx was built with (kernel/engines.h; none without kernel sources).
const std::vector<kernel::KernelEngine>& kernel_engines() {
  static const std::vector<kernel::KernelEngine> engines = kernel::kernel_engines(ptx_kernel_engines);
  return engines;
}

// --engine's help: the SeKVM model's variants, then each kernel engine with its version.
std::string engines_help() {
  std::string s = "Engine: the SeKVM model (" + enum_choices(kEngineVariantNames) + "; default sekvm)";
  std::string linux;
  for (const kernel::KernelEngine& e : kernel_engines()) {
    if (!e.mutant()) linux += fmt::format("{}{} (Linux {})", linux.empty() ? "" : ", ", e.name, e.version);
  }
  s += linux.empty() ? "; no kernel engine (built without kernel sources)" : "; Linux's arm64 KVM code: " + linux;
  return s;
}

// Resolves --engine and --cpu-features. Errors: an unknown engine (listing them), a bad feature.
Status resolve_engine(CommonArgs* c) {
  if (const std::optional<EngineVariant> v = parse_enum(kEngineVariantNames, c->engine_name)) {
    c->engine = *v;
    c->kernel.reset();
    return ok_status();
  }
  StatusOr<kernel::KernelEngine> found =
      kernel::find_kernel_engine(kernel_engines(), c->engine_name, enum_choices(kEngineVariantNames));
  if (!found.ok()) return bad_input("--engine: {}", found.status().message());
  const kernel::KernelEngine e = *found;
  c->kernel = e;
  if (!c->cpu_features.empty()) {
    PTX_ASSIGN_OR_RETURN(c->features, kernel::parse_cpu_features(c->cpu_features));
  }
  c->features &= e.table->features;  // what this version's code tests
  return ok_status();
}

void add_common_options(CLI::App* cmd, CommonArgs* c, bool sections, bool explore) {
  cmd->add_option("--threads", c->threads, "Worker threads (default: the number of cores)")
      ->check(CLI::Range(1u, 1024u));
  if (sections) {
    cmd->add_option("--sections", c->sections, "Section policy: sekvm (one leaf write per critical section) or batched")
        ->transform(enum_option(kSectionPolicyNames));
    cmd->add_option("--engine", c->engine_name, engines_help());
    cmd->add_option("--vcpus", c->vcpus, "Kernel engines: vCPU threads per VM, 1..4 (default 2)")->check(CLI::Range(1u, 4u));
    cmd->add_option("--cpu-features", c->cpu_features,
                    "Kernel engines: the CPU features the code finds, Arm's names: ttl, tlbirange, s2fwb, lpa2, none, "
                    "all (default ttl,tlbirange,s2fwb: Neoverse N2/V1/V2 hosts; docs/linux-engine.md)");
  }
  if (explore) {
    cmd->add_option("--mode", c->mode, "Explorer: fast (exact counting) or faithful (enumeration)")
        ->transform(enum_option(kExploreModeNames));
    cmd->add_option("--compare", c->compare, "What must match before/after: descriptor (Coq's pt_map value) or translation")
        ->transform(enum_option(kCompareModeNames));
    cmd->add_option("--report", c->report, "Write a JSON report here (atomically)");
    cmd->add_flag("--report-all", c->report_all, "List every section in the report, not only violating ones");
    cmd->add_option("--draw", c->draw,
                    "Write a Graphviz picture (.dot, and .svg when Graphviz is installed) of each violation into this directory");
    cmd->add_option("--html", c->html,
                    "Write an interactive page (self-contained HTML) of each violation group, and index.html, "
                    "into this directory");
    cmd->add_option("--draw-limit", c->draw_limit,
                    "With --draw or --html: violating sections drawn per VM (default 4)")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
    cmd->add_option("--allow", c->allow,
                    "transient-faults: exit 0 when the only violations are transient faults (break-before-make) "
                    "and there is no finding")
        ->transform(enum_option(kAllowanceNames));
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

// An explored run holds only the sections its summary describes; with --report the kept sections
// go to `sections` (spooled to disk), so a run of any length holds none of them.
run::RunConfig explored_config(const CommonArgs& c, formats::ReportSections* sections) {
  run::RunConfig cfg = config_of(c);
  cfg.keep_in_memory = kSummaryGroups;
  if (sections != nullptr) cfg.keep_sink = [sections](const CheckedSection& s) { return sections->add(s); };
  return cfg;
}

// The input as a stream: the qemu-virt preset made as the run pulls it (its millions of ops are
// never held at once), a workload file or a process read whole.
StatusOr<std::unique_ptr<workload::WorkloadStream>> load_input(const InputArgs& a, SectionPolicy policy) {
  const bool preset = a.workload_opt->count() == 0 && a.pid_opt->count() == 0;
  if (!preset) {
    for (const CLI::Option* o : {a.vms_opt, a.ops_opt, a.seed_opt}) {
      if (o->count() > 0) return bad_input("{} applies to --preset qemu-virt only", o->get_name());
    }
  }
  if (a.workload_opt->count() > 0 || a.pid_opt->count() > 0) {
    StatusOr<workload::Workload> w =
        a.workload_opt->count() > 0 ? workload::load_workload_file(a.workload, workload::ParseOptions{policy})
                                    : workload::make_from_process(workload::FromProcessOptions{a.pid, policy, "/proc"});
    if (!w.ok()) return std::move(w).status();
    return workload::prebuilt_stream(std::make_shared<const workload::Workload>(std::move(*w)));
  }
  return workload::stream_qemu_virt(workload::QemuVirtOptions{a.vms, a.seed, a.ops, policy});
}

std::string head_line(const std::string& cmd, const std::string& what, const CommonArgs& c, SectionPolicy policy,
                      EngineVariant engine, bool explored) {
  std::string s = fmt::format("ptx {}: {}, {} thread{}", cmd, what, c.threads, c.threads == 1 ? "" : "s");
  if (explored) s += fmt::format(", mode {}, compare {}", explore_mode_name(c.mode), compare_mode_name(c.compare));
  return s + fmt::format(", sections {}, engine {}", section_policy_name(policy), engine_variant_name(engine));
}

// The pictures of violations: --draw (Graphviz) and --html (interactive pages).
struct Pictures {
  std::unique_ptr<Drawings> drawings;
  std::unique_ptr<HtmlPages> pages;
  std::string source;  // names the input in the pages

  void on_violation(const Tables& before, const CheckedSection& s) {
    if (drawings) drawings->on_violation(before, s.section, s.exploration);
    if (pages) pages->on_violation(before, s, source);
  }
  // Finishes the pages' index and returns the first error of either.
  Status finish(const std::string& title) {
    if (drawings && !drawings->error().ok()) return drawings->error();
    return pages ? pages->finish(title) : ok_status();
  }
};

StatusOr<Pictures> pictures_of(const CommonArgs& c, const std::string& source) {
  Pictures p;
  p.source = source;
  if (!c.draw.empty()) {
    PTX_ASSIGN_OR_RETURN(p.drawings, Drawings::create(c.draw, c.draw_limit, c.compare, "--draw"));
  }
  if (!c.html.empty()) {
    PTX_ASSIGN_OR_RETURN(p.pages, HtmlPages::create(c.html, c.draw_limit, "--html"));
  }
  return p;
}

// Runs `source` with a progress display and, with --draw / --html, pictures of the violations.
StatusOr<run::RunOutcome> run_with_progress(run::SectionSource& source, run::RunConfig cfg, const CommonArgs& c,
                                            Pictures* pictures) {
  Progress progress(source.unit(), source.total_units(), c.quiet ? Progress::Style::kOff : Progress::Style::kAuto);
  cfg.on_progress = [&progress](uint64_t n) { progress.add(n); };
  if (pictures != nullptr && (pictures->drawings || pictures->pages)) {
    cfg.on_violation = [pictures](const NptImage& before, const Section& s, const Exploration& x) {
      pictures->on_violation(Tables(before), CheckedSection{s, x, 0, nullptr});
    };
  }
  StatusOr<run::RunOutcome> r = run::run_sections(source, cfg);
  progress.finish();
  return r;
}

// The TLB pass's results (--tlb on).
struct TlbResult {
  std::vector<tlb::TlbFinding> findings;
  tlb::TlbSummary summary;
  std::string source;  // what the findings' lines count: the workload or the trace read
};

// The TLB pass over the sections of a run (engine or ptx trace), when --tlb on: hooked into the
// runner (RunConfig::on_section), finished after it.
struct SectionTlbRun {
  std::optional<tlb::SectionTlb> pass;
  std::optional<TlbResult> result;
  std::string source;

  SectionTlbRun(const CommonArgs& c, const std::string& source_name, run::RunConfig* cfg) : source(source_name) {
    if (!c.tlb) return;
    tlb::SectionTlb* p = &pass.emplace(source, c.tlb_options);
    cfg->on_section = [p](const Section& s, uint64_t line) { return p->add(s, line); };
  }
  // The results (nullptr without --tlb on).
  const TlbResult* finish() {
    if (!pass) return nullptr;
    pass->finish();
    result = TlbResult{pass->findings(), pass->summary(), source};
    return &*result;
  }
};

struct Explored {
  std::string cmd, what, source;  // for the summary
  SectionPolicy policy;
  EngineVariant engine;
  std::vector<Finding> findings;
  const armcheck::CheckResult* casemate = nullptr;  // an Arm trace's counts and verdict
  const TlbResult* tlb = nullptr;                   // with --tlb on
  std::string head;                                 // the summary's first line, when not head_line()
  formats::ReportSections* sections = nullptr;      // the report's sections, when spooled
  std::string memory;                               // the summary's memory line (`run`), or empty
  const kernel::KernelEngine* kernel = nullptr;     // a kernel engine's run
};

// The report, the summary, the drawings' line and the exit status of an explored run.
// An interrupted run (SIGINT/SIGTERM): the summary of what was done, no output file, 128 + signal.
int finish_interrupted(const std::string& head, const run::RunOutcome& r, const std::string& source, bool explored,
                       std::string_view ops_name = "ops") {
  print_summary(stdout, head, r, {}, source, explored, SummaryNotes{std::string(ops_name), "", "", ""});
  std::printf("interrupted by signal %d: the figures above are those of the work done so far; no file was written\n",
              r.interrupted);
  std::fflush(stdout);
  return 128 + r.interrupted;
}

int finish_explored(const Explored& e, const CommonArgs& c, const run::RunOutcome& r, Pictures* pictures) {
  if (r.interrupted) {
    return finish_interrupted(e.head.empty() ? head_line(e.cmd, e.what, c, e.policy, e.engine, true) : e.head, r,
                              e.source, true, e.casemate != nullptr ? "records" : "ops");
  }
  if (!c.report.empty()) {
    formats::ReportMeta meta;
    meta.source = e.source;
    meta.policy = e.policy;
    meta.mode = c.mode;
    meta.compare = c.compare;
    meta.engine = e.engine;
    if (e.kernel != nullptr) {
      meta.kernel = {e.kernel->name, e.kernel->version, c.vcpus, kernel::cpu_features_name(c.features)};
    }
    if (e.casemate) {
      meta.casemate = true;
      meta.casemate_verdict = e.casemate->casemate_verdict;
      for (size_t k = 0; k < e.casemate->counts.by_kind.size(); ++k) {
        meta.records.emplace_back(armtrace::kEventKindNames[k].name, e.casemate->counts.by_kind[k]);
      }
    }
    if (e.tlb != nullptr) {
      meta.tlb_findings = tlb_findings_json(e.tlb->findings);
      meta.tlb_summary = tlb_summary_json(e.tlb->summary);
    }
    const Status s = e.sections != nullptr ? formats::write_report(c.report, meta, r.totals, *e.sections, e.findings)
                                           : formats::write_report(c.report, meta, r.totals, r.kept, e.findings, c.report_all);
    if (!s.ok()) return fail(s);
  }
  if (pictures != nullptr) {
    if (Status s = pictures->finish(fmt::format("ptx violations: {}", e.what)); !s.ok()) return fail(s);
  }
  SummaryNotes notes{e.casemate != nullptr ? "records" : "ops", e.memory, "", ""};
  if (e.tlb != nullptr) {
    notes.tlb_lines = tlb_lines(e.tlb->findings, e.tlb->source, kSummaryViolations);
    notes.tlb_verdict = tlb::verdict_suffix(e.tlb->summary);
  }
  print_summary(stdout, e.head.empty() ? head_line(e.cmd, e.what, c, e.policy, e.engine, true) : e.head, r,
                e.findings, e.source, true, notes);
  if (!c.report.empty()) std::printf("report: %s\n", c.report.c_str());
  if (pictures != nullptr && pictures->drawings) {
    const Drawings& d = *pictures->drawings;
    std::printf("drawings: %llu in %s\n", static_cast<unsigned long long>(d.pictures()), d.dir().c_str());
    if (!d.render_problem().empty()) std::printf("drawings: .dot only: %s\n", d.render_problem().c_str());
  }
  if (pictures != nullptr && pictures->pages) {
    std::printf("html: %llu pages in %s (index.html)\n", static_cast<unsigned long long>(pictures->pages->pages()),
                pictures->pages->dir().c_str());
  }
  std::fflush(stdout);
  const uint64_t failing = c.allow == Allowance::kTransientFaults ? r.totals.wrong_translations : r.totals.violations;
  const bool tlb_fails = e.tlb != nullptr && (e.tlb->summary.errors > 0 || (c.strict && e.tlb->summary.warnings > 0));
  return failing == 0 && e.findings.empty() && !tlb_fails ? kExitOk : kExitViolations;
}

int do_run_kernel(const InputArgs& in, const CommonArgs& c);
int do_record_kernel(const InputArgs& in, const CommonArgs& c, const std::string& out);

int do_run(const InputArgs& in, const CommonArgs& c) {
  if (c.kernel) return do_run_kernel(in, c);
  if (!c.report.empty()) {
    if (Status s = formats::check_writable(c.report, "--report"); !s.ok()) return fail(s);
  }
  StatusOr<std::unique_ptr<workload::WorkloadStream>> w = load_input(in, c.sections);
  if (!w.ok()) return fail(w.status());
  const std::string name = (*w)->source(), what = (*w)->description();
  StatusOr<Pictures> p = pictures_of(c, name);
  if (!p.ok()) return fail(p.status());
  run::EngineSource source(std::move(*w), c.sections, c.engine);
  formats::ReportSections sections;
  run::RunConfig cfg = explored_config(c, c.report.empty() ? nullptr : &sections);
  SectionTlbRun tlb(c, name, &cfg);
  StatusOr<run::RunOutcome> r = run_with_progress(source, cfg, c, &*p);
  if (!r.ok()) return fail(r.status());
  Explored e{"run", what, name, c.sections, c.engine, {}, nullptr, tlb.finish(), "", &sections, ""};
  e.memory = memory_line(source.engine().page_table_bytes(), peak_rss_bytes());
  return finish_explored(e, c, *r, &*p);
}

// `ptx record --format casemate`: the engine's sections as a casemate trace (armcheck/engine_export.h),
// made on one thread so that the trace is the same on every run (VMs interleave by runner chunks).
int do_record_casemate(std::unique_ptr<workload::WorkloadStream> w, CommonArgs c, const std::string& out) {
  c.threads = 1;
  formats::AtomicFile file(out);
  if (Status s = file.open(); !s.ok()) return fail(s);
  std::ostringstream buffer;
  armcheck::EngineCasemateWriter writer(buffer);
  run::RunConfig cfg = config_of(c);
  cfg.explore = false;
  cfg.sink = [&](const Section& s) -> Status {
    PTX_RETURN_IF_ERROR(writer.add(s));
    if (buffer.tellp() < (1 << 20)) return ok_status();
    PTX_RETURN_IF_ERROR(file.write(buffer.view()));
    buffer.str("");
    return ok_status();
  };
  const std::string name = w->source(), what = w->description();
  run::EngineSource source(std::move(w), c.sections, c.engine);
  StatusOr<run::RunOutcome> r = run_with_progress(source, cfg, c, nullptr);
  if (!r.ok()) return fail(r.status());
  if (r->interrupted) {
    return finish_interrupted(head_line("record", what, c, c.sections, c.engine, false), *r, name, false);
  }
  if (Status s = file.write(buffer.view()); !s.ok()) return fail(s);
  if (Status s = file.commit(); !s.ok()) return fail(s);
  print_summary(stdout, head_line("record", what, c, c.sections, c.engine, false), *r, {}, name, false);
  std::printf("trace: %s (casemate, %llu records)\n", out.c_str(), static_cast<unsigned long long>(writer.records()));
  std::fflush(stdout);
  return kExitOk;
}

int do_record(const InputArgs& in, const CommonArgs& c, const std::string& out) {
  if (Status s = formats::check_writable(out, "--out"); !s.ok()) return fail(s);
  if (c.kernel) return do_record_kernel(in, c, out);
  StatusOr<std::unique_ptr<workload::WorkloadStream>> w = load_input(in, c.sections);
  if (!w.ok()) return fail(w.status());
  if (c.format == TraceFormat::kCasemate) return do_record_casemate(std::move(*w), c, out);
  const std::string name = (*w)->source(), what = (*w)->description();
  formats::TraceWriter trace;
  run::RunConfig cfg = config_of(c);
  cfg.explore = false;
  cfg.sink = [&trace](const Section& s) { return trace.add(s); };
  run::EngineSource source(std::move(*w), c.sections, c.engine);
  StatusOr<run::RunOutcome> r = run_with_progress(source, cfg, c, nullptr);
  if (!r.ok()) return fail(r.status());
  if (r->interrupted) {
    return finish_interrupted(head_line("record", what, c, c.sections, c.engine, false), *r, name, false);
  }
  if (Status s = trace.commit(out, formats::TraceHeader{name, what, c.sections, 0, 0, c.engine});
      !s.ok()) {
    return fail(s);
  }
  print_summary(stdout, head_line("record", what, c, c.sections, c.engine, false), *r, {}, name, false);
  std::printf("trace: %s\n", out.c_str());
  std::fflush(stdout);
  return kExitOk;
}

// --- kernel engines (kernel/kernel_run.h) ----------------------------------------------------------

std::string kernel_head(const std::string& cmd, const std::string& what, const CommonArgs& c, bool explored) {
  std::string s = fmt::format("ptx {}: {}, {} thread{}", cmd, what, c.threads, c.threads == 1 ? "" : "s");
  if (explored) s += fmt::format(", mode {}, compare {}", explore_mode_name(c.mode), compare_mode_name(c.compare));
  return s + fmt::format(", engine {} (Linux {}), {} vCPU{}, CPU features {}", c.kernel->name, c.kernel->version,
                         c.vcpus, c.vcpus == 1 ? "" : "s", kernel::cpu_features_name(c.features));
}

// The input of a kernel engine: the preset continues with KVM's own paths (workload/kvm_steps.h).
StatusOr<std::unique_ptr<workload::WorkloadStream>> kernel_input(const InputArgs& in, const CommonArgs& c) {
  PTX_ASSIGN_OR_RETURN(std::unique_ptr<workload::WorkloadStream> w, load_input(in, c.sections));
  if (in.workload_opt->count() > 0 || in.pid_opt->count() > 0) return w;
  return workload::with_kvm_steps(std::move(w), workload::KvmStepsOptions{(c.kernel->table->calls >> PTX_K_SPLIT & 1) != 0});
}

kernel::KernelRunOptions kernel_options(const CommonArgs& c, Progress* progress) {
  kernel::KernelRunOptions o;
  o.vcpus = c.vcpus;
  o.features = c.features;
  o.threads = c.threads;
  o.check.explore = config_of(c).explore_options;
  o.check.keep_all = c.report_all;
  o.check.keep_in_memory = kSummaryGroups;
  o.tlb = c.tlb;
  o.tlb_options = c.tlb_options;
  o.on_progress = [progress](uint64_t n) { progress->add(n); };
  return o;
}

int do_run_kernel(const InputArgs& in, const CommonArgs& c) {
  if (!c.report.empty()) {
    if (Status s = formats::check_writable(c.report, "--report"); !s.ok()) return fail(s);
  }
  StatusOr<std::unique_ptr<workload::WorkloadStream>> w = kernel_input(in, c);
  if (!w.ok()) return fail(w.status());
  const std::string name = (*w)->source(), what = (*w)->description();
  StatusOr<Pictures> p = pictures_of(c, name);
  if (!p.ok()) return fail(p.status());
  formats::ReportSections sections;
  Progress progress("ops", (*w)->total_ops(), c.quiet ? Progress::Style::kOff : Progress::Style::kAuto);
  kernel::KernelRunOptions o = kernel_options(c, &progress);
  std::atomic<uint64_t> groups{0};
  std::mutex spool_mu;
  Status spool_error;
  o.check.on_section = [&](const CheckedSection& s) {
    if (!s.exploration.ok()) groups += group_violations(s.exploration).size();
    if (c.report.empty() || (!c.report_all && s.exploration.ok())) return;
    const Status st = sections.add(s);
    std::lock_guard<std::mutex> l(spool_mu);
    if (spool_error.ok()) spool_error = st;
  };
  if (p->drawings || p->pages) {
    o.check.on_violation = [&](const Tables& before, const CheckedSection& s) {
      std::lock_guard<std::mutex> l(spool_mu);
      p->on_violation(before, s);
    };
  }
  const auto start = std::chrono::steady_clock::now();
  StatusOr<kernel::KernelRunResult> k = kernel::run_kernel(*c.kernel, **w, o);
  progress.finish();
  if (!k.ok()) return fail(k.status());
  if (!spool_error.ok()) return fail(spool_error);
  run::RunOutcome r{k->totals, std::move(k->kept), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  r.totals.ops = (*w)->total_ops();
  r.interrupted = k->interrupted;
  r.violation_groups = groups;
  TlbResult tlb{k->tlb_findings, k->tlb_summary, name};
  Explored e{"run", what, name, c.sections, c.engine, std::move(k->findings), nullptr, c.tlb ? &tlb : nullptr,
             kernel_head("run", what, c, true), &sections, ""};
  e.kernel = &*c.kernel;
  e.memory = memory_line(k->table_pages_peak * 4096, peak_rss_bytes());
  return finish_explored(e, c, r, &*p);
}

// `ptx record --engine linux-NAME`: each VM's events in order (VMs one after another, in vmid
// order) as a casemate trace in ptx's dialect.
int do_record_kernel(const InputArgs& in, const CommonArgs& c0, const std::string& out) {
  CommonArgs c = c0;
  c.threads = 1;
  if (c.format != TraceFormat::kCasemate) {
    return fail(bad_input("{} records casemate traces only (--format casemate): its events are Arm page-table events, "
                          "which a ptx trace (SeKVM sections) cannot hold", c.kernel->name));
  }
  StatusOr<std::unique_ptr<workload::WorkloadStream>> w = kernel_input(in, c);
  if (!w.ok()) return fail(w.status());
  const std::string name = (*w)->source(), what = (*w)->description();
  formats::AtomicFile file(out);
  if (Status s = file.open(); !s.ok()) return fail(s);
  Progress progress("ops", (*w)->total_ops(), c.quiet ? Progress::Style::kOff : Progress::Style::kAuto);
  kernel::KernelRunOptions o = kernel_options(c, &progress);
  o.explore = false;
  uint64_t records = 0;
  o.on_events = [&](uint32_t, const kernel::EventLog& batch) -> Status {
    std::string text;
    for (const armtrace::Event& e : batch.events) text += armtrace::format_casemate(e) + "\n";
    records += batch.events.size();
    return file.write(text);
  };
  const auto start = std::chrono::steady_clock::now();
  StatusOr<kernel::KernelRunResult> k = kernel::run_kernel(*c.kernel, **w, o);
  progress.finish();
  if (!k.ok()) return fail(k.status());
  run::RunOutcome r{k->totals, {}, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  r.totals.ops = (*w)->total_ops();
  if (k->interrupted) return finish_interrupted(kernel_head("record", what, c, false), r, name, false);
  if (Status s = file.commit(); !s.ok()) return fail(s);
  print_summary(stdout, kernel_head("record", what, c, false), r, {}, name, false);
  std::printf("trace: %s (casemate, %llu records)\n", out.c_str(), static_cast<unsigned long long>(records));
  std::fflush(stdout);
  return kExitOk;
}

// `ptx check --format casemate TRACE`: an Arm trace, folded event by event (armcheck/).
int do_check_casemate(const std::string& path, std::istream& in, const CommonArgs& c) {
  armcheck::CheckOptions options;
  options.explore = config_of(c).explore_options;
  std::optional<tlb::TlbPass> tlb_pass;
  if (c.tlb) options.observer = &tlb_pass.emplace(c.tlb_options);
  std::optional<TlbResult> tlb_result;
  // The report's sections are spooled as they are explored; only the violating ones are held.
  formats::ReportSections sections(formats::ReportSections::Order::kAsAdded);
  Status spool_error;
  if (!c.report.empty()) {
    options.on_section = [&](const CheckedSection& s) {
      if (spool_error.ok() && (c.report_all || !s.exploration.ok())) spool_error = sections.add(s);
    };
  }
  StatusOr<Pictures> pictures = pictures_of(c, path);
  if (!pictures.ok()) return fail(pictures.status());
  if (pictures->drawings || pictures->pages) {
    options.on_violation = [p = &*pictures](const Tables& before, const CheckedSection& s) { p->on_violation(before, s); };
  }
  Progress progress("records", 0, c.quiet ? Progress::Style::kOff : Progress::Style::kAuto);
  uint64_t shown = 0;
  const auto start = std::chrono::steady_clock::now();
  StatusOr<armcheck::CasemateRun> run = armcheck::check_casemate(in, path, options, [&](uint64_t records) {
    progress.add(records - shown);
    shown = records;
  });
  progress.finish();
  if (!run.ok()) return fail(run.status());
  if (!spool_error.ok()) return fail(spool_error);
  for (const std::string& w : run->warnings) std::fprintf(stderr, "ptx: warning: %s\n", w.c_str());
  run::RunOutcome r{run->result.totals, std::move(run->result.kept),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  r.totals.ops = run->result.counts.records();  // shown as "records"
  for (const CheckedSection& k : r.kept) r.violation_groups += group_violations(k.exploration).size();
  r.interrupted = run->result.interrupted;
  if (tlb_pass) tlb_result = TlbResult{tlb_pass->findings(), tlb_pass->summary(), path};
  Explored e{"check", path, path, SectionPolicy::kBatched, EngineVariant::kSekvm, std::move(run->result.findings),
             &run->result, tlb_result ? &*tlb_result : nullptr, "", &sections, ""};
  e.head = fmt::format("ptx check: {} (casemate, {} records, {} root{}), mode {}, compare {}", path,
                       run->result.counts.records(), run->result.roots, run->result.roots == 1 ? "" : "s",
                       explore_mode_name(c.mode), compare_mode_name(c.compare));
  const int exit_status = finish_explored(e, c, r, &*pictures);
  if (exit_status <= kExitViolations && run->result.casemate_verdict) {
    std::printf("casemate verdict in the trace: %s\n", run->result.casemate_verdict->c_str());
  }
  return exit_status;
}

// The trace's sections, explored: streamed from the file (formats/trace_stream.h), or, when a VM's
// sections are out of seq order in it, read whole (read_trace sorts them).
StatusOr<run::RunOutcome> run_trace(const formats::TraceIndex& index, const run::RunConfig& cfg, const CommonArgs& c,
                                    Pictures* p) {
  if (!index.streamable()) {
    PTX_ASSIGN_OR_RETURN(const formats::Trace trace, formats::read_trace(index.path));
    run::TraceSource source(trace);
    return run_with_progress(source, cfg, c, p);
  }
  run::TraceStreamSource source(index);
  PTX_ASSIGN_OR_RETURN(run::RunOutcome r, run_with_progress(source, cfg, c, p));
  if (!r.interrupted) PTX_RETURN_IF_ERROR(source.check_op_count());
  return r;
}

int do_check(const std::string& path, const CommonArgs& c) {
  if (!c.report.empty()) {
    if (Status s = formats::check_writable(c.report, "--report"); !s.ok()) return fail(s);
  }
  if (c.format != TraceFormat::kPtx) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(io_error("{}: cannot open trace: {}", path, std::strerror(errno)));
    if (c.format == TraceFormat::kCasemate || armcheck::looks_like_casemate(in)) return do_check_casemate(path, in, c);
  }
  StatusOr<formats::TraceIndex> index = formats::index_trace(path);
  if (!index.ok()) return fail(index.status());
  StatusOr<Pictures> p = pictures_of(c, path);
  if (!p.ok()) return fail(p.status());
  formats::ReportSections sections;
  run::RunConfig cfg = explored_config(c, c.report.empty() ? nullptr : &sections);
  SectionTlbRun tlb(c, path, &cfg);
  StatusOr<run::RunOutcome> r = run_trace(*index, cfg, c, &*p);
  if (!r.ok()) return fail(r.status());
  const formats::TraceHeader& h = index->header;
  const std::string what = fmt::format("{} ({})", path, h.description.empty() ? h.source : h.description);
  return finish_explored(Explored{"check", what, h.source, h.policy, h.engine, {}, nullptr, tlb.finish(), "",
                                  &sections, ""},
                         c, *r, &*p);
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
  add_tlb_options(run, &run_c);

  CLI::App* record = app.add_subcommand("record", "Drive the engine and record its sections to a trace");
  add_input_options(record, &rec_in);
  add_common_options(record, &rec_c, true, false);
  record->add_option("--out", trace_out, "Trace file to write (atomically)")->required();
  record->add_option("--format", rec_c.format,
                     "ptx (JSON lines, the default) or casemate (Arm page-table events, for `ptx check`; one thread)")
      ->transform(enum_option(kRecordFormatNames));

  CLI::App* check = app.add_subcommand("check", "Check a trace offline: a ptx trace or an Arm (casemate) trace");
  check->add_option("TRACE", trace_in, "A trace written by ptx record, or a casemate-format trace")->required();
  check->add_option("--format", check_c.format, "auto (a first record '(' is casemate), ptx or casemate")
      ->transform(enum_option(kTraceFormatNames));
  add_common_options(check, &check_c, false, true);
  add_tlb_options(check, &check_c);

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
    if (run->parsed()) {
      if (Status s = resolve_engine(&run_c); !s.ok()) return fail(s);
      return do_run(run_in, run_c);
    }
    if (record->parsed()) {
      if (Status s = resolve_engine(&rec_c); !s.ok()) return fail(s);
      return do_record(rec_in, rec_c, trace_out);
    }
    return do_check(trace_in, check_c);
  } catch (const std::exception& e) {  // a bug (e.g. std::bad_alloc): never a crash
    return fail(internal_error("internal error: {}", e.what()));
  }
}

}  // namespace ptx::cli
