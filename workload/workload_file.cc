// SPDX-License-Identifier: BSD-2-Clause
#include "workload/workload_file.h"

#include <array>
#include <cerrno>
#include <optional>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "base/line_reader.h"
#include "base/number.h"
#include "pagetable/npt_error.h"

namespace ptx::workload {
namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream ss(line);
  for (std::string w; ss >> w;) words.push_back(w);
  return words;
}

// The parser's state between lines: the open `begin` section, if any.
class Parser {
 public:
  Parser(const std::string& name, const ParseOptions& options) : options_(options) {
    w_.source = name;
    w_.description = "workload " + name;
  }

  // One line (comment already cut). OK or the line's error (without position).
  Status line(const std::vector<std::string>& words, uint64_t lineno) {
    lineno_ = lineno;
    const std::string& kw = words[0];
    if (kw == "map") return op(words, OpKind::kMap);
    if (kw == "unmap") return op(words, OpKind::kUnmap);
    if (kw == "dsb" || kw == "tlbi") return maintenance(words);
    if (const std::optional<OpType> t = parse_enum(kOpTypeNames, kw); t && is_call_op(*t)) return call(words, *t);
    if (kw == "begin" || kw == "end") {
      if (words.size() != 1) return bad_input("malformed {}: it takes no argument", kw);
      return kw == "begin" ? begin() : end();
    }
    return bad_input("unknown keyword '{}' (a line is 'map <vmid> <ipa> <level> <descriptor>', "
                     "'unmap <vmid> <ipa> <level>', 'tlbi <vmid> <op> [<ipa> <level>]', 'dsb <vmid>', "
                     "'wrprotect|age|split <vmid> <ipa> <size>', 'access <vmid> <ipa>', 'begin' or 'end'; "
                     "docs/formats.md)", kw);
  }

  // After the last line.
  StatusOr<Workload> finish(const std::string& name) {
    if (in_block_) return std::move(bad_input("begin without end")).at(name, block_line_);
    w_.finalize();
    return std::move(w_);
  }

 private:
  // A map or unmap line.
  Status op(const std::vector<std::string>& words, OpKind kind) {
    static const char* const kField[4] = {"vmid", "ipa", "level", "descriptor"};
    const size_t fields = kind == OpKind::kMap ? 4 : 3;
    if (words.size() != fields + 1) {
      return bad_input("malformed {0}: expected '{0} <vmid> <ipa> <level>{1}', got {2} field{3}", words[0],
                       kind == OpKind::kMap ? " <descriptor>" : "", words.size() - 1, words.size() == 2 ? "" : "s");
    }
    uint64_t v[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < fields; ++i) {
      const std::optional<uint64_t> n = parse_u64(words[i + 1]);
      if (!n) {
        return bad_input("malformed {} '{}' (numbers are decimal or 0x-prefixed hexadecimal, below 2^64)",
                         kField[i], words[i + 1]);
      }
      v[i] = *n;
    }
    const MapOp m{v[1], v[2] > 4 ? 4 : static_cast<int>(v[2]), v[3], kind};
    if (v[2] > 4) return bad_input("invalid level {}: {}", v[2], npt_error_rule(NptError::kInvalidLevel));
    if (kind == OpKind::kMap && v[2] == 1) {
      PTX_RETURN_IF_ERROR(check_level1_map(v[0], m.ipa, m.descriptor));
    } else {
      PTX_RETURN_IF_ERROR(check_map_op(v[0], m, /*require_aligned=*/true));
    }
    WorkloadOp op;
    op.vmid = static_cast<uint8_t>(v[0]);
    op.ipa = m.ipa;
    op.level = static_cast<uint8_t>(m.level);
    op.descriptor = m.descriptor;
    op.kind = kind;
    op.line = static_cast<uint32_t>(lineno_);
    return add(op, words[0]);
  }

  // A `dsb <vmid>` or `tlbi <vmid> <op> [<ipa> <level>]` line.
  Status maintenance(const std::vector<std::string>& words) {
    const bool dsb = words[0] == "dsb";
    const bool by_ipa = !dsb && words.size() > 2 && words[2] == tlbi_kind_name(TlbiKind::kIpas2e1is);
    const size_t fields = dsb ? 1 : by_ipa ? 4 : 2;
    if (words.size() != fields + 1) {
      return bad_input("malformed {}: expected {}, got {} field{}", words[0],
                       dsb ? "'dsb <vmid>'" : "'tlbi <vmid> <op>' or 'tlbi <vmid> ipas2e1is <ipa> <level>'",
                       words.size() - 1, words.size() == 2 ? "" : "s");
    }
    WorkloadOp op;
    op.type = dsb ? OpType::kDsb : OpType::kTlbi;
    uint64_t v[4] = {0, 0, 0, 0};  // vmid, op, ipa, level
    static const char* const kField[4] = {"vmid", "op", "ipa", "level"};
    for (size_t i = 0; i < fields; ++i) {
      if (i == 1) {
        const std::optional<TlbiKind> k = parse_enum(kTlbiKindNames, words[2]);
        if (!k) return bad_input("unknown tlbi operation '{}': it must be one of {}", words[2], enum_choices(kTlbiKindNames));
        v[1] = static_cast<uint64_t>(*k);
        continue;
      }
      const std::optional<uint64_t> n = parse_u64(words[i + 1]);
      if (!n) {
        return bad_input("malformed {} '{}' (numbers are decimal or 0x-prefixed hexadecimal, below 2^64)", kField[i],
                         words[i + 1]);
      }
      v[i] = *n;
    }
    PTX_RETURN_IF_ERROR(check_maintenance_op(v[0], op.type, v[1], v[2], v[3]));
    op.vmid = static_cast<uint8_t>(v[0]);
    op.descriptor = v[1];
    op.ipa = v[2];
    op.level = static_cast<uint8_t>(v[3]);
    op.line = static_cast<uint32_t>(lineno_);
    return add(op, words[0]);
  }

