// SPDX-License-Identifier: BSD-2-Clause
// Stage2Engine: the SeKVM stage-2 page-table engine of SPEC §2-§5 for vmids 0..16, safe to drive
// from many cores: writers serialise per VM on the VM's lock, walkers need no lock.
//
// Per VM it keeps (Coq names):
//   * the page-table memory of the VM's pool region [pool_start, pool_end), 32 MiB, flat and
//     committed lazily (an anonymous MAP_NORESERVE mapping: untouched pages cost no RSS, so 17 VMs
//     cost what they use, not 17 x 32 MiB);
//   * the bump pointers `pt_pgd_next`, `pt_pud_next`, `pt_pmd_next` and the parent records
//     `pt_pgd_par`, `pt_pud_par`, `pt_pmd_par`;
//   * `tstate` (1 once the section made its leaf write) and the `pt_updates` buffer of the open
//     critical section;
//   * the lock NPT_ID + vmid.
// The machine-wide `halt` flag is set when any pool runs out (SPEC §4.5).
//
// The engine runs one of the variants of engine_variant.h: SeKVM's own code (the default), or a
// variant that follows or breaks one rule of real page-table code (break-before-make, dirty table
// reuse, a two-step leaf update, a missing barrier). Only the variant's writes differ; the calls,
// their checks and their refusals are the same.
//
// Entries are accessed as std::atomic<uint64_t> (through std::atomic_ref on the lazily committed
// mapping, vm_npt.h). Writers publish each entry with a release store after the page it points to is
// initialised (fresh pages are zero), and walkers read with acquire loads, so a walker racing a
// writer reads, at every level, some value the entry held: never a torn value, never a data race.
// Which of those values it reads is exactly the question the explorer answers. (Arm gives a
// hardware walker no such acquire: there the explorer's "any subset, any order" is the whole
// truth; here the acquire only keeps the C++ program race-free.)
#ifndef PTX_PAGETABLE_ENGINE_H_
#define PTX_PAGETABLE_ENGINE_H_

#include <array>
#include <atomic>
#include <functional>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pagetable/constants.h"
#include "pagetable/critical_section.h"
#include "pagetable/engine_variant.h"
#include "pagetable/npt_error.h"
#include "pagetable/pool_memory.h"
#include "pagetable/pool_reader.h"
#include "pagetable/section.h"
#include "pagetable/section_policy.h"
#include "pagetable/valid_lnpt.h"
#include "pagetable/walk.h"

namespace ptx {

class VmNpt;  // per-VM state, vm_npt.h

class Stage2Engine {
 public:
  explicit Stage2Engine(SectionPolicy policy = SectionPolicy::kSekvm,
                        EngineVariant variant = EngineVariant::kSekvm);
  ~Stage2Engine();
  Stage2Engine(const Stage2Engine&) = delete;
  Stage2Engine& operator=(const Stage2Engine&) = delete;

  SectionPolicy policy() const { return policy_; }
  EngineVariant variant() const { return variant_; }
  static const Geometry& geometry() { return kGeometry; }

  // Takes vmid's lock (blocking) and opens a critical section on *out.
  // Errors: kInvalidVmid (vmid > 16), kHalted (also when the halt happened while this thread
  // waited for the lock). On error *out is left closed and nothing changes.
  // REQUIRES: the calling thread does not already hold vmid's lock; *out is not open. A thread
  // that holds several VMs' locks at once must take them in increasing vmid order (the
  // introspection calls below take the lock of the VM they name, too), or it may deadlock.
  NptError open_section(uint32_t vmid, CriticalSection* out);

  // Coq `set_npt vmid addr level pte`: maps `ipa` (bytes, < 2^48) at `level` (2: a 2 MiB block
  // written into the level-2 entry; 3: a 4 KiB page written into the level-3 entry) to
  // `descriptor`, allocating missing level-1/2/3 table pages from the bump pointers in SPEC §4's
  // order (PGD, then PUD, then PMD entry) and appending each write to the section's pt_updates.
  // The calling thread must hold vmid's lock (an open CriticalSection on this thread).
  // Errors, each leaving the engine unchanged: kHalted, kInvalidVmid, kLockNotHeld, kInvalidIpa,
  // kInvalidLevel, kZeroDescriptor, kTableDescriptorAtLevel2, kSecondLeafWrite (sekvm policy),
  // kLevel2OverTable, kMapUnderBlock; kPoolExhausted also sets halted() (checked before any write,
  // so a refused op leaves no partial allocation behind). Where Coq would allocate tables and then
  // panic on the leaf (a second leaf write with tstate = 1), the engine refuses up front with
  // kSecondLeafWrite and allocates nothing.
  // Variants (engine_variant.h): replacing a valid leaf with a different valid one is
  // 0, barrier, new value under bbm, and two writes (old output with the new attributes, then
  // the new value) under two-step-update when both output and attributes change; under
  // dirty-reuse a level-3 table comes from the free list first (linked, then its stale entries
  // written to 0). Replacing a valid leaf also records the invalidation of the old one in
  // Section::maintenance (engine_variant.h: under bbm between the break and the make, else after
  // the section's last write, at the close or before the caller's next maintain()); a map over
  // an invalid entry records none.
  NptError set_npt(uint32_t vmid, uint64_t ipa, int level, uint64_t descriptor);

