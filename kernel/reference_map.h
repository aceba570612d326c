// SPDX-License-Identifier: BSD-2-Clause
// ReferenceMap: what a VM's stage-2 table must map after each op, by the contract of Linux's
// kvm_pgtable API (arch/arm64/include/asm/kvm_pgtable.h) — the refinement idea of the SeKVM proofs
// (NPTWalkRefine: the page table refines a flat map IPA -> (output, attributes)). It is a flat map
// of leaves: each a range of IPAs (a 4 KiB page, a 2 MiB or 1 GiB block) mapped to consecutive
// output addresses with one set of attributes. The leaf sizes are part of the contract: unmapping
// any page of a block unmaps the whole block, and mapping a page inside a block replaces the block
// by a table holding only that page ("the remaining portions being faulted back lazily").
//
// The contract, per op (apply_*):
//   * fault as a translation fault (kvm_pgtable_stage2_map): the range [ipa, ipa + size) aligned to
//     size maps to pa with `prot` and the access flag set; every leaf it meets is replaced (a block
//     over pages: the table goes; a page inside a block: the block goes). When one leaf of that very
//     range and output already exists and only its permissions would change, nothing changes
//     (-EAGAIN: the vCPU comes back with a permission fault).
//   * fault as a permission fault (kvm_pgtable_stage2_relax_perms): the leaf at ipa gains the
//     permissions of `prot` (R, W; X clears XN); nothing is taken away.
//   * unmap: every leaf meeting the range is gone. wrprotect: every leaf meeting it loses W.
//   * access (mkyoung): the leaf at ipa gets the access flag. age (test_clear_young; 6.1's mkold of
//     the leaf at ipa only): the leaves meeting the range lose it.
//   * split (6.5+): each block meeting the range becomes pages (2 MiB) or 2 MiB blocks (1 GiB, with
//     the split cache KVM tops up for a 2 MiB chunk) with the same outputs and permissions,
//     normal memory with the access flag set (kvm_pgtable_stage2_create_unlinked's attributes).
// A mapping is compared by translation: for each IPA the output page, read / write / execute,
// device or normal memory, and the access flag.
#ifndef PTX_KERNEL_REFERENCE_MAP_H_
#define PTX_KERNEL_REFERENCE_MAP_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "explorer/tables.h"

namespace ptx::kernel {

// What one IPA translates to (compared as a whole).
struct Translation {
  bool mapped = false;
  uint64_t oa = 0;  // the output page of the IPA
  bool r = false, w = false, x = false, device = false, young = false;
  friend bool operator==(const Translation&, const Translation&) = default;
  std::string text() const;  // "unmapped", or "0x80001000 rw- normal young"
};

struct RefLeaf {
  uint64_t ipa = 0, size = 0;  // IPA range (size 4 KiB, 2 MiB or 1 GiB, ipa aligned to it)
  uint64_t oa = 0;             // output of `ipa`
  bool r = false, w = false, x = false, device = false, young = true;
  Translation at(uint64_t page) const;
};

// KVM_PGTABLE_PROT_* bits (kernel_abi.h ptx_k_prot).
inline constexpr uint32_t kProtX = 1, kProtW = 2, kProtR = 4, kProtDevice = 8;

// Stored as the table it stands for is (without being one): per 1 GiB of IPA space, a 1 GiB leaf
// or 512 slots of 2 MiB, each a 2 MiB leaf or its 512 pages' leaves packed in words. A lookup is
// a few steps, a range visits the slots it spans (tests/kernel/reference_map_test.cc checks it
// against a plain ordered map of leaves).
class ReferenceMap {
 public:
  ReferenceMap();
  ~ReferenceMap();
  ReferenceMap(ReferenceMap&&) noexcept;
  ReferenceMap& operator=(ReferenceMap&&) noexcept;

  // The leaf mapping `ipa`, if any.
  std::optional<RefLeaf> leaf_at(uint64_t ipa) const;
  // The leaves meeting [begin, end), by IPA.
  std::vector<RefLeaf> leaves_in(uint64_t begin, uint64_t end) const;
  // [begin, end) widened to the leaves that meet it: only the leaves at its two ends can reach
  // out of it, so this is two lookups. REQUIRES: begin < end.
  std::pair<uint64_t, uint64_t> widen(uint64_t begin, uint64_t end) const;

  // The contract above, per op. Sizes are 4 KiB, 2 MiB or 1 GiB; ranges are 4 KiB aligned.
  void apply_map(uint64_t ipa, uint64_t size, uint64_t pa, uint32_t prot);
  void apply_relax(uint64_t ipa, uint32_t prot);
  void apply_unmap(uint64_t begin, uint64_t end);
  void apply_wrprotect(uint64_t begin, uint64_t end);
  void apply_young(uint64_t begin, uint64_t end, bool young);
  void apply_split(uint64_t begin, uint64_t end);
  size_t leaves() const { return count_; }

 private:
  struct Giga;
  template <typename Visit>
  void for_each_meeting(uint64_t begin, uint64_t end, Visit visit);
  void erase_meeting(uint64_t begin, uint64_t end);
  void insert(const RefLeaf& l);
  std::map<uint64_t, std::unique_ptr<Giga>> gigas_;  // by IPA >> 30
  size_t count_ = 0;
};

// The translation of the Arm stage-2 leaf `desc` at `level` for the page `page` it maps.
Translation translation_of(uint64_t desc, int level, uint64_t page);

// The first IPA in [begin, end) (4 KiB aligned) at which the table `t` (Arm rules) and `ref`
// translate differently, with both translations. Compared over address classes: the IPAs between
// two consecutive leaf boundaries of either side translate alike on each side, so one IPA of each
// such range is compared, not every page.
struct Mismatch {
  uint64_t ipa = 0;
  Translation want, got;
};
std::optional<Mismatch> first_mismatch(const Tables& t, const ReferenceMap& ref, uint64_t begin, uint64_t end);

}  // namespace ptx::kernel

#endif  // PTX_KERNEL_REFERENCE_MAP_H_
