#include "tools/ptx/trace.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "explorer/faithful.h"
#include "explorer/section_checker.h"
#include "pagetable/npt_error.h"
#include "tools/ptx/atomic_file.h"
#include "tools/ptx/bad_input.h"
#include "tools/ptx/report.h"
#include "tools/ptx/section_policy.h"
#include "tools/ptx/vm_scheduler.h"
#include "tools/ptx/workload.h"

namespace ptx::cli {

using nlohmann::json;

struct TraceWriter::Part {
  std::FILE* file = nullptr;
  std::string buffer;
  uint64_t sections = 0;
  uint64_t ops = 0;
  ~Part() {
    if (file != nullptr) std::fclose(file);
  }
  void flush() {
    if (buffer.empty()) return;
    if (file == nullptr) {
      file = std::tmpfile();
      if (file == nullptr) {
        throw BadInput(fmt::format("cannot create a temporary file for the trace: {}",
                                   std::strerror(errno)));
      }
    }
    if (std::fwrite(buffer.data(), 1, buffer.size(), file) != buffer.size()) {
      throw BadInput(fmt::format("writing a temporary trace file: {}", std::strerror(errno)));
    }
    buffer.clear();
  }
};

TraceWriter::TraceWriter() {
  for (auto& p : parts_) p = std::make_unique<Part>();
}

TraceWriter::~TraceWriter() = default;

void TraceWriter::add(const Section& s) {
  Part& p = *parts_[s.vmid];
  std::string& line = p.buffer;
  fmt::format_to(std::back_inserter(line), "{{\"vmid\":{},\"seq\":{},\"ops\":[", s.vmid, s.seq);
  for (size_t i = 0; i < s.ops.size(); ++i) {
    const MapOp& op = s.ops[i];
    fmt::format_to(std::back_inserter(line), "{}[\"{:#x}\",{},\"{:#x}\"]", i ? "," : "", op.ipa,
                   op.level, op.descriptor);
  }
  line += "],\"updates\":[";
  for (size_t i = 0; i < s.updates.size(); ++i) {
    const Update& u = s.updates[i];
    fmt::format_to(std::back_inserter(line), "{}[\"{}\",\"{:#x}\",\"{:#x}\",\"{:#x}\"]",
                   i ? "," : "", update_kind_name(u.kind), u.entry, u.old_value, u.new_value);
  }
  line += "]}\n";
  ++p.sections;
  p.ops += s.ops.size();
  if (line.size() >= (1u << 20)) p.flush();
}

void TraceWriter::commit(const std::string& path, TraceHeader h) {
  h.sections = 0;
  h.ops = 0;
  for (const auto& p : parts_) {
    h.sections += p->sections;
    h.ops += p->ops;
  }
  AtomicFile out(path);
  json head = json::object();
  head["ptx_trace"] = kTraceVersion;
  head["source"] = h.source;
  head["description"] = h.description;
  head["policy"] = std::string(section_policy_name(h.policy));
  head["sections"] = h.sections;
  head["ops"] = h.ops;
  out.write(head.dump() + "\n");
  std::vector<char> chunk(1 << 20);
  for (const auto& p : parts_) {
    if (p->file != nullptr) {
      if (std::fflush(p->file) != 0 || std::fseek(p->file, 0, SEEK_SET) != 0) {
        throw BadInput(fmt::format("reading a temporary trace file: {}", std::strerror(errno)));
      }
      size_t n;
      while ((n = std::fread(chunk.data(), 1, chunk.size(), p->file)) > 0) {
        out.write(std::string_view(chunk.data(), n));
      }
      if (std::ferror(p->file)) {
        throw BadInput(fmt::format("reading a temporary trace file: {}", std::strerror(errno)));
      }
    }
    out.write(p->buffer);
  }
  out.commit();
}

namespace {

class LineError {
 public:
  LineError(const std::string& path, uint64_t line) : path_(path), line_(line) {}
  [[noreturn]] void operator()(const std::string& what) const {
    throw BadInput(fmt::format("{}:{}: {}", path_, line_, what));
  }

