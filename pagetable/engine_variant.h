// SPDX-License-Identifier: BSD-2-Clause
// EngineVariant: which page-table code Stage2Engine runs, and its one name table (the --engine
// flag, reports and trace headers spell it through kEngineVariantNames).
//
// `sekvm` is the model of SPEC §4; each other variant changes one rule that the Transactional
// Page Table proof leans on (SPEC §6), the way real page-table code does or gets wrong, so that
// the explorer has a known bug to find:
//
//   sekvm            SeKVM (NPTWalk.c / PTWalk.c): entries change from 0 to a value, table
//                    pages come fresh (all zero) from the bump pointers and are never freed
//                    (clear_npt of a table-mapped 2 MiB range writes its PTEs to 0 and keeps the
//                    table linked), one leaf op per section, a barrier closes every section.
//                    valid_lnpt holds. Expected: no violation.
//   bbm              Linux KVM's break-before-make (kvm_pgtable stage2_map_walker_try_leaf, Arm
//                    ARM D8.14): replacing a valid leaf with a different valid one writes 0, makes
//                    a barrier (Section::barriers), then writes the new value. Follows the rule.
//                    Expected: no wrong translation, only transient faults (the "break": a walk
//                    between the two writes finds no mapping and the access is retried).
//   dirty-reuse      Frees table pages and reuses them dirty: clear_npt of a 2 MiB range that a
//                    level-3 table maps writes 0 into the level-2 entry and puts the table page
//                    on a free list with its PTEs still set; the next level-3 table allocation
//                    takes it from the free list (before the bump pointer), links it, and only
//                    then writes its stale PTEs to 0. Breaks "fresh table pages are all zero"
//                    (Linux frees a table only after a TLB invalidation, and zeroes pages before
//                    it links them). valid_lnpt does NOT hold while a page is on the free list
//                    (an allocated page whose parent does not point to it, stale entries).
//                    Expected: wrong translations (the stale PTEs' old outputs, reached through
//                    the new table pointer).
//   two-step-update  A remap of a valid leaf that changes both its output address and its
//                    attributes writes the leaf twice: first the old output with the new
//                    attributes, then the new output — as code that updates permissions and
//                    address in separate steps does. Breaks "one leaf write per section" (and
//                    break-before-make). Expected: wrong translations (the old page with the new
//                    permissions, e.g. the read-only zero page made writable).
//   missing-barrier  Closes every section without its barrier (Section::closing_barrier false):
//                    the section's writes are still pending while the VM's next section runs.
//                    Breaks "an empty buffer at the start of a section". The checker explores the
//                    next section with the previous one's pending writes (SectionChecker); the
//                    model lets a section's writes complete by the end of the VM's next section
//                    (the writer's next DSB), so at most two sections are pending at once.
//                    Expected: wrong translations where a mapping removed or replaced by the
//                    previous section is still seen, transient faults where a mapping it added is
//                    not yet seen.
//
// TLB maintenance (Section::maintenance; what `ptx run --tlb on` checks, TLB-MODEL.md). Every
// variant's set_npt over an invalid entry needs and issues none. Where a write removes or replaces
// what an IPA mapped, the engine invalidates it as Linux KVM does: kvm_tlb_flush_vmid_ipa (DSB,
// TLBI IPAS2E1IS of the IPA with the leaf's level as TTL hint, DSB, TLBI VMALLE1IS, DSB) for a
// page or block, __kvm_tlb_flush_vmid (DSB, TLBI VMALLS12E1IS, DSB; Linux without
// FEAT_TLBIRANGE) for the PTEs of a table-mapped 2 MiB range. The flush comes after the section's
// last write — at its close, or before the caller's next `tlbi` / `dsb` step — so a batched
// section flushes once for everything it removed (one IPAS2E1IS per IPA, or VMALLS12E1IS when a
// range was cleared), as Linux's range operations do, and its writes are explored as one epoch
// as before; bbm flushes at once, between its break and its make. Per variant:
//   sekvm            for clear_npt; for a remap (its one write of a valid leaf over another).
//                    Expected: clean. A workload's remap that changes the output address of a
//                    valid leaf (qemu-virt's copy-on-write deflation) is made by the driver
//                    (run/engine_source.h) as SeKVM's code makes it, with break-before-make:
//                    clear_npt and its invalidation in one section, set_npt in the next. Called
//                    directly, set_npt of such a remap is one write, which the TPT proof allows
//                    (a walk sees before or after) and the Arm ARM (RWHZWS) does not:
//                    tlb-conflict.
//   bbm              after clear_npt; a remap invalidates between the break and the make (the
//                    break's barrier is the sequence's first DSB): Linux's stage2_try_break_pte.
//                    Expected: clean.
//   dirty-reuse      as sekvm (its copy-on-write remaps too, with break-before-make), except
//                    that unlinking a level-3 table frees it with no TLBI (the bug: Linux frees a
//                    table only after kvm_tlb_flush_vmid_ipa). Expected: stale-mapping (no-tlbi)
//                    at the unlink for every page the table mapped, tlb-conflict when such a page
//                    is mapped again while its old leaf may still be cached, and stale-mapping
//                    (ttl-mismatch) where the reused table's stale entries are invalidated with a
//                    level hint that misses what is cached there. (No freed-while-cached: the
//                    engine's free list is not a traced free.)
//   two-step-update  as sekvm, once after the second write. Expected: tlb-conflict (as sekvm's
//                    remap, the second write changes the output address).
//   missing-barrier  the same TLBIs with no DSB at all (the barriers are what it lacks); its
//                    copy-on-write remaps break first as sekvm's do, without the DSBs.
//                    Expected: stale-mapping (tlbi-before-dsb: no DSB made the write visible
//                    before the TLBI, so it removes nothing), and tlb-conflict where the address
//                    is mapped again while the old leaf may still be cached.
#ifndef PTX_PAGETABLE_ENGINE_VARIANT_H_
#define PTX_PAGETABLE_ENGINE_VARIANT_H_

#include <cstdint>
#include <string_view>

#include "base/enum_names.h"

namespace ptx {

enum class EngineVariant : uint8_t {
  kSekvm,           // the default
  kBbm,
  kDirtyReuse,
  kTwoStepUpdate,
  kMissingBarrier,
};

inline constexpr EnumNames<EngineVariant, 5> kEngineVariantNames{{
    {EngineVariant::kSekvm, "sekvm"},
    {EngineVariant::kBbm, "bbm"},
    {EngineVariant::kDirtyReuse, "dirty-reuse"},
    {EngineVariant::kTwoStepUpdate, "two-step-update"},
    {EngineVariant::kMissingBarrier, "missing-barrier"},
}};

constexpr std::string_view engine_variant_name(EngineVariant v) { return enum_name(kEngineVariantNames, v); }

}  // namespace ptx

#endif  // PTX_PAGETABLE_ENGINE_VARIANT_H_
