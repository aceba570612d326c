// SPDX-License-Identifier: BSD-2-Clause
// WorkloadStream: a workload handed out section by section, each VM's ops in input order, so that
// a run need not hold the whole workload (the qemu-virt preset makes millions of ops: held as a
// Workload they were most of a default run's memory). Two kinds:
//   * over a pre-built Workload (prebuilt_stream: workload files, live processes, tests);
//   * made on demand (qemu_virt.h stream_qemu_virt), the same ops as the pre-built workload.
// Either way each section's ops carry their input line (1-based position in the whole input) and
// their section_id, as Workload::ops holds them.
#ifndef PTX_WORKLOAD_WORKLOAD_STREAM_H_
#define PTX_WORKLOAD_WORKLOAD_STREAM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "workload/workload.h"

namespace ptx::workload {

class WorkloadStream {
 public:
  virtual ~WorkloadStream() = default;

  // As Workload::source / description.
  virtual const std::string& source() const = 0;
  virtual const std::string& description() const = 0;
  // Ops of the whole input, over all VMs.
  virtual uint64_t total_ops() const = 0;
  // The VMs with at least one op, ascending.
  virtual std::vector<uint32_t> vms() const = 0;
  // Input line of the first op of the VM's next section; UINT64_MAX when it has no more.
  virtual uint64_t next_line(uint32_t vm) = 0;
  // Replaces *ops with the VM's next section's ops (input order). False (and *ops empty) when
  // the VM has no more. REQUIRES: vm < kVmCount.
  // Thread safety: next_line / next_section of different VMs may be called concurrently; one VM's
  // by one thread at a time.
  virtual bool next_section(uint32_t vm, std::vector<WorkloadOp>* ops) = 0;
  // A new stream over the same input, at its start.
  virtual std::unique_ptr<WorkloadStream> restart() const = 0;
};

// A stream over `w` (shared: the stream and its restarts keep it alive).
std::unique_ptr<WorkloadStream> prebuilt_stream(std::shared_ptr<const Workload> w);
// A stream over `w`, which must outlive the stream and its restarts.
std::unique_ptr<WorkloadStream> prebuilt_stream(const Workload& w);

}  // namespace ptx::workload

#endif  // PTX_WORKLOAD_WORKLOAD_STREAM_H_
