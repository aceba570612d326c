#include "tools/ptx/workload.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "pagetable/npt_error.h"
#include "tools/ptx/bad_input.h"

namespace ptx::cli {

std::string Workload::where(const WorkloadOp& op) const {
  return fmt::format("{}:{}", source, op.line);
}

void Workload::finalize() {
  for (VmStream& s : streams) s = VmStream{};
  std::array<uint64_t, kVmCount> last_section{};
  std::array<bool, kVmCount> any{};
  multi_op_sections = false;
  for (size_t i = 0; i < ops.size(); ++i) {
    const WorkloadOp& op = ops[i];
    VmStream& s = streams[op.vmid];
    if (!any[op.vmid] || last_section[op.vmid] != op.section_id) {
      s.section_starts.push_back(static_cast<uint32_t>(s.ops.size()));
    } else {
      multi_op_sections = true;
    }
    any[op.vmid] = true;
    last_section[op.vmid] = op.section_id;
    s.ops.push_back(static_cast<uint32_t>(i));
  }
}

size_t Workload::section_count() const {
  size_t n = 0;
  for (const VmStream& s : streams) n += s.section_count();
  return n;
}

bool parse_u64(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  int base = 10;
  size_t start = 0;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    start = 2;
  }
  uint64_t v = 0;
  for (size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    uint64_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint64_t>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      d = static_cast<uint64_t>(c - 'a' + 10);
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      d = static_cast<uint64_t>(c - 'A' + 10);
    } else {
      return false;
    }
    if (v > (UINT64_MAX - d) / static_cast<uint64_t>(base)) return false;
    v = v * static_cast<uint64_t>(base) + d;
  }
  *out = v;
  return true;
}

std::string check_op_static(const WorkloadOp& op) {
  auto rule = [](NptError e) { return std::string(npt_error_rule(e)); };
  if (!valid_vmid(op.vmid)) {
    return fmt::format("invalid vmid {}: {}", unsigned{op.vmid}, rule(NptError::kInvalidVmid));
  }
  if (!valid_addr(op.ipa)) {
    return fmt::format("invalid ipa {:#x}: {}", op.ipa, rule(NptError::kInvalidIpa));
  }
  if (op.level != 2 && op.level != 3) {
    return fmt::format("invalid level {}: {}", unsigned{op.level}, rule(NptError::kInvalidLevel));
  }
  const uint64_t granule = op.level == 2 ? (uint64_t{2} << 20) : PAGE_SIZE;
  if (op.ipa % granule != 0) {
    return fmt::format("invalid ipa {:#x}: a level-{} map's ipa must be aligned to {}", op.ipa,
                       unsigned{op.level}, op.level == 2 ? "2 MiB" : "4 KiB");
  }
  if (op.descriptor == 0) {
    return fmt::format("invalid descriptor 0: {}", rule(NptError::kZeroDescriptor));
  }
  if (op.level == 2 && pmd_table(op.descriptor) == PMD_TYPE_TABLE) {
    return fmt::format("invalid descriptor {:#x}: {}", op.descriptor,
                       rule(NptError::kTableDescriptorAtLevel2));
  }
  return "";
}

namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream ss(line);
  std::string w;
  while (ss >> w) words.push_back(w);
  return words;
}

}  // namespace

Workload parse_workload(std::istream& in, const std::string& name, const ParseOptions& options) {
  Workload w;
  w.source = name;
  w.description = fmt::format("workload {}", name);
  std::string line;
  uint64_t lineno = 0;
  uint64_t next_section = 0;
  bool in_block = false;
  uint64_t block_line = 0;
  uint32_t block_vmid = 0;
  size_t block_ops = 0;
  auto fail = [&](const std::string& what) -> void {
    throw BadInput(fmt::format("{}:{}: {}", name, lineno, what));
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    const std::vector<std::string> words = split_words(line);
    if (words.empty()) continue;
    const std::string& kw = words[0];
    if (kw == "map") {
      if (words.size() != 5) {
        fail(fmt::format("malformed map: expected 'map <vmid> <ipa> <level> <descriptor>', got {} "
                         "field{}",
                         words.size() - 1, words.size() == 2 ? "" : "s"));
      }
      uint64_t v[4];
      static const char* const kField[4] = {"vmid", "ipa", "level", "descriptor"};
      for (int i = 0; i < 4; ++i) {
        if (!parse_u64(words[static_cast<size_t>(i) + 1], &v[i])) {
          fail(fmt::format("malformed {} '{}' (numbers are decimal or 0x-prefixed hexadecimal, "
                           "below 2^64)",
                           kField[i], words[static_cast<size_t>(i) + 1]));
        }
      }
      WorkloadOp op;
      op.vmid = static_cast<uint8_t>(v[0] > COREVISOR ? COREVISOR + 1 : v[0]);
      op.ipa = v[1];
      op.level = static_cast<uint8_t>(v[2] > 4 ? 4 : v[2]);
      op.descriptor = v[3];
      op.line = static_cast<uint32_t>(lineno);
      if (v[0] > COREVISOR) {
        fail(fmt::format("invalid vmid {}: {}", v[0], npt_error_rule(NptError::kInvalidVmid)));
      }
      if (v[2] != 2 && v[2] != 3) {
        fail(fmt::format("invalid level {}: {}", v[2], npt_error_rule(NptError::kInvalidLevel)));
      }
      if (const std::string why = check_op_static(op); !why.empty()) fail(why);
      if (in_block) {
        if (block_ops > 0 && op.vmid != block_vmid) {
          fail(fmt::format("map of vmid {} in a section of vmid {} (begin at line {}): a critical "
                           "section holds one VM's lock, so all its maps must be of that VM",
                           op.vmid, block_vmid, block_line));
        }
        block_vmid = op.vmid;
        ++block_ops;
        op.section_id = next_section;
      } else {
        op.section_id = next_section++;
      }
      w.ops.push_back(op);
    } else if (kw == "begin" || kw == "end") {
      if (words.size() != 1) fail(fmt::format("malformed {}: it takes no argument", kw));
      if (kw == "begin") {
        if (options.policy != SectionPolicy::kBatched) {
          fail(fmt::format("begin needs --sections batched ({})",
                           npt_error_rule(NptError::kSecondLeafWrite)));
        }
        if (in_block) fail(fmt::format("begin inside the section begun at line {}", block_line));
        in_block = true;
        block_line = lineno;
        block_ops = 0;
      } else {
        if (!in_block) fail("end without begin");
        if (block_ops == 0) fail(fmt::format("empty section (begin at line {})", block_line));
        in_block = false;
        ++next_section;
      }
    } else {
      fail(fmt::format("unknown keyword '{}' (a line is 'map <vmid> <ipa> <level> <descriptor>', "
                       "'begin' or 'end')",
                       kw));
    }
  }
  if (in_block) {
    throw BadInput(fmt::format("{}:{}: begin without end", name, block_line));
  }
  if (in.bad()) throw BadInput(fmt::format("{}: read error", name));
  w.finalize();
  return w;
}

Workload load_workload_file(const std::string& path, const ParseOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw BadInput(fmt::format("{}: is a directory, not a workload file", path));
  }
  std::ifstream in(path);
  if (!in) {
    throw BadInput(fmt::format("{}: cannot open workload file: {}", path, std::strerror(errno)));
  }
  return parse_workload(in, path, options);
}

}  // namespace ptx::cli