 private:
  const std::string& path_;
  uint64_t line_;
};

uint64_t get_u64(const json& j, const char* what, const LineError& fail) {
  uint64_t v = 0;
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  if (!j.is_string() || !parse_u64(j.get<std::string>(), &v)) {
    fail(fmt::format("malformed {}: expected a \"0x...\" string, got {}", what, j.dump()));
  }
  return v;
}

uint64_t get_count(const json& o, const char* key, const LineError& fail) {
  if (!o.contains(key) || !o[key].is_number_unsigned()) {
    fail(fmt::format("malformed section: \"{}\" must be a non-negative integer", key));
  }
  return o[key].get<uint64_t>();
}

Section parse_section(const json& j, const LineError& fail) {
  if (!j.is_object()) fail("malformed section: expected a JSON object");
  Section s;
  const uint64_t vmid = get_count(j, "vmid", fail);
  if (!valid_vmid(vmid)) fail(fmt::format("invalid vmid {}: vmid must be 0..16 (valid_vmid)", vmid));
  s.vmid = static_cast<uint32_t>(vmid);
  s.seq = get_count(j, "seq", fail);
  if (!j.contains("ops") || !j["ops"].is_array()) fail("malformed section: \"ops\" must be an array");
  if (!j.contains("updates") || !j["updates"].is_array()) {
    fail("malformed section: \"updates\" must be an array");
  }
  for (const json& o : j["ops"]) {
    if (!o.is_array() || o.size() != 3 || !o[1].is_number_unsigned()) {
      fail(fmt::format("malformed op {}: expected [ipa, level, descriptor]", o.dump()));
    }
    MapOp op;
    op.ipa = get_u64(o[0], "op ipa", fail);
    const uint64_t level = o[1].get<uint64_t>();
    if (level != 2 && level != 3) fail(fmt::format("invalid op level {}: level must be 2 or 3", level));
    op.level = static_cast<int>(level);
    op.descriptor = get_u64(o[2], "op descriptor", fail);
    if (!valid_addr(op.ipa)) fail(fmt::format("invalid op ipa {:#x}: ipa must be below 2^48", op.ipa));
    s.ops.push_back(op);
  }
  for (const json& u : j["updates"]) {
    if (!u.is_array() || u.size() != 4 || !u[0].is_string()) {
      fail(fmt::format("malformed update {}: expected [kind, entry, old, new]", u.dump()));
    }
    Update up;
    if (!parse_update_kind(u[0].get<std::string>(), &up.kind)) {
      fail(fmt::format("malformed update kind {}: expected PGD, PUD, PMD or PTE", u[0].dump()));
    }
    up.entry = get_u64(u[1], "update entry", fail);
    up.old_value = get_u64(u[2], "update old value", fail);
    up.new_value = get_u64(u[3], "update new value", fail);
    s.updates.push_back(up);
  }
  return s;
}

}  // namespace

Trace read_trace(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw BadInput(fmt::format("{}: is a directory, not a trace", path));
  }
  std::ifstream in(path);
  if (!in) throw BadInput(fmt::format("{}: cannot open trace: {}", path, std::strerror(errno)));
  Trace t;
  t.path = path;
  std::string text;
  uint64_t lineno = 0;
  uint64_t sections = 0, ops = 0;
  bool have_header = false;
  while (std::getline(in, text)) {
    ++lineno;
    const LineError fail(path, lineno);
    if (text.empty()) continue;
    json j;
    try {
      j = json::parse(text);
    } catch (const json::parse_error& e) {
      fail(fmt::format("malformed trace line (not JSON: {})", e.what()));
    }
    if (!have_header) {
      if (!j.is_object() || !j.contains("ptx_trace")) {
        fail("not a ptx trace: the first line must be the {\"ptx_trace\":1,...} header");
      }
      if (j["ptx_trace"] != kTraceVersion) {
        fail(fmt::format("unsupported trace version {} (this ptx reads version {})",
                         j["ptx_trace"].dump(), kTraceVersion));
      }
      if (!j.contains("policy") || !j["policy"].is_string() ||
          !parse_section_policy(j["policy"].get<std::string>(), &t.header.policy)) {
        fail("malformed header: \"policy\" must be \"sekvm\" or \"batched\"");
      }
      if (!j.contains("source") || !j["source"].is_string()) {
        fail("malformed header: \"source\" must be a string");
      }
      t.header.source = j["source"].get<std::string>();
      if (j.contains("description") && j["description"].is_string()) {
        t.header.description = j["description"].get<std::string>();
      }
      t.header.sections = get_count(j, "sections", fail);
      t.header.ops = get_count(j, "ops", fail);
      have_header = true;
      continue;
    }
    Section s = parse_section(j, fail);
    if (t.header.policy == SectionPolicy::kSekvm && s.ops.size() > 1) {
      fail(fmt::format("section vmid {} seq {} has {} ops, but the trace's policy is sekvm: {}",
                       s.vmid, s.seq, s.ops.size(), npt_error_rule(NptError::kSecondLeafWrite)));
    }
    ++sections;
    ops += s.ops.size();
    t.vms[s.vmid].push_back(TraceSection{std::move(s), lineno});
  }
  if (in.bad()) throw BadInput(fmt::format("{}: read error", path));
  if (!have_header) throw BadInput(fmt::format("{}: empty trace (no header line)", path));
  if (sections != t.header.sections || ops != t.header.ops) {
    throw BadInput(fmt::format("{}: the header announces {} sections and {} ops, the file has {} "
                               "and {} (truncated or edited trace)",
                               path, t.header.sections, t.header.ops, sections, ops));
  }
  for (uint32_t v = 0; v < kVmCount; ++v) {
    auto& list = t.vms[v];
    std::stable_sort(list.begin(), list.end(), [](const TraceSection& a, const TraceSection& b) {
      return a.section.seq < b.section.seq;
    });
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].section.seq == i) continue;
      if (list[i].section.seq < i) {
        throw BadInput(fmt::format("{}:{}: section vmid {} seq {} appears twice (also line {})",
                                   path, list[i].line, v, list[i].section.seq, list[i - 1].line));
      }
      throw BadInput(fmt::format("{}: section vmid {} seq {} is missing (the seqs of a VM must be "
                                 "0, 1, ...: its sections in lock order)",
                                 path, v, i));
    }
  }
  return t;
}

