// SPDX-License-Identifier: BSD-2-Clause
#include "tools/ptx/cli.h"

#include <algorithm>
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
#include <set>
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
#include "base/shard.h"
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
#include "tools/ptx/schedules_cmd.h"
#include "tools/ptx/summary.h"
#include "tools/ptx/tlb_output.h"
#include "tlb/section_tlb.h"
#include "workload/from_process.h"
#include "workload/kvm_steps.h"
#include "workload/qemu_virt.h"
#include "workload/workload_file.h"
#include "workload/workload_stream.h"
#include "report/sarif.h"
#include "report/shard_facts.h"
#include "report/signature_json.h"
#include "report/signature_lanes.h"
#include "report/signature_text.h"

namespace ptx::cli {
namespace {

constexpr int kExitOk = 0;          // no violation
constexpr int kExitViolations = 1;  // at least one violation
constexpr int kExitBadInput = 2;    // bad input or an output that could not be written
constexpr int kExitInternal = 3;    // a bug

// Prints the error and returns its exit status.
int fail(const Status& s) {
  std::fflush(stdout);
  std::string text = s.to_string();
  // Bad input points to the documents that describe what ptx accepts.
  if (s.code() == StatusCode::kBadInput && text.find("docs/") == std::string::npos) {
    text += " (docs/formats.md describes ptx's inputs, docs/cli.md its options)";
  }
  std::fprintf(stderr, "ptx: %s\n", text.c_str());
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

// "{a|b|c}": the names of a flag's values, as --help shows them.
template <class E, size_t N>
std::string names_shown(const EnumNames<E, N>& names) {
  std::string shown;
  for (const EnumName<E>& n : names) shown += (shown.empty() ? "{" : "|") + std::string(n.name);
  return shown + "}";
}

// Adds to `o` a flag value read through the enum's name table: CLI11's CheckedTransformer over the
// table (the option's variable receives the enum), whose help shows the names ({a|b|c}); a check in
// front of it says "'x' is not one of a, b or c" for anything else (CheckedTransformer's own message
// would print the enum's numbers).
template <class E, size_t N>
CLI::Option* enum_option(CLI::Option* o, const EnumNames<E, N>& names) {
  o->transform(CLI::CheckedTransformer(enum_map(names)).description(names_shown(names)));
  o->transform(CLI::Validator(
      [&names](std::string& value) -> std::string {
        if (parse_enum(names, value)) return "";
        return fmt::format("'{}' is not one of {} (docs/cli.md)", value, enum_choices(names));
      },
      ""));
  return o;
}

// on / off (--tlb).
enum class OnOff : uint8_t { kOff, kOn };
constexpr EnumNames<OnOff, 2> kOnOffNames{{{OnOff::kOn, "on"}, {OnOff::kOff, "off"}}};

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
  uint64_t examples = 16;  // example sections per signature in the report
  std::string sarif;
  bool quiet = false;
  // The TLB pass (tlb/tlb_pass.h; of engine sections: tlb/section_tlb.h); off: output as without it.
  OnOff tlb = OnOff::kOn;
  tlb::TlbOptions tlb_options;
  bool strict = false;  // TLB warnings fail too
  std::string shard_text;  // --shard I/N (run), parsed into `shard`
  Shard shard;
};

void add_tlb_options(CLI::App* cmd, CommonArgs* c) {
  enum_option(cmd->add_option("--tlb", c->tlb, "on (default): also the TLB verdicts (stale entries, conflicts; "
                                                "docs/tlb-model.md); off: the transactional check alone"),
              kOnOffNames);
  enum_option(cmd->add_option("--ttl", c->tlb_options.ttl, "With --tlb on: TLBI TTL hints strict (default) or ignore"),
              tlb::kTtlModeNames);
  enum_option(cmd->add_option("--tlb-deadline", c->tlb_options.deadline,
                              "With --tlb on: judge stale entries at each unlock (default) or at the end only"),
              tlb::kDeadlineNames);
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
  a->ops_opt = cmd->add_option("--ops", a->ops,
                               fmt::format("qemu-virt: faults per VM (default {}; a kernel engine runs about "
                                           "50,000 a second: try 100000 for a first run)",
                                           workload::kQemuVirtDefaultOpsPerVm))
                   ->check(CLI::Range(workload::kQemuVirtMinOpsPerVm, workload::kQemuVirtMaxOpsPerVm));
}

// The kernel engines this ptx was built with (kernel/engines.h; none without kernel sources).
const std::vector<kernel::KernelEngine>& kernel_engines() {
  static const std::vector<kernel::KernelEngine> engines = kernel::kernel_engines(ptx_kernel_engines);
  return engines;
}

// --engine's help: the SeKVM model's variants, then each kernel engine with its version.
std::string engines_help() {
  std::string s = "Engine: the SeKVM model (" + enum_choices(kEngineVariantNames) + "; default sekvm)";
  std::string linux, mutants;
  for (const kernel::KernelEngine& e : kernel_engines()) {
    std::string& list = e.mutant() ? mutants : linux;
    list += fmt::format("{}{}", list.empty() ? "" : ", ", e.name);
    if (!e.mutant()) list += fmt::format(" (Linux {})", e.version);
  }
  s += linux.empty() ? "; no kernel engine (built without kernel sources)" : "; Linux's arm64 KVM code: " + linux;
  if (!mutants.empty()) s += "; its mutants (docs/linux-engine.md): " + mutants;
  return s;
}

// --engine takes one of the engines' names: the SeKVM model's variants and the kernel engines
// (help: ENUM:{...} without the mutants, which it takes too; a wrong name: "'x' is not one of ...").
void engine_option(CLI::Option* o) {
  std::vector<std::string> names;
  for (const auto& n : kEngineVariantNames) names.emplace_back(n.name);
  for (const kernel::KernelEngine& e : kernel_engines()) {
    if (!e.mutant()) names.push_back(e.name);
  }
  std::string shown, listed;
  for (size_t i = 0; i < names.size(); ++i) {
    shown += (i == 0 ? "{" : "|") + names[i];
    listed += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  }
  o->type_name("ENUM");
  o->check(CLI::Validator(
      [listed](std::string& value) -> std::string {
        if (parse_enum(kEngineVariantNames, value)) return "";
        for (const kernel::KernelEngine& e : kernel_engines()) {
          if (e.name == value) return "";
        }
        return fmt::format("'{}' is not one of {} (docs/cli.md, docs/linux-engine.md)", value, listed);
      },
      shown + "}"));
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

// Parses --shard into c->shard (the whole run without it). Errors: parse_shard's.
Status resolve_shard(CommonArgs* c) {
  if (c->shard_text.empty()) return ok_status();
  PTX_ASSIGN_OR_RETURN(c->shard, parse_shard(c->shard_text));
  return ok_status();
}

void add_common_options(CLI::App* cmd, CommonArgs* c, bool sections, bool explore) {
  cmd->add_option("--threads", c->threads, "Worker threads (default: the number of cores)")
      ->check(CLI::Range(1u, 1024u));
  if (sections) {
    enum_option(cmd->add_option("--sections", c->sections, "Section policy: sekvm (one leaf write per critical section) or batched"), kSectionPolicyNames);
    engine_option(cmd->add_option("--engine", c->engine_name, engines_help()));
    cmd->add_option("--vcpus", c->vcpus, "Kernel engines: vCPU threads per VM, 1..4 (default 2)")->check(CLI::Range(1u, 4u));
    cmd->add_option("--cpu-features", c->cpu_features,
                    "Kernel engines: the CPU features the code finds, Arm's names: ttl, tlbirange, s2fwb, lpa2, none, "
                    "all (default ttl,tlbirange,s2fwb: Neoverse N2/V1/V2 hosts; docs/linux-engine.md)");
  }
  if (explore) {
    enum_option(cmd->add_option("--mode", c->mode, "Explorer: fast (exact counting) or faithful (enumeration)"), kExploreModeNames);
    enum_option(cmd->add_option("--compare", c->compare, "What must match before/after: descriptor (Coq's pt_map value) or translation"), kCompareModeNames);
    cmd->add_option("--report", c->report,
                    "Write a JSON report here (atomically): the bug signatures, each with up to --examples sections "
                    "(docs/report.md)");
    cmd->add_flag("--report-all", c->report_all, "List every section in the report, not only the signatures' examples");
    cmd->add_option("--examples", c->examples, "Example sections per bug signature in the report (default 16)")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
    cmd->add_option("--sarif", c->sarif,
                    "Write a SARIF 2.1.0 log here (atomically): one result per bug signature, for code-scanning "
                    "services and editors (docs/report.md)");
    cmd->add_option("--draw", c->draw,
                    "Write Graphviz pictures (.dot, and .svg when Graphviz is installed) of each bug signature's first "
                    "violations into this directory");
    cmd->add_option("--html", c->html,
                    "Write index.html, a table of the bug signatures, and an interactive page (self-contained HTML) of "
                    "each one's first occurrences into this directory");
    cmd->add_option("--draw-limit", c->draw_limit,
                    "With --draw or --html: pictures or pages per bug signature (default 4)")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1000000}));
    enum_option(cmd->add_option("--allow", c->allow,
                    "transient-faults: exit 0 when the only violations are transient faults (break-before-make) "
                    "and there is no finding"), kAllowanceNames);
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

// An explored run holds only its signatures (report/signature_lanes.h); with --report the kept
// sections go to `sections` (spooled to disk): every section with --report-all, else those that
// became an example of a signature in their lane (the report keeps the first --examples of each).
run::RunConfig explored_config(const CommonArgs& c, formats::ReportSections* sections,
                               const report::SignatureLanes* signatures) {
  run::RunConfig cfg = config_of(c);
  cfg.keep_in_memory = kSummaryGroups;
  if (sections == nullptr) return cfg;
  cfg.keep_sink = [sections, signatures, all = c.report_all](const CheckedSection& s) {
    if (!all && !signatures->is_example(s.section.vmid, s.section.seq)) return ok_status();
    return sections->add(s);
  };
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
  if (!c.shard.whole()) s += fmt::format(", shard {}", c.shard.text());
  if (explored) s += fmt::format(", mode {}, compare {}", explore_mode_name(c.mode), compare_mode_name(c.compare));
  return s + fmt::format(", sections {}, engine {}", section_policy_name(policy), engine_variant_name(engine));
}

// The pictures of violations: --draw (Graphviz) and --html (interactive pages).
struct Pictures {
  std::unique_ptr<Drawings> drawings;
  std::unique_ptr<HtmlPages> pages;
  std::string source;  // names the input in the pages

