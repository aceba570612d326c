// SPDX-License-Identifier: BSD-2-Clause
#include "formats/trace.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "base/line_reader.h"
#include "base/number.h"
#include "formats/atomic_file.h"
#include "formats/json_codec.h"
#include "formats/spool_file.h"
#include "pagetable/map_op.h"
#include "pagetable/npt_error.h"

namespace ptx::formats {

using nlohmann::json;

struct TraceWriter::Part {
  SpoolFile lines{"trace"};
  std::string line;
  uint64_t sections = 0;
  uint64_t ops = 0;
};

TraceWriter::TraceWriter() {
  for (auto& p : parts_) p = std::make_unique<Part>();
}

TraceWriter::~TraceWriter() = default;

Status TraceWriter::add(const Section& s) {
  Part& p = *parts_[s.vmid];
  std::string& line = p.line;
  line.clear();
  fmt::format_to(std::back_inserter(line), "{{\"vmid\":{},\"seq\":{},\"ops\":[", s.vmid, s.seq);
  for (size_t i = 0; i < s.ops.size(); ++i) {
    const MapOp& op = s.ops[i];
    fmt::format_to(std::back_inserter(line), "{}[\"{:#x}\",{},\"{:#x}\"{}]", i ? "," : "", op.ipa, op.level,
                   op.descriptor, op.kind == OpKind::kMap ? "" : fmt::format(",\"{}\"", op_kind_name(op.kind)));
  }
  line += "],\"updates\":[";
  for (size_t i = 0; i < s.updates.size(); ++i) {
    const Update& u = s.updates[i];
    fmt::format_to(std::back_inserter(line), "{}[\"{}\",\"{:#x}\",\"{:#x}\",\"{:#x}\"", i ? "," : "",
                   update_kind_name(u.kind), u.entry, u.old_value, u.new_value);
    if (u.step != EngineStep::kNone) fmt::format_to(std::back_inserter(line), ",\"{}\"", engine_step_name(u.step));
    line += ']';
  }
  line += "]";
  if (!s.barriers.empty()) line += fmt::format(",\"barriers\":[{}]", fmt::join(s.barriers, ","));
  if (!s.closing_barrier) line += ",\"closing_barrier\":false";
  if (!s.maintenance.empty()) line += ",\"maintenance\":" + nlohmann::json(s.maintenance).dump();
  line += "}\n";
  ++p.sections;
  p.ops += s.ops.size();
  return p.lines.append(line);
}

Status TraceWriter::commit(const std::string& path, TraceHeader h) {
  h.sections = 0;
  h.ops = 0;
  for (const auto& p : parts_) {
    h.sections += p->sections;
    h.ops += p->ops;
  }
  nlohmann::json head = nlohmann::json::object();
  head["ptx_trace"] = kTraceVersion;
  head["source"] = h.source;
  head["description"] = h.description;
  head["policy"] = std::string(section_policy_name(h.policy));
  head["engine"] = std::string(engine_variant_name(h.engine));
  head["sections"] = h.sections;
  head["ops"] = h.ops;
  AtomicFile out(path);
  PTX_RETURN_IF_ERROR(out.open());
  PTX_RETURN_IF_ERROR(out.write(head.dump() + "\n"));
  for (const auto& p : parts_) PTX_RETURN_IF_ERROR(p->lines.copy_to(out));
  return out.commit();
}

namespace {

using nlohmann::json;

// A "0x..." string (or a plain number) read as a 64-bit value.
StatusOr<uint64_t> get_u64(const json& j, const char* what) {
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  std::optional<uint64_t> v;
  if (j.is_string()) v = parse_u64(j.get<std::string>());
  if (!v) return bad_input("malformed {}: expected a \"0x...\" string, got {}", what, j.dump());
  return *v;
}

StatusOr<uint64_t> get_count(const json& o, const char* key, const char* what) {
  if (!o.contains(key) || !o[key].is_number_unsigned()) {
    return bad_input("malformed {}: \"{}\" must be a non-negative integer", what, key);
  }
  return o[key].get<uint64_t>();
}

StatusOr<MapOp> parse_op(const json& o, uint32_t vmid) {
  if (!o.is_array() || o.size() < 3 || o.size() > 4 || !o[1].is_number_unsigned()) {
    return bad_input("malformed op {}: expected [ipa, level, descriptor] or [ipa, level, descriptor, kind]", o.dump());
  }
  MapOp op;
  PTX_ASSIGN_OR_RETURN(op.ipa, get_u64(o[0], "op ipa"));
  const uint64_t level = o[1].get<uint64_t>();
  if (level > 4) return bad_input("invalid level {}: {}", level, npt_error_rule(NptError::kInvalidLevel));
  op.level = static_cast<int>(level);
  PTX_ASSIGN_OR_RETURN(op.descriptor, get_u64(o[2], "op descriptor"));
  if (o.size() == 4) {
    const std::optional<OpKind> kind = o[3].is_string() ? parse_enum(kOpKindNames, o[3].get<std::string>()) : std::nullopt;
    if (!kind) return bad_input("malformed op kind {}: expected {}", o[3].dump(), enum_choices(kOpKindNames));
    op.kind = *kind;
  }
  PTX_RETURN_IF_ERROR(check_map_op(vmid, op));
  return op;
}

StatusOr<Update> parse_update(const json& u) {
  if (!u.is_array() || u.size() < 4 || u.size() > 5 || !u[0].is_string()) {
    return bad_input("malformed update {}: expected [kind, entry, old, new] or [kind, entry, old, new, step]", u.dump());
  }
  Update up;
  if (!parse_update_kind(u[0].get<std::string>(), &up.kind)) {
    return bad_input("malformed update kind {}: expected PGD, PUD, PMD or PTE", u[0].dump());
  }
  PTX_ASSIGN_OR_RETURN(up.entry, get_u64(u[1], "update entry"));
  PTX_ASSIGN_OR_RETURN(up.old_value, get_u64(u[2], "update old value"));
  PTX_ASSIGN_OR_RETURN(up.new_value, get_u64(u[3], "update new value"));
  if (u.size() == 5) {
    const std::optional<EngineStep> step =
        u[4].is_string() ? parse_enum(kEngineStepNames, u[4].get<std::string>()) : std::nullopt;
    if (!step || *step == EngineStep::kNone) {
      return bad_input("malformed update step {}: expected an engine step such as \"set_npt:pte\" (docs/formats.md)",
                       u[4].dump());
    }
    up.step = *step;
  }
  return up;
}

// The optional "barriers" (update indexes) and "closing_barrier" of a section. (SectionChecker
// checks that the indexes fit the section.)
Status parse_barriers(const json& j, Section* s) {
  if (j.contains("barriers")) {
    if (!j["barriers"].is_array()) return bad_input("malformed section: \"barriers\" must be an array");
    for (const json& b : j["barriers"]) {
      if (!b.is_number_unsigned() || b.get<uint64_t>() > UINT32_MAX) {
        return bad_input("malformed barrier {}: expected an update index", b.dump());
      }
      s->barriers.push_back(b.get<uint32_t>());
    }
  }
  if (j.contains("closing_barrier")) {
    if (!j["closing_barrier"].is_boolean()) return bad_input("malformed section: \"closing_barrier\" must be true or false");
    s->closing_barrier = j["closing_barrier"].get<bool>();
  }
  return ok_status();
}

// One [at, "dsb" | op, ipa, level] step of "maintenance" (json_codec.h).
StatusOr<TlbMaintenance> parse_step(const json& m) {
  constexpr const char* kForm = "expected [at, \"dsb\"], [at, tlbi-op] or [at, \"ipas2e1is\", ipa, level]";
  if (!m.is_array() || m.size() < 2 || !m[0].is_number_unsigned() || m[0].get<uint64_t>() > UINT32_MAX ||
      !m[1].is_string()) {
    return bad_input("malformed maintenance step {}: {}", m.dump(), kForm);
  }
  TlbMaintenance step;
  step.at = m[0].get<uint32_t>();
  const std::string name = m[1].get<std::string>();
  if (name == "dsb" && m.size() == 2) return step;
  const std::optional<TlbiKind> op = parse_enum(kTlbiKindNames, name);
  if (!op || (m.size() == 4) != (*op == TlbiKind::kIpas2e1is)) {
    return bad_input("malformed maintenance step {}: {} (tlbi-op: {})", m.dump(), kForm, enum_choices(kTlbiKindNames));
  }
  step.kind = TlbMaintenance::Kind::kTlbi;
  step.op = *op;
  if (m.size() == 2) return step;
  PTX_ASSIGN_OR_RETURN(step.ipa, get_u64(m[2], "maintenance ipa"));
  if (!m[3].is_number_unsigned() || m[3].get<uint64_t>() > 3 || step.ipa >> 48 != 0) {
    return bad_input("malformed maintenance step {}: the IPA must be below 2^48 and the TTL level 0..3", m.dump());
  }
  step.level = m[3].get<uint8_t>();
  return step;
}

// The optional "maintenance" of a section: steps in program order, each at an update index of
// the section.
Status parse_maintenance(const json& j, Section* s) {
  if (!j.contains("maintenance")) return ok_status();
  if (!j["maintenance"].is_array()) return bad_input("malformed section: \"maintenance\" must be an array");
  for (const json& m : j["maintenance"]) {
    PTX_ASSIGN_OR_RETURN(const TlbMaintenance step, parse_step(m));
    if (step.at > s->updates.size() || (!s->maintenance.empty() && step.at < s->maintenance.back().at)) {
      return bad_input("malformed maintenance step {}: its update index must be ascending and at most {}", m.dump(),
                       s->updates.size());
    }
    s->maintenance.push_back(step);
  }
  return ok_status();
}

StatusOr<Section> parse_section(const json& j, SectionPolicy policy) {
  if (!j.is_object()) return bad_input("malformed section: expected a JSON object");
  Section s;
  PTX_ASSIGN_OR_RETURN(const uint64_t vmid, get_count(j, "vmid", "section"));
  if (!valid_vmid(vmid)) return bad_input("invalid vmid {}: {}", vmid, npt_error_rule(NptError::kInvalidVmid));
  s.vmid = static_cast<uint32_t>(vmid);
  PTX_ASSIGN_OR_RETURN(s.seq, get_count(j, "seq", "section"));
  for (const char* key : {"ops", "updates"}) {
    if (!j.contains(key) || !j[key].is_array()) return bad_input("malformed section: \"{}\" must be an array", key);
  }
  for (const json& o : j["ops"]) {
    PTX_ASSIGN_OR_RETURN(MapOp op, parse_op(o, s.vmid));
    s.ops.push_back(op);
  }
  for (const json& u : j["updates"]) {
    PTX_ASSIGN_OR_RETURN(Update up, parse_update(u));
    s.updates.push_back(up);
  }
  PTX_RETURN_IF_ERROR(parse_barriers(j, &s));
  PTX_RETURN_IF_ERROR(parse_maintenance(j, &s));
  if (policy == SectionPolicy::kSekvm && s.ops.size() > 1) {
    return bad_input("section vmid {} seq {} has {} ops, but the trace's policy is sekvm: {}", s.vmid, s.seq,
                     s.ops.size(), npt_error_rule(NptError::kSecondLeafWrite));
  }
  return s;
}

Status parse_header(const json& j, TraceHeader* h) {
  if (!j.is_object() || !j.contains("ptx_trace")) {
    return bad_input("not a ptx trace: the first line must be the {{\"ptx_trace\":1,...}} header");
  }
  if (j["ptx_trace"] != kTraceVersion) {
    return bad_input("unsupported trace version {} (this ptx reads version {})", j["ptx_trace"].dump(), kTraceVersion);
  }
  std::optional<SectionPolicy> policy;
  if (j.contains("policy") && j["policy"].is_string()) {
    policy = parse_enum(kSectionPolicyNames, j["policy"].get<std::string>());
  }
  if (!policy) return bad_input("malformed header: \"policy\" must be \"sekvm\" or \"batched\"");
  h->policy = *policy;
  if (j.contains("engine")) {
    const std::optional<EngineVariant> engine =
        j["engine"].is_string() ? parse_enum(kEngineVariantNames, j["engine"].get<std::string>()) : std::nullopt;
    if (!engine) return bad_input("malformed header: \"engine\" must be {}", enum_choices(kEngineVariantNames));
    h->engine = *engine;
  }
  if (!j.contains("source") || !j["source"].is_string()) return bad_input("malformed header: \"source\" must be a string");
  h->source = j["source"].get<std::string>();
  if (j.contains("description") && j["description"].is_string()) h->description = j["description"].get<std::string>();
  PTX_ASSIGN_OR_RETURN(h->sections, get_count(j, "sections", "header"));
  PTX_ASSIGN_OR_RETURN(h->ops, get_count(j, "ops", "header"));
  return ok_status();
}

// Each VM's sections sorted by seq must be exactly 0, 1, ...
Status check_seqs(Trace& t) {
  for (uint32_t v = 0; v < kVmCount; ++v) {
    auto& list = t.vms[v];
    std::stable_sort(list.begin(), list.end(),
                     [](const TraceSection& a, const TraceSection& b) { return a.section.seq < b.section.seq; });
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].section.seq == i) continue;
      if (list[i].section.seq < i) {
        return std::move(bad_input("section vmid {} seq {} appears twice (also line {})", v, list[i].section.seq,
                                   list[i - 1].line)).at(t.path, list[i].line);
      }
      return std::move(bad_input("section vmid {} seq {} is missing (the seqs of a VM must be 0, 1, ...: its "
                                 "sections in lock order)", v, i)).at(t.path);
    }
  }
  return ok_status();
}