RunOutcome check_trace(const Trace& trace, const RunConfig& config) {
  SectionChecker checker(config.mode, config.explore_options);
  checker.set_violation_hook(config.on_violation);
  VmRunStates states;
  std::vector<uint32_t> vms;
  for (uint32_t v = 0; v < kVmCount; ++v) {
    if (!trace.vms[v].empty()) vms.push_back(v);
  }
  Progress progress("sections", trace.header.sections, config.progress);
  // A VM stops at its first refused section; the others go on, so that the error reported (the
  // first by trace line over the VMs) does not depend on the thread count.
  auto step = [&](uint32_t v) -> bool {
    VmRunState& st = states[v];
    const auto& list = trace.vms[v];
    for (size_t k = 0; k < 64 && st.next < list.size(); ++k) {
      const TraceSection& ts = list[st.next++];
      const Section& s = ts.section;
      std::string why;
      Exploration x;
      bool ok = false;
      if (config.mode == ExploreMode::kFaithful && s.updates.size() > kFaithfulMaxUpdates) {
        why = fmt::format("section vmid {} seq {} has {} updates; --mode faithful enumerates at "
                          "most {} (kFaithfulMaxUpdates): use --mode fast (faithful-limit)",
                          s.vmid, s.seq, s.updates.size(), kFaithfulMaxUpdates);
      } else {
        isolated([&] { ok = checker.check(s, &x, &why); });
        if (!ok) {
          why = fmt::format("section vmid {} seq {} does not fit the VM's page tables: {}", s.vmid,
                            s.seq, why);
        }
      }
      if (!ok) {
        st.fail(ts.line, fmt::format("{}:{}: {}", trace.path, ts.line, why));
        return false;
      }
      st.add(s, std::move(x), ts.line, config.keep_all);
      progress.add(1);
    }
    return st.next < list.size();
  };
  const auto start = std::chrono::steady_clock::now();
  run_vms(config.threads, vms, step);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.finish();

  if (const VmRunState* failed = first_failure(states)) throw BadInput(failed->error);
  return merge_outcome(states, seconds);
}

}  // namespace ptx::cli
