// SPDX-License-Identifier: BSD-2-Clause
// The ptx trace: what `ptx record --out TRACE` writes and `ptx check TRACE` replays. JSON lines:
//   {"ptx_trace":1,"source":"qemu-virt","description":"...","policy":"sekvm","engine":"sekvm",
//    "sections":N,"ops":N}
//   {"vmid":1,"seq":0,"ops":[["0x40000000",3,"0x10000007ff"]],
//    "updates":[["PGD","0x10000","0x0","0x11003"],["PUD",...],...]}
// ops are [ipa, level, descriptor] for a map and [ipa, level, "0x0", "unmap"] for an unmap (a
// fourth element names the op kind, "map" when absent); updates [kind, entry, old, new] in
// program order, with a fifth element, the engine step that made the write (pagetable/engine_step.h),
// when the engine made it (a compact array form of json_codec.h's records); addresses and descriptors are
// "0x..." strings. A section with barriers inside has "barriers":[update indexes], and one closed
// without its barrier "closing_barrier":false (both only then); a section whose code does TLB
// maintenance has "maintenance":[steps] (Section::maintenance, json_codec.h's array form; only
// then, so traces of before it read as they were). The header names the engine
// variant ("sekvm" when absent: traces of before the variants read as they were). `record`
// writes sections ordered by (vmid, seq), atomically; `check` accepts them in any order.
//
// Reading groups the sections per VM, in seq order (the lock order in which they were made):
// each VM's seqs must be exactly 0, 1, ..., and the header's counts must match (a truncated
// trace is refused).
#ifndef PTX_FORMATS_TRACE_H_
#define PTX_FORMATS_TRACE_H_

#include <array>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pagetable/constants.h"
#include "pagetable/engine_variant.h"
#include "pagetable/section.h"
#include "pagetable/section_policy.h"

namespace ptx::formats {

inline constexpr int kTraceVersion = 1;

struct TraceHeader {
  std::string source;
  std::string description;
  SectionPolicy policy = SectionPolicy::kSekvm;
  uint64_t sections = 0;
  uint64_t ops = 0;
  EngineVariant engine = EngineVariant::kSekvm;
};

// Writes a trace while a run makes its sections, without holding them in memory: each VM's
// lines go to an anonymous temporary file (tmpfile(3): removed by the system whatever happens);
// commit() writes the header and the VMs' lines in vmid order (so by (vmid, seq)) to the trace
// file atomically (atomic_file.h). Nothing is left behind when commit() is not reached.
class TraceWriter {
 public:
  TraceWriter();
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Appends one section. Sections of one VM one at a time, in seq order; different VMs may be
  // added concurrently. Errors: kIoError when a temporary file cannot be written.
  Status add(const Section& s);
  // Writes the trace file. `header.sections`/`ops` are filled in from what was added.
  // Errors: kIoError naming `path`.
  Status commit(const std::string& path, TraceHeader header);

 private:
  struct Part;
  std::array<std::unique_ptr<Part>, kVmCount> parts_;
};

struct TraceSection {
  Section section;
  uint64_t line = 0;  // line of the trace file
};

struct Trace {
  std::string path;
  TraceHeader header;
  std::array<std::vector<TraceSection>, kVmCount> vms;  // per VM, by seq
};

// Reads and validates a trace. Errors: kIoError when it cannot be opened or read; kBadInput at
// (path, line) for the first malformed line (not JSON, not the header first, an unsupported
// version, a field of the wrong type, an unknown engine or op kind, an op check_map_op refuses,
// an update kind other than PGD..PTE, several ops in a section of a sekvm trace), then for a seq
// that is repeated or
// missing, and for counts that differ from the header's.
StatusOr<Trace> read_trace(const std::string& path);

// The same from a stream (what read_trace(path) calls once the file is open); `name` stands for
// the path in messages and in Trace::path. Errors: as above (kIoError when the stream fails).
StatusOr<Trace> read_trace(std::istream& in, const std::string& name);

// ---- One line of a trace (what read_trace and the streaming reader, trace_stream.h, share) ----

// The longest trace line accepted, in bytes: a section of about 200k updates. Longer lines are
// refused with kBadInput "line is longer than ..." at their line.
inline constexpr uint64_t kMaxTraceLineBytes = uint64_t{16} << 20;

// The header line. Errors: kBadInput (not positioned) as read_trace states them for the header.
Status parse_trace_header(std::string_view text, TraceHeader* header);
// A section line of a trace with `policy`. Errors: kBadInput (not positioned) as read_trace states
// them for a malformed section line.
StatusOr<Section> parse_trace_section(std::string_view text, SectionPolicy policy);

// A section line's VM and seq, read from its first bytes when the line starts as `record` writes
// it ({"vmid":N,"seq":M,... with N and M plain decimal numbers); nullopt otherwise (the line must
// then be parsed to know them). Nothing else of the line is checked.
struct SectionKey {
  uint64_t vmid = 0;
  uint64_t seq = 0;
};
std::optional<SectionKey> peek_section_key(std::string_view text);

}  // namespace ptx::formats

#endif  // PTX_FORMATS_TRACE_H_