  // Unmaps `ipa` at `level`: level 3 writes 0 into the level-3 entry that maps it; level 2 writes
  // 0 into the level-2 entry when it holds a 2 MiB block, and when it links a level-3 table
  // writes 0 into every non-zero entry of that table (the table stays linked: SeKVM never frees
  // table pages, so valid_lnpt keeps holding). Each write is appended to pt_updates; under the
  // sekvm policy the call is the section's one leaf op (tstate), as set_npt is.
  // Under dirty-reuse, the level-2 unmap of a table-mapped range writes 0 into the level-2 entry
  // instead and puts the table page, entries and all, on the VM's free list.
  // Every unmap records its TLB invalidation in Section::maintenance (engine_variant.h; after the
  // section's last write): the IPA with the leaf's level as TTL hint for a page or block, the
  // whole VMID for a table's range; none for dirty-reuse's unlinked table.
  // The calling thread must hold vmid's lock. Errors, each leaving the engine unchanged and
  // checked before any write: kHalted, kInvalidVmid, kLockNotHeld, kInvalidIpa, kInvalidLevel,
  // kSecondLeafWrite (sekvm policy), kUnmapUnderBlock (level 3 under a block), kNotMapped (the
  // entry is already 0, the walk ends at an empty entry above `level`, or the level-3 table of
  // a level-2 unmap maps nothing).
  NptError clear_npt(uint32_t vmid, uint64_t ipa, int level);

  // TLB maintenance the caller's code does inside the section (a workload's `dsb` / `tlbi` line):
  // appends `step` to the section's Section::maintenance at the current write, after the
  // engine's own flush of what the section removed so far (step.at is set here; op, ipa and
  // level are kept as given). A DSB after a write is also a barrier
  // (Section::barriers), or the closing barrier when no write follows it. Errors, leaving the
  // engine unchanged: kHalted, kInvalidVmid, kLockNotHeld.
  NptError maintain(uint32_t vmid, TlbMaintenance step);

  // set_npt(vmid, op.ipa, op.level, op.descriptor) for a map, clear_npt(vmid, op.ipa, op.level)
  // for an unmap. Errors as those, plus kUnmapDescriptor (an unmap whose descriptor is not 0,
  // after kLockNotHeld, as check_map_op orders its rules).
  NptError apply(uint32_t vmid, const MapOp& op);

  // Coq `pt_map vmid addr` / `walk_npt`: the descriptor translating `ipa`, 0 if unmapped. Lock-free;
  // may run concurrently with writers. REQUIRES: valid_vmid(vmid), valid_addr(ipa).
  // Inline: a walk is a straight line of at most four loads and tests (walk.h, pool_reader.h),
  // through a local copy of the VM's reader, which stays in registers across the acquire loads.
  uint64_t pt_map(uint32_t vmid, uint64_t ipa) const {
    const PoolReader reader = readers_[vmid];
    return ptx::pt_map(kGeometry, pt_vttbr(vmid), ipa, reader);
  }
  uint64_t walk_npt(uint32_t vmid, uint64_t ipa) const { return pt_map(vmid, ipa); }
  // The full walk (entries read at each level). Same requirements.
  WalkResult walk(uint32_t vmid, uint64_t ipa) const;
  // Coq `get_npt_level`: 3 for a page, 2 for a block, 0 when unmapped. Same requirements.
  int get_npt_level(uint32_t vmid, uint64_t ipa) const;

  // The entry at byte address `entry` as the walk reads it at `level`: 0 outside the level's
  // pool ([pool_start,pgd_start) for level 0, [pgd_start,pud_start) for 1, [pud_start,pmd_start)
  // for 2, [pmd_start,pool_end) for 3), as in the Coq pools. Lock-free.
  // REQUIRES: valid_vmid(vmid), 0 <= level <= 3.
  uint64_t read_entry(uint32_t vmid, int level, uint64_t entry) const;