  // A `wrprotect|age|split <vmid> <ipa> <size>` or `access <vmid> <ipa>` line: a KVM path of the
  // kernel engines, a section of its own.
  Status call(const std::vector<std::string>& words, OpType type) {
    const size_t fields = type == OpType::kAccess ? 2 : 3;
    if (words.size() != fields + 1) {
      return bad_input("malformed {0}: expected '{0} <vmid> <ipa>{1}', got {2} field{3}", words[0],
                       type == OpType::kAccess ? "" : " <size>", words.size() - 1, words.size() == 2 ? "" : "s");
    }
    static const char* const kField[3] = {"vmid", "ipa", "size"};
    uint64_t v[3] = {0, 0, 0};
    for (size_t i = 0; i < fields; ++i) {
      const std::optional<uint64_t> n = parse_u64(words[i + 1]);
      if (!n) {
        return bad_input("malformed {} '{}' (numbers are decimal or 0x-prefixed hexadecimal, below 2^64)", kField[i],
                         words[i + 1]);
      }
      v[i] = *n;
    }
    PTX_RETURN_IF_ERROR(check_call_op(v[0], type, v[1], v[2]));
    if (in_block_) return bad_input("{} inside a begin/end section: a KVM path takes its own locks", words[0]);
    WorkloadOp op;
    op.type = type;
    op.vmid = static_cast<uint8_t>(v[0]);
    op.ipa = v[1];
    op.descriptor = v[2];
    op.level = 0;
    op.line = static_cast<uint32_t>(lineno_);
    op.section_id = next_section_++;
    last_section_[op.vmid] = op.section_id;
    w_.ops.push_back(op);
    return ok_status();
  }

  // Adds a checked op to the open section, or as a section of its own; a maintenance step outside
  // begin/end joins the section of its VM's previous op (the code that made it issues it before
  // it unlocks).
  Status add(WorkloadOp op, const std::string& keyword) {
    const bool step = op.type != OpType::kMapOp;
    if (step && !in_block_) {
      if (!last_section_[op.vmid]) {
        return bad_input("{} of vmid {} before any map or unmap of that VM: a {} line joins the critical section of "
                         "its VM's previous map or unmap (or of its begin/end block)",
                         keyword, op.vmid, keyword);
      }
      op.section_id = *last_section_[op.vmid];
      w_.ops.push_back(op);
      return ok_status();
    }
    if (in_block_) {
      if (block_ops_ > 0 && op.vmid != block_vmid_) {
        return bad_input("{} of vmid {} in a section of vmid {} (begin at line {}): a critical section "
                         "holds one VM's lock, so all its ops must be of that VM",
                         keyword, op.vmid, block_vmid_, block_line_);
      }
      block_vmid_ = op.vmid;
      ++block_ops_;
      if (!step) ++block_maps_;
      op.section_id = next_section_;
    } else {
      op.section_id = next_section_++;
    }
    last_section_[op.vmid] = op.section_id;
    w_.ops.push_back(op);
    return ok_status();
  }

  Status begin() {
    if (options_.policy != SectionPolicy::kBatched) {
      return bad_input("begin needs --sections batched ({})", npt_error_rule(NptError::kSecondLeafWrite));
    }
    if (in_block_) return bad_input("begin inside the section begun at line {}", block_line_);
    in_block_ = true;
    block_line_ = lineno_;
    block_ops_ = 0;
    block_maps_ = 0;
    return ok_status();
  }

  Status end() {
    if (!in_block_) return bad_input("end without begin");
    if (block_ops_ == 0) return bad_input("empty section (begin at line {})", block_line_);
    if (block_maps_ == 0) {
      return bad_input("section without a map or unmap (begin at line {}): tlbi and dsb lines belong to the "
                       "critical section of a map or unmap", block_line_);
    }
    in_block_ = false;
    ++next_section_;
    return ok_status();
  }

  const ParseOptions& options_;
  Workload w_;
  uint64_t lineno_ = 0;
  uint64_t next_section_ = 0;
  bool in_block_ = false;
  uint64_t block_line_ = 0;
  uint32_t block_vmid_ = 0;
  size_t block_ops_ = 0;
  size_t block_maps_ = 0;  // map and unmap lines of the open section
  std::array<std::optional<uint64_t>, kVmCount> last_section_;  // each VM's latest section
};

}  // namespace

StatusOr<Workload> parse_workload(std::istream& in, const std::string& name, const ParseOptions& options) {
  Parser p(name, options);
  LineReader reader(in, kMaxWorkloadLineBytes);
  std::string line;
  for (;;) {
    StatusOr<bool> more = reader.next(&line);
    if (!more.ok()) return std::move(more).status().at(name, reader.line());
    if (!*more) break;
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    const std::vector<std::string> words = split_words(line);
    if (words.empty()) continue;
    if (Status st = p.line(words, reader.line()); !st.ok()) return std::move(st).at(name, reader.line());
  }
  return p.finish(name);
}

StatusOr<Workload> load_workload_file(const std::string& path, const ParseOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return bad_input("{}: is a directory, not a workload file", path);
  }
  std::ifstream in(path);
  if (!in) return io_error("{}: cannot open workload file: {}", path, std::strerror(errno));
  return parse_workload(in, path, options);
}

}  // namespace ptx::workload
