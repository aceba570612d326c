// SPDX-License-Identifier: BSD-2-Clause
// SignatureLanes: the signatures of a run whose lanes (VMs) are explored on several threads
// (run/runner.h): one SignatureTable per lane, each touched only by its lane's thread, merged at
// the end in lane order. A lane gives its sections in seq order, so the merged table is the same
// for every --threads (signature_table.h).
#ifndef PTX_REPORT_SIGNATURE_LANES_H_
#define PTX_REPORT_SIGNATURE_LANES_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/cache_line.h"
#include "explorer/totals.h"
#include "pagetable/constants.h"
#include "report/signature_table.h"

namespace ptx::report {

class SignatureLanes {
 public:
  // `examples` per signature (--examples). REQUIRES: examples >= 1.
  explicit SignatureLanes(size_t examples);

  // The violations of `s` (explored form, signature.h; an engine or ptx-trace section), on the
  // thread of its lane s.section.vmid: one lane's sections one at a time in seq order.
  void add_section(const CheckedSection& s);
  // True when the last section add_section() took for VM `vmid` was (vmid, seq) and it became an
  // example of a signature of its lane (the report spools its record). Same thread as add_section.
  bool is_example(uint32_t vmid, uint64_t seq) const;

  // Every lane's table merged, in lane order. After the run, on one thread.
  SignatureTable merged() const;

 private:
  struct Lane {
    SignatureTable table;
    uint64_t example_seq = UINT64_MAX;  // the last section that became an example
  };
  std::array<CacheAligned<Lane>, kVmCount> lanes_;
};

}  // namespace ptx::report

#endif  // PTX_REPORT_SIGNATURE_LANES_H_