StatusOr<json> parse_json_line(std::string_view text) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number like 1e999
    return bad_input("malformed trace line (not JSON: {})", e.what());
  }
}

// One non-empty line: the header first, then sections.
Status read_line(const std::string& text, bool* have_header, Trace* t, uint64_t lineno) {
  if (!*have_header) {
    *have_header = true;
    return parse_trace_header(text, &t->header);
  }
  PTX_ASSIGN_OR_RETURN(Section s, parse_trace_section(text, t->header.policy));
  const uint32_t v = s.vmid;
  t->vms[v].push_back(TraceSection{std::move(s), lineno});
  return ok_status();
}

// The digits at text[*pos...] as a number (at most 18 digits); advances *pos.
std::optional<uint64_t> peek_number(std::string_view text, size_t* pos) {
  uint64_t v = 0;
  const size_t start = *pos;
  while (*pos < text.size() && *pos - start < 18 && text[*pos] >= '0' && text[*pos] <= '9') {
    v = v * 10 + static_cast<uint64_t>(text[(*pos)++] - '0');
  }
  if (*pos == start || (*pos - start > 1 && text[start] == '0')) return std::nullopt;
  return v;
}

}  // namespace

Status parse_trace_header(std::string_view text, TraceHeader* header) {
  PTX_ASSIGN_OR_RETURN(const json j, parse_json_line(text));
  return parse_header(j, header);
}

