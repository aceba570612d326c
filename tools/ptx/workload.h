// Workload: the ordered list of set_npt ops that `ptx run` / `ptx record` drive the engine with,
// whatever their source (the qemu-virt preset, a workload file, a live process).
//
// Ops are kept in input order. Each op belongs to a section (`section_id`): consecutive ops of
// one VM with the same section_id are made in one critical section (one open_section ... close),
// so a section never spans two VMs. Per VM the ops form a stream (`VmStream`) in input order;
// the runner applies each VM's stream in that order and runs different VMs in parallel.
//
// Workload file format (`--workload FILE`), one op per line, `#` starts a comment:
//     map <vmid> <ipa> <level> <descriptor>     one set_npt call, in its own critical section
//     begin                                     the maps up to the matching `end` form one
//     end                                       critical section (needs --sections batched)
// Numbers are decimal or 0x-prefixed hexadecimal. Every map is checked when it is read
// (vmid 0..16, ipa < 2^48 and aligned to the level's granule, level 2 or 3, descriptor non-zero
// and, at level 2, not a table); the engine's dynamic rules (no map under a block, pool limits,
// ...) are checked when the op runs. Errors are reported as "FILE:LINE: <what>: <rule>".
#ifndef PTX_TOOLS_PTX_WORKLOAD_H_
#define PTX_TOOLS_PTX_WORKLOAD_H_

#include <array>
#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "pagetable/constants.h"
#include "pagetable/engine.h"

namespace ptx::cli {

// 32 bytes: the default qemu-virt run holds millions of them.
struct WorkloadOp {
  uint64_t ipa = 0;
  uint64_t descriptor = 0;
  uint64_t section_id = 0;  // ops of one VM with equal consecutive ids share a critical section
  uint32_t line = 0;        // where the op comes from: file line, or 1-based op number
  uint8_t vmid = 0;         // 0..16 once checked
  uint8_t level = 3;        // 2 or 3 once checked
};
static_assert(sizeof(WorkloadOp) == 32);

// One VM's ops in input order, cut into sections.
struct VmStream {
  std::vector<uint32_t> ops;             // indexes into Workload::ops, in input order
  std::vector<uint32_t> section_starts;  // index into `ops` of each section's first op
  size_t section_count() const { return section_starts.size(); }
  // [begin, end) into `ops` of section i.
  size_t section_begin(size_t i) const { return section_starts[i]; }
  size_t section_end(size_t i) const {
    return i + 1 < section_starts.size() ? section_starts[i + 1] : ops.size();
  }
};

struct Workload {
  std::string source;  // "qemu-virt", the workload file name, "pid 1234": prefixes messages
  std::string description;  // one line for the summary, e.g. "qemu-virt, 4 VMs"
  std::vector<WorkloadOp> ops;  // input order
  std::array<VmStream, kVmCount> streams;  // filled by finalize()
  bool multi_op_sections = false;          // some section has more than one op

  // "SOURCE:LINE" of op i.
  std::string where(const WorkloadOp& op) const;
  // Builds `streams` from `ops` (call after filling ops). Ops of a VM whose section_id equals
  // the previous op of that VM join its section.
  void finalize();
  // Number of sections over all VMs (after finalize()).
  size_t section_count() const;
};

// Checks the static rules of one op (those that depend on the op alone) and returns "" or
// "<what>: <rule>", e.g. "invalid vmid 17: vmid must be 0..16 (valid_vmid)".
std::string check_op_static(const WorkloadOp& op);

struct ParseOptions {
  SectionPolicy policy = SectionPolicy::kSekvm;  // begin/end is accepted only with kBatched
};

// Parses a workload file (format above). `name` is used in messages. Throws BadInput
// "NAME:LINE: <what>: <rule>" on the first bad line.
Workload parse_workload(std::istream& in, const std::string& name, const ParseOptions& options);
// Opens and parses `path`. Throws BadInput when it cannot be read.
Workload load_workload_file(const std::string& path, const ParseOptions& options);

// Parses a number: decimal, or hexadecimal with a 0x/0X prefix; the whole text must be the
// number and it must fit in 64 bits. Returns false otherwise.
bool parse_u64(const std::string& text, uint64_t* out);

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_WORKLOAD_H_
