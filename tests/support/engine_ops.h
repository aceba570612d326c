// SPDX-License-Identifier: BSD-2-Clause
// Test support: one engine op in a critical section of its own, and MapOp builders, for tests that
// drive Stage2Engine (of any variant) op by op.
#ifndef PTX_TESTS_SUPPORT_ENGINE_OPS_H_
#define PTX_TESTS_SUPPORT_ENGINE_OPS_H_

#include <cstdint>

#include <gtest/gtest.h>

#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "pagetable/section.h"

namespace ptx::test {

inline MapOp map_op(uint64_t ipa, int level, uint64_t descriptor) { return MapOp{ipa, level, descriptor, OpKind::kMap}; }
inline MapOp unmap_op(uint64_t ipa, int level) { return MapOp{ipa, level, 0, OpKind::kUnmap}; }

// Opens a section of `vmid`, applies `op`, closes it: the Section the engine completed. The open
// and the op are EXPECTed to succeed.
inline Section run_op(Stage2Engine& e, uint32_t vmid, const MapOp& op) {
  CriticalSection cs;
  EXPECT_EQ(e.open_section(vmid, &cs), NptError::kOk);
  EXPECT_EQ(cs.apply(op), NptError::kOk) << op_kind_name(op.kind) << " " << std::hex << op.ipa;
  return cs.close();
}

}  // namespace ptx::test

#endif  // PTX_TESTS_SUPPORT_ENGINE_OPS_H_