StatusOr<Section> parse_trace_section(std::string_view text, SectionPolicy policy) {
  PTX_ASSIGN_OR_RETURN(const json j, parse_json_line(text));
  return parse_section(j, policy);
}

std::optional<SectionKey> peek_section_key(std::string_view text) {
  constexpr std::string_view kVmid = "{\"vmid\":", kSeq = ",\"seq\":";
  if (!text.starts_with(kVmid)) return std::nullopt;
  size_t pos = kVmid.size();
  const std::optional<uint64_t> vmid = peek_number(text, &pos);
  if (!vmid || text.substr(pos, kSeq.size()) != kSeq) return std::nullopt;
  pos += kSeq.size();
  const std::optional<uint64_t> seq = peek_number(text, &pos);
  if (!seq || pos >= text.size() || text[pos] != ',') return std::nullopt;
  return SectionKey{*vmid, *seq};
}

StatusOr<Trace> read_trace(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return bad_input("{}: is a directory, not a trace", path);
  std::ifstream in(path);
  if (!in) return io_error("{}: cannot open trace: {}", path, std::strerror(errno));
  return read_trace(in, path);
}

StatusOr<Trace> read_trace(std::istream& in, const std::string& name) {
  Trace t;
  t.path = name;
  bool have_header = false;
  LineReader reader(in, kMaxTraceLineBytes);
  std::string text;
  for (;;) {
    StatusOr<bool> more = reader.next(&text);
    if (!more.ok()) return std::move(more).status().at(name, reader.line());
    if (!*more) break;
    if (text.empty()) continue;
    if (Status s = read_line(text, &have_header, &t, reader.line()); !s.ok()) return std::move(s).at(name, reader.line());
  }
  if (!have_header) return bad_input("{}: empty trace (no header line)", name);
  uint64_t sections = 0, ops = 0;
  for (const auto& list : t.vms) {
    sections += list.size();
    for (const TraceSection& s : list) ops += s.section.ops.size();
  }
  if (sections != t.header.sections || ops != t.header.ops) {
    return bad_input("{}: the header announces {} sections and {} ops, the file has {} and {} (truncated or "
                     "edited trace)", name, t.header.sections, t.header.ops, sections, ops);
  }
  PTX_RETURN_IF_ERROR(check_seqs(t));
  return t;
}

}  // namespace ptx::formats