  // Introspection, for tests and tools. Each takes vmid's lock unless this thread holds it.
  // REQUIRES: valid_vmid(vmid).
  uint64_t pt_pgd_next(uint32_t vmid) const;
  uint64_t pt_pud_next(uint32_t vmid) const;
  uint64_t pt_pmd_next(uint32_t vmid) const;
  // The parent entry recorded for the table page at byte address `page` (pt_pgd_par/pt_pud_par/
  // pt_pmd_par by pool), 0 when the page is not allocated or not a pool page.
  uint64_t parent_of(uint32_t vmid, uint64_t page) const;
  int tstate(uint32_t vmid) const;
  // The open section's buffered writes in program order (empty when no section is open).
  std::vector<Update> pending_updates(uint32_t vmid) const;
  // Completed sections of vmid so far.
  uint64_t sections_completed(uint32_t vmid) const;
  // The same without the lock, for walkers racing the writers: when it returns n, every write of
  // the VM's sections 0..n-1 is visible to this thread (acquire), and section n, if one is open,
  // may have made some of its writes. REQUIRES: valid_vmid(vmid).
  uint64_t sections_published(uint32_t vmid) const;

  // Test only: the dirty-reuse variant calls `hook` (on the writer's thread, holding the VM's
  // lock) between linking a reused table page and clearing its stale entries: the window a racing
  // walker can fall into, which a test can then hold open until its walker has walked.
  void set_reuse_hook_for_test(std::function<void()> hook) { reuse_hook_ = std::move(hook); }

  // Coq `valid_lnpt vmid` (SPEC §5), as check_valid_lnpt(const VmNpt&) in valid_lnpt.h states it.
  // Takes vmid's lock unless this thread holds it. REQUIRES: valid_vmid(vmid).
  LnptReport check_valid_lnpt(uint32_t vmid) const;

  // The memory the engine's page tables occupy: over every VM, the bytes of its pool resident in
  // RAM (its pools are committed lazily, so this is what the stores touched) and its parent
  // records. Lock-free; a snapshot when writers run.
  uint64_t page_table_bytes() const;

  // The VM's pool [pool_start, pool_end) as memory to lend to a checker, which keeps its image of
  // the VM's tables in it (NptImage::set_backing) instead of in a copy: run::EngineSource lends it
  // (explorer/section_checker.h, tlb/section_tlb.h). The borrower may write it only on the thread
  // that drives the VM, between its sections (the VM's lock free and no walker racing it), and
  // must leave every word as the engine last wrote it before the VM's next section opens: it
  // takes a section's writes back to explore the state before them and makes them again.
  // REQUIRES: valid_vmid(vmid). Valid for the engine's lifetime.
  PoolMemory pool_memory(uint32_t vmid) const;

  // The machine-wide halt flag: set by pool exhaustion, never cleared.
  bool halted() const { return halted_.load(std::memory_order_acquire); }

 private:
  friend class CriticalSection;
  Section close_section(uint32_t vmid);
  struct Plan;
  std::function<void()> reuse_hook_;
  NptError check_op(uint32_t vmid, const MapOp& op, VmNpt** vm);
  WalkResult walk_to(const VmNpt& vm, uint64_t ipa, int level) const;
  NptError plan_set_npt(const VmNpt& vm, uint64_t ipa, int level, Plan* plan);
  NptError allocate(const VmNpt& vm, int from, Plan* plan);
  void commit_set_npt(VmNpt& vm, const Plan& plan, const MapOp& op);
  void clear_stale_entries(VmNpt& vm, uint64_t table, uint64_t keep);
  void write_leaf(VmNpt& vm, int level, uint64_t entry, uint64_t old_value, const MapOp& op);
  void flush(VmNpt& vm);
  NptError plan_clear_npt(const VmNpt& vm, uint64_t ipa, int level, std::vector<Update>* writes,
                          uint64_t* freed) const;

  static constexpr Geometry kGeometry = Geometry::sekvm();
  const SectionPolicy policy_;
  const EngineVariant variant_;
  std::atomic<bool> halted_{false};
  std::vector<std::unique_ptr<VmNpt>> vms_;  // index = vmid, 0..16
  std::array<PoolReader, kVmCount> readers_;  // vms_[v]->reader(), for the lock-free walkers
};

}  // namespace ptx

#endif  // PTX_PAGETABLE_ENGINE_H_
