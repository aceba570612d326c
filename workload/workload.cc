#include "workload/workload.h"

namespace ptx::workload {

void Workload::finalize() {
  for (VmStream& s : streams) s = VmStream{};
  std::array<uint64_t, kVmCount> last_section{};
  std::array<bool, kVmCount> any{};
  for (size_t i = 0; i < ops.size(); ++i) {
    const WorkloadOp& op = ops[i];
    VmStream& s = streams[op.vmid];
    if (!any[op.vmid] || last_section[op.vmid] != op.section_id) {
      s.section_starts.push_back(static_cast<uint32_t>(s.ops.size()));
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

}  // namespace ptx::workload
