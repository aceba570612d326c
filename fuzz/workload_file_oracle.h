// SPDX-License-Identifier: BSD-2-Clause
// The oracle of workload_file_fuzz (and of tests/workload/fuzz_regressions_test.cc).
// Input: the first byte chooses the section policy (odd: batched, even or none: sekvm), the rest
// is a workload file. parse_workload must return either a proper error (fuzz_util.h) or a
// workload that keeps workload_file.h's contract: every op passes check_workload_op, one op per
// line in line order, sections as begin/end made them (a tlbi / dsb step joins its VM's section),
// and the workload written back as a file parses to the same ops.
#ifndef PTX_FUZZ_WORKLOAD_FILE_ORACLE_H_
#define PTX_FUZZ_WORKLOAD_FILE_ORACLE_H_

#include <array>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "fuzz/fuzz_util.h"
#include "workload/workload_file.h"

namespace ptx::fuzz {

inline std::string check_workload_ops(const workload::Workload& w, SectionPolicy policy) {
  size_t in_streams = 0;
  for (const workload::VmStream& s : w.streams) in_streams += s.ops.size();
  if (in_streams != w.ops.size()) return "streams hold a different number of ops than the workload";
  for (size_t i = 0; i < w.ops.size(); ++i) {
    const workload::WorkloadOp& op = w.ops[i];
    if (Status st = workload::check_workload_op(op); !st.ok()) return "accepted op fails check_workload_op: " + st.to_string();
    if (i == 0) continue;
    const workload::WorkloadOp& prev = w.ops[i - 1];
    if (op.line <= prev.line) return fmt::format("op {} at line {} after line {}", i, op.line, prev.line);
    const bool same_section = op.section_id == prev.section_id;
    const bool step = op.type == workload::OpType::kDsb || op.type == workload::OpType::kTlbi;  // joins an earlier section
    if (!step && (op.section_id < prev.section_id || (same_section && policy == SectionPolicy::kSekvm))) {
      return fmt::format("op {}: section {} after section {}", i, op.section_id, prev.section_id);
    }
    if (same_section && op.vmid != prev.vmid) return fmt::format("op {}: one section, two VMs", i);
  }
  return "";
}

// One op as a workload line.
inline std::string op_line(const workload::WorkloadOp& op) {
  switch (op.type) {
    case workload::OpType::kDsb: return fmt::format("dsb {}\n", op.vmid);
    case workload::OpType::kTlbi: {
      const TlbiKind k = static_cast<TlbiKind>(op.descriptor);
      if (k != TlbiKind::kIpas2e1is) return fmt::format("tlbi {} {}\n", op.vmid, tlbi_kind_name(k));
      return fmt::format("tlbi {} {} {:#x} {}\n", op.vmid, tlbi_kind_name(k), op.ipa, op.level);
    }
    case workload::OpType::kAccess: return fmt::format("access {} {:#x}\n", op.vmid, op.ipa);
    case workload::OpType::kWrprotect:
    case workload::OpType::kAge:
    case workload::OpType::kSplit:
      return fmt::format("{} {} {:#x} {:#x}\n", enum_name(workload::kOpTypeNames, op.type), op.vmid, op.ipa,
                         op.descriptor);
    case workload::OpType::kMapOp: break;
  }
  if (op.kind == OpKind::kUnmap) return fmt::format("unmap {} {:#x} {}\n", op.vmid, op.ipa, op.level);
  return fmt::format("map {} {:#x} {} {:#x}\n", op.vmid, op.ipa, op.level, op.descriptor);
}

// The workload as a file: one line per op, each section in begin/end under batched (a tlbi / dsb
// step that joins its VM's earlier section stays outside: it joins that section again).
inline std::string workload_text(const workload::Workload& w, SectionPolicy policy) {
  std::string text;
  std::array<std::optional<uint64_t>, kVmCount> last;  // each VM's latest section
  bool open = false;
  for (size_t i = 0; i < w.ops.size(); ++i) {
    const workload::WorkloadOp& op = w.ops[i];
    const bool call = workload::is_call_op(op.type);  // a KVM path: never inside begin/end
    if (policy == SectionPolicy::kBatched && !open && !call && last[op.vmid] != op.section_id) text += "begin\n", open = true;
    last[op.vmid] = op.section_id;
    text += op_line(op);
    const bool closes = i + 1 == w.ops.size() || w.ops[i + 1].section_id != op.section_id ||
                        w.ops[i + 1].vmid != op.vmid;
    if (open && closes) text += "end\n", open = false;
  }
  return text;
}

inline std::string check_round_trip(const workload::Workload& w, const workload::ParseOptions& options) {
  std::istringstream again(workload_text(w, options.policy));
  const StatusOr<workload::Workload> r = workload::parse_workload(again, "again", options);
  if (!r.ok()) return "the workload written back is refused: " + r.status().to_string();
  if (r->ops.size() != w.ops.size()) return "the workload written back has another number of ops";
  for (size_t i = 0; i < w.ops.size(); ++i) {
    const workload::WorkloadOp &a = w.ops[i], &b = r->ops[i];
    if (a.vmid != b.vmid || a.ipa != b.ipa || a.level != b.level || a.descriptor != b.descriptor ||
        a.section_id != b.section_id || a.type != b.type || a.kind != b.kind) {
      return fmt::format("op {} differs once written back and read again", i);
    }
  }
  return "";
}

// `accepted` (if given) is set to whether parse_workload accepts the input.
inline std::string check_workload_input(std::string_view data, bool* accepted = nullptr) {
  workload::ParseOptions options;
  if (!data.empty() && (data[0] & 1) != 0) options.policy = SectionPolicy::kBatched;
  const std::string_view text = data.empty() ? data : data.substr(1);
  std::istringstream in{std::string(text)};
  const StatusOr<workload::Workload> w = workload::parse_workload(in, "fuzz", options);
  if (accepted != nullptr) *accepted = w.ok();
  if (!w.ok()) return check_parse_error(w.status(), text, "fuzz");
  if (w->source != "fuzz") return "Workload::source is '" + w->source + "'";
  if (std::string p = check_workload_ops(*w, options.policy); !p.empty()) return p;
  return check_round_trip(*w, options);
}

}  // namespace ptx::fuzz

#endif  // PTX_FUZZ_WORKLOAD_FILE_ORACLE_H_
