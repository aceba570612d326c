// SPDX-License-Identifier: BSD-2-Clause
// CriticalSection: an RAII guard holding one VM's page-table lock (NPT_ID + vmid) for one
// critical section. Closing it is the barrier (DSB) that completes the section's buffered writes:
// it hands back the Section record and empties `pt_updates` and `tstate`, then releases the lock.
//
//   CriticalSection cs;
//   if (engine.open_section(vmid, &cs) != NptError::kOk) ...;
//   NptError e = cs.set_npt(ipa, 3, desc);
//   Section s = cs.close();
//
// Destroying an open guard closes it (the record is dropped). Movable, not copyable; must be
// closed on the thread that opened it.
#ifndef PTX_PAGETABLE_CRITICAL_SECTION_H_
#define PTX_PAGETABLE_CRITICAL_SECTION_H_

#include <cstdint>

#include "pagetable/npt_error.h"
#include "pagetable/section.h"

namespace ptx {

class Stage2Engine;

class CriticalSection {
 public:
  CriticalSection() = default;
  ~CriticalSection();
  CriticalSection(CriticalSection&& other) noexcept;
  CriticalSection& operator=(CriticalSection&& other) noexcept;
  CriticalSection(const CriticalSection&) = delete;
  CriticalSection& operator=(const CriticalSection&) = delete;

  bool is_open() const { return engine_ != nullptr; }
  uint32_t vmid() const { return vmid_; }

  // Stage2Engine::set_npt on this section's VM. Errors as there; kLockNotHeld when not open.
  NptError set_npt(uint64_t ipa, int level, uint64_t descriptor);
  // Stage2Engine::clear_npt on this section's VM. Errors as there; kLockNotHeld when not open.
  NptError clear_npt(uint64_t ipa, int level);
  // set_npt(op.ipa, op.level, op.descriptor) for a map, clear_npt(op.ipa, op.level) for an
  // unmap (whose descriptor must be 0: kUnmapDescriptor otherwise).
  NptError apply(const MapOp& op);
  // Stage2Engine::maintain on this section's VM. Errors as there; kLockNotHeld when not open.
  NptError maintain(const TlbMaintenance& step);

  // Completes the section: returns {vmid, seq, ops, updates in program order}, empties the
  // buffer and tstate, releases the lock. Returns an empty Section when not open.
  Section close();

 private:
  friend class Stage2Engine;
  CriticalSection(Stage2Engine* engine, uint32_t vmid) : engine_(engine), vmid_(vmid) {}

  Stage2Engine* engine_ = nullptr;
  uint32_t vmid_ = 0;
};

}  // namespace ptx

#endif  // PTX_PAGETABLE_CRITICAL_SECTION_H_