  bool any() const { return drawings || pages; }
  // `s` in its explored form (report/signature.h), at `at`.
  void on_violation(const Tables& before, const CheckedSection& s, const report::Occurrence& at) {
    if (drawings) drawings->on_violation(before, s, at);
    if (pages) pages->on_violation(before, s, at, source);
  }
  // Removes the pictures past each signature's limit, writes the pages' index of `entries` and
  // returns the first error of either.
  Status finish(const std::string& title, const std::vector<report::SignatureEntry>& entries) {
    if (drawings) PTX_RETURN_IF_ERROR(drawings->finish());
    return pages ? pages->finish(title, entries, source) : ok_status();
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

// Runs `source` with a progress display and, for an explored run, its bug signatures and, with
// --draw / --html, pictures of their first occurrences.
StatusOr<run::RunOutcome> run_with_progress(run::SectionSource& source, run::RunConfig cfg, const CommonArgs& c,
                                            Pictures* pictures, report::SignatureLanes* signatures = nullptr) {
  Progress progress(source.unit(), source.total_units(), c.quiet ? Progress::Style::kOff : Progress::Style::kAuto);
  cfg.on_progress = [&progress](uint64_t n) { progress.add(n); };
  if (signatures != nullptr) {
    cfg.on_violating = [pictures, signatures](const NptImage& before, const CheckedSection& s) {
      signatures->add_section(s);
      if (pictures != nullptr && pictures->any()) pictures->on_violation(Tables(before), s, report::occurrence_of(s));
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

  // A shard (base/shard.h) runs the TLB pass of the VMs it owns (owns_lane): the pass follows a
  // VM's whole history, so it is not split by line.
  SectionTlbRun(const CommonArgs& c, const std::string& source_name, run::RunConfig* cfg) : source(source_name) {
    if (c.tlb != OnOff::kOn) return;
    tlb::SectionTlb* p = &pass.emplace(source, c.tlb_options);
    cfg->on_section = [p, shard = c.shard](const Section& s, uint64_t line) {
      return shard.owns_lane(s.vmid) ? p->add(s, line) : ok_status();
    };
  }
  // Lends the pass the tables the source's engine keeps (SectionSource::shared_tables), if any.
  void share(const run::SectionSource& src) {
    if (!pass) return;
    for (uint32_t lane : src.lanes()) {
      if (PoolMemory m = src.shared_tables(lane)) pass->share_tables(lane, m);
    }
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
  report::SignatureTable* signatures = nullptr;     // the violations' signatures (findings' and TLB's added here)
  const kernel::KernelEngine* kernel = nullptr;     // a kernel engine's run
};

// Every signature of the run: its violations' (already in e.signatures), its findings' and its
// TLB verdicts' (stale-benign ones are information, not bugs: left out).
std::vector<report::SignatureEntry> signature_entries(const Explored& e) {
  report::SignatureTable& t = *e.signatures;
  for (const Finding& f : e.findings) {
    t.add_finding(f, report::Occurrence{kVmCount, f.line, 0, 0, f.line, true});
  }
  if (e.tlb != nullptr) {  // by line (a section's verdicts share its line): by VM, then in VM order, before
    std::vector<const tlb::TlbFinding*> by_line;
    for (const tlb::TlbFinding& f : e.tlb->findings) {
      if (f.verdict != tlb::Verdict::kStaleBenign) by_line.push_back(&f);
    }
    std::stable_sort(by_line.begin(), by_line.end(),
                     [](const tlb::TlbFinding* a, const tlb::TlbFinding* b) { return a->line < b->line; });
    for (const tlb::TlbFinding* f : by_line) t.add_tlb(*f, report::Occurrence{kVmCount + 1, f->line, 0, 0, f->line, true});
  }
  std::vector<report::SignatureEntry> entries = t.entries();
  for (report::SignatureEntry& s : entries) {
    if (e.tlb != nullptr && s.key.family == report::Family::kTlb) s.source = e.tlb->source;
  }
  return entries;
}

// The report keeps the signatures' example sections (a bounded report).
void select_examples(formats::ReportSections* sections, const std::vector<report::SignatureEntry>& entries) {
  auto examples = std::make_shared<std::set<std::pair<uint32_t, uint64_t>>>();
  for (const report::SignatureEntry& e : entries) {
    if (e.representative == nullptr) continue;
    for (const report::Occurrence& o : e.examples) examples->emplace(o.lane % kVmCount, o.pos);
  }
  sections->select([examples](uint32_t vm, uint64_t pos) { return examples->count({vm, pos}) > 0; });
}

// A shard's facts (report/shard_facts.h) for its report and SARIF log, or null for a whole run:
// "run" names the input and every option that changes what the shards find.
nlohmann::json shard_json(const Explored& e, const CommonArgs& c) {
  if (c.shard_text.empty()) return nullptr;  // not sharded (--shard 0/1 is a shard: its files merge)
  std::string run = fmt::format("ptx {} {} ({}): mode {}, compare {}, sections {}, engine {}, tlb {}", e.cmd, e.what,
                                e.source, explore_mode_name(c.mode), compare_mode_name(c.compare),
                                section_policy_name(e.policy), engine_variant_name(e.engine), enum_name(kOnOffNames, c.tlb));
  if (c.tlb == OnOff::kOn) {
    run += fmt::format(" (ttl {}, deadline {}, bbm level {})", enum_name(tlb::kTtlModeNames, c.tlb_options.ttl),
                       enum_name(tlb::kDeadlineNames, c.tlb_options.deadline), c.tlb_options.bbm_level);
  }
  return report::shard_facts_json(report::ShardFacts{c.shard, run, c.examples, c.report_all});
}

// The report, the summary, the drawings' line and the exit status of an explored run.
// An interrupted run (SIGINT/SIGTERM): the summary of what was done, no output file, 128 + signal.
int finish_interrupted(const std::string& head, const run::RunOutcome& r, const std::string& source, bool explored,
                       std::string_view ops_name = "ops") {
  print_summary(stdout, head, r, {}, source, explored, SummaryNotes{std::string(ops_name), "", "", "", std::nullopt});
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
  const std::vector<report::SignatureEntry> entries = signature_entries(e);
  if (!c.sarif.empty()) {
    const report::SarifInfo info{PTX_VERSION, e.source, shard_json(e, c)};
    if (Status s = report::write_sarif(c.sarif, entries, info); !s.ok()) return fail(s);
  }
  if (!c.report.empty()) {
    formats::ReportMeta meta{e.source, e.policy, c.mode, c.compare, e.engine, false, {}, {}, nullptr, nullptr,
                             report::signatures_json(entries)};
    meta.shard = shard_json(e, c);
    if (e.kernel != nullptr) {
      meta.kernel = {e.kernel->name, e.kernel->version, c.vcpus, kernel::cpu_features_name(c.features)};
    }
    if (!c.report_all && e.sections != nullptr) select_examples(e.sections, entries);
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
    if (Status s = pictures->finish(fmt::format("ptx bug signatures: {}", e.what), entries); !s.ok()) return fail(s);
  }
  SummaryNotes notes{e.casemate != nullptr ? "records" : "ops", e.memory, "", "", std::nullopt};
  notes.signatures = report::signatures_text(entries, e.source, kSummarySignatures);
  if (e.tlb != nullptr) notes.tlb_verdict = tlb::verdict_suffix(e.tlb->summary);
  print_summary(stdout, e.head.empty() ? head_line(e.cmd, e.what, c, e.policy, e.engine, true) : e.head, r,
                e.findings, e.source, true, notes);
  if (!c.report.empty()) std::printf("report: %s\n", c.report.c_str());
  if (!c.sarif.empty()) std::printf("sarif: %s\n", c.sarif.c_str());
  if (pictures != nullptr && pictures->drawings) {
    const Drawings& d = *pictures->drawings;
    std::printf("drawings: %llu in %s\n", static_cast<unsigned long long>(d.pictures()), d.dir().c_str());
    if (!d.render_problem().empty()) std::printf("drawings: .dot only: %s\n", d.render_problem().c_str());
  }
  if (pictures != nullptr && pictures->pages) {
    std::printf("html: %llu pages in %s (index.html: the bug signatures)\n",
                static_cast<unsigned long long>(pictures->pages->pages()),
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
  if (c.kernel && !c.shard.whole()) {
    return fail(bad_input("--shard {} with --engine {}: a kernel engine's vCPU threads interleave differently on every "
                          "run, so shards of it are not parts of one run; shard its schedules instead (ptx schedules "
                          "--shard I/N, docs/schedules.md)", c.shard.text(), c.engine_name));
  }
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
  formats::ReportSections sections(formats::ReportSections::Order::kByVm, !c.report_all);
  report::SignatureLanes signatures(c.examples);
  run::RunConfig cfg = explored_config(c, c.report.empty() ? nullptr : &sections, &signatures);
  cfg.shard = c.shard;
  SectionTlbRun tlb(c, name, &cfg);
  tlb.share(source);
  StatusOr<run::RunOutcome> r = run_with_progress(source, cfg, c, &*p, &signatures);
  if (!r.ok()) return fail(r.status());
  report::SignatureTable table = signatures.merged();
  Explored e{"run", what, name, c.sections, c.engine, {}, nullptr, tlb.finish(), "", &sections, "", &table};
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
  o.tlb = c.tlb == OnOff::kOn;
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
  // Positions are events of a VM, numbered from 1 in each (kernel_run.h): "vm-events:N" with the
  // section's VMID beside it, not lines of the workload.
  const std::string name = "vm-events", what = (*w)->description();
  StatusOr<Pictures> p = pictures_of(c, name);
  if (!p.ok()) return fail(p.status());
  formats::ReportSections sections(formats::ReportSections::Order::kByVm, !c.report_all);
  report::SignatureLanes signatures(c.examples);
  Progress progress("ops", (*w)->total_ops(), c.quiet ? Progress::Style::kOff : Progress::Style::kAuto);
  kernel::KernelRunOptions o = kernel_options(c, &progress);
  std::atomic<uint64_t> groups{0};
  std::mutex spool_mu;
  Status spool_error;
  // On each VM's folding thread (lane: the VM): its sections in order, VMs concurrently.
  o.check.on_section = [&](const CheckedSection& s) {
    if (!s.exploration.ok()) {
      groups += group_violations(s.exploration).size();
      signatures.add_section(s);
    }
    if (c.report.empty() || (!c.report_all && (s.exploration.ok() || !signatures.is_example(s.section.vmid, s.section.seq)))) return;
    const Status st = sections.add(s);
    std::lock_guard<std::mutex> l(spool_mu);
    if (spool_error.ok()) spool_error = st;
  };
  if (p->any()) {
    o.check.on_violation = [&](const Tables& before, const CheckedSection& s) {
      std::lock_guard<std::mutex> l(spool_mu);
      p->on_violation(before, s, report::occurrence_of(s));
    };
  }
  const auto start = std::chrono::steady_clock::now();
  StatusOr<kernel::KernelRunResult> k = kernel::run_kernel(*c.kernel, **w, o);
  progress.finish();
  if (!k.ok()) return fail(k.status());
  if (!spool_error.ok()) return fail(spool_error);
  run::RunOutcome r{k->totals, std::move(k->kept), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
  r.interrupted = k->interrupted;
  r.violation_groups = groups;
  TlbResult tlb{k->tlb_findings, k->tlb_summary, name};
  report::SignatureTable table = signatures.merged();
  Explored e{"run", what, name, c.sections, c.engine, std::move(k->findings), nullptr,
             c.tlb == OnOff::kOn ? &tlb : nullptr, kernel_head("run", what, c, true), &sections, "", &table};
  e.kernel = &*c.kernel;
  e.memory = memory_line(k->table_pages_peak * 4096, peak_rss_bytes());
  return finish_explored(e, c, r, &*p);
}

// `ptx record --engine linux-NAME`: each VM's events in order (VMs one after another, in vmid
// order) as a casemate trace in ptx's dialect.
int do_record_kernel(const InputArgs& in, const CommonArgs& c0, const std::string& out) {
  CommonArgs c = c0;
  c.threads = 1;
  if (c.format == TraceFormat::kPtx) {
    return fail(bad_input("--format ptx: {} records casemate traces only (the default for it): a ptx trace holds SeKVM "
                          "sections, one writer at a time, and cannot hold its read-locked sections that overlap in "
                          "time, cmpxchg, table allocation and frees (docs/linux-engine.md)", c.kernel->name));
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
  if (c.tlb == OnOff::kOn) options.observer = &tlb_pass.emplace(c.tlb_options);
  std::optional<TlbResult> tlb_result;
  // The report's sections are spooled as they are explored: every one with --report-all, else
  // those that became an example of a signature; the signatures are counted as they come.
  formats::ReportSections sections(formats::ReportSections::Order::kAsAdded, !c.report_all);
  report::SignatureTable signatures(c.examples);
  uint64_t order = 0;  // the (section, root) records' positions, in trace order
  Status spool_error;
  options.on_section = [&](const CheckedSection& s) {
    const bool example = !s.exploration.ok() && signatures.add_section(s, report::occurrence_of(s, order));
    if (!c.report.empty() && spool_error.ok() && (c.report_all || example)) spool_error = sections.add(s, order);
    ++order;
  };
  // Without --report-all a section without a violation is only counted: no record is built for it.
  if (!c.report_all) options.on_clean_section = [&order] { ++order; };
  StatusOr<Pictures> pictures = pictures_of(c, path);
  if (!pictures.ok()) return fail(pictures.status());
  if (pictures->any()) {
    // on_section comes before on_violation for the same record (event_checker.h): its position
    // is order - 1.
    options.on_violation = [p = &*pictures, &order](const Tables& before, const CheckedSection& s) {
      p->on_violation(before, s, report::occurrence_of(s, order - 1));
    };
  }
  Progress progress("records", 0, c.quiet ? Progress::Style::kOff : Progress::Style::kAuto);
  uint64_t shown = 0;
  const auto start = std::chrono::steady_clock::now();
  StatusOr<armcheck::CasemateRun> run = armcheck::check_casemate(
      in, path, options,
      [&](uint64_t records) {
        progress.add(records - shown);
        shown = records;
      },
      c.threads);
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
             &run->result, tlb_result ? &*tlb_result : nullptr, "", &sections, "", &signatures};
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
                                    Pictures* p, report::SignatureLanes* signatures) {
  if (!index.streamable()) {
    PTX_ASSIGN_OR_RETURN(const formats::Trace trace, formats::read_trace(index.path));
    run::TraceSource source(trace);
    return run_with_progress(source, cfg, c, p, signatures);
  }
  run::TraceStreamSource source(index);
  PTX_ASSIGN_OR_RETURN(run::RunOutcome r, run_with_progress(source, cfg, c, p, signatures));
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
  formats::ReportSections sections(formats::ReportSections::Order::kByVm, !c.report_all);
  report::SignatureLanes signatures(c.examples);
  run::RunConfig cfg = explored_config(c, c.report.empty() ? nullptr : &sections, &signatures);
  SectionTlbRun tlb(c, path, &cfg);
  StatusOr<run::RunOutcome> r = run_trace(*index, cfg, c, &*p, &signatures);
  if (!r.ok()) return fail(r.status());
  const formats::TraceHeader& h = index->header;
  const std::string what = fmt::format("{} ({})", path, h.description.empty() ? h.source : h.description);
  report::SignatureTable table = signatures.merged();
  return finish_explored(Explored{"check", what, h.source, h.policy, h.engine, {}, nullptr, tlb.finish(), "",
                                  &sections, "", &table},
                         c, *r, &*p);
}

// CLI11 would take an unknown first word for an argument: name it.
Status check_subcommand(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return ok_status();
  const std::string sub = argv[1];
  if (sub == "run" || sub == "record" || sub == "check" || sub == "schedules" || sub == "merge") return ok_status();
  return bad_input("unknown subcommand '{}' (expected run, record, check, schedules or merge)\nRun 'ptx --help' for "
                   "usage.", sub);
}

CLI::App* add_run_command(CLI::App& app, InputArgs* in, CommonArgs* c) {
  CLI::App* run = app.add_subcommand("run", "Drive the engine with a workload and explore every section");
  add_input_options(run, in);
  add_common_options(run, c, true, true);
  add_tlb_options(run, c);
  run->add_option("--shard", c->shard_text,
                  "I/N: explore part I of N of the run (the sections of the workload lines the shard owns; every shard "
                  "makes every section); join the shards' --report and --sarif files with ptx merge (docs/cli.md)");
  return run;
}

}  // namespace

int check_casemate_pages(const std::string& name, const std::string& trace, const std::string& html_dir, bool tlb,
                         bool translation) {
  CommonArgs c;
  c.threads = 1;
  c.quiet = true;
  c.html = html_dir;
  c.tlb = tlb ? OnOff::kOn : OnOff::kOff;
  c.compare = translation ? CompareMode::kTranslation : CompareMode::kDescriptor;
  std::istringstream in(trace);
  try {
    return do_check_casemate(name, in, c);
  } catch (const std::exception& e) {  // a bug: never a crash
    return fail(internal_error("internal error: {}", e.what()));
  }
}

int ptx_main(int argc, char** argv) {
  CLI::App app{
      "ptx: explores every critical section of a SeKVM stage-2 page-table workload for the Transactional Page "
      "Table condition (every subset of its writes, in every order, leaves every address at its before- or "
      "after-mapping). Documentation: docs/ in the source tree (README.md, docs/cli.md, docs/verdicts.md)",
      "ptx"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");

  InputArgs run_in, rec_in;
  CommonArgs run_c, rec_c, check_c;
  std::string trace_out, trace_in;

  CLI::App* run = add_run_command(app, &run_in, &run_c);

  CLI::App* record = app.add_subcommand("record", "Drive the engine and record its sections to a trace");
  add_input_options(record, &rec_in);
  add_common_options(record, &rec_c, true, false);
  record->add_option("--out", trace_out, "Trace file to write (atomically)")->required();
  enum_option(record->add_option("--format", rec_c.format, "ptx (JSON lines; the SeKVM engines' default) or casemate (Arm "
                                 "events, one thread; the kernel engines' only format; docs/formats.md)"),
              kRecordFormatNames);

  CLI::App* check = app.add_subcommand("check", "Check a trace offline: a ptx trace or an Arm (casemate) trace");
  check->add_option("TRACE", trace_in, "A trace written by ptx record, or a casemate-format trace")->required();
  enum_option(check->add_option("--format", check_c.format, "auto (a first record '(' is casemate), ptx or casemate"), kTraceFormatNames);
  add_common_options(check, &check_c, false, true);
  add_tlb_options(check, &check_c);

  ScheduleCommands sched;
  sched.add(app);
  if (Status s = check_subcommand(argc, argv); !s.ok()) return fail(s);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    return fail(bad_input("{}\nRun 'ptx --help' (or 'ptx SUBCOMMAND --help') for usage; docs/cli.md explains every "
                          "option.", e.what()));
  }
  try {
    if (run->parsed()) {
      if (Status s = resolve_engine(&run_c); !s.ok()) return fail(s);
      if (Status s = resolve_shard(&run_c); !s.ok()) return fail(s);
      return do_run(run_in, run_c);
    }
    if (record->parsed()) {
      if (Status s = resolve_engine(&rec_c); !s.ok()) return fail(s);
      return do_record(rec_in, rec_c, trace_out);
    }
    if (sched.parsed()) {
      StatusOr<int> code = sched.run();
      return code.ok() ? *code : fail(code.status());
    }
    return do_check(trace_in, check_c);
  } catch (const std::exception& e) {  // a bug (e.g. std::bad_alloc): never a crash
    return fail(internal_error("internal error: {}", e.what()));
  }
}

}  // namespace ptx::cli
