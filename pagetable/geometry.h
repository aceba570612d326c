// Geometry: the shape of a stage-2 translation table that the walker follows.
//
// The SeKVM model (SPEC §2-§3) has 4 levels of 512-entry tables over 4 KiB pages: level 0 (the
// root, entries called pgd), level 1 (pud), level 2 (pmd: a table or a 2 MiB block) and level 3
// (pte: a 4 KiB page). A reduced geometry such as 4 levels x 2 bits keeps exactly the same walk rules
// with 4-entry tables, so that every IPA of a small address space (2^(12+8) bytes, 256 pages) can be
// brute-forced in tests.
//
// Level numbering is that of the walk: 0 is the root, `leaf_level()` is the page level and
// `block_level()` = leaf_level() - 1 is the only level whose entry may be a block. Levels above
// block_level() follow any non-zero entry as a table, exactly as Coq `pt_map` does; at
// block_level() an entry is a table only when `pmd_table(x) == PMD_TYPE_TABLE`.
#ifndef PTX_PAGETABLE_GEOMETRY_H_
#define PTX_PAGETABLE_GEOMETRY_H_

#include <cstdint>
#include <string>

#include "pagetable/constants.h"

namespace ptx {

inline constexpr int kMaxLevels = 4;

struct Geometry {
  int levels = 4;           // lookup levels, 2..4
  int bits_per_level = 9;   // index bits resolved by each level, 1..9
  int page_shift = 12;      // log2 of the page (and table page) size in bytes, 12..16

  // The model's geometry: 4 levels x 9 bits, 4 KiB pages, IPA space 2^48 bytes.
  static constexpr Geometry sekvm() { return Geometry{}; }
  // A brute-forceable geometry: 4 levels x 2 bits, 4 KiB pages, IPA space 2^20 bytes.
  static constexpr Geometry reduced(int levels = 4, int bits = 2) {
    return Geometry{levels, bits, 12};
  }

  // Returns "" when the geometry is usable, else why not (e.g. "levels must be in 2..4").
  // Rules: 2 <= levels <= 4; 1 <= bits_per_level <= 9; 12 <= page_shift <= 16 (so a table of
  // 2^bits_per_level 8-byte entries always fits in one page); the IPA space fits in 48 bits.
  std::string validate() const;

  constexpr int leaf_level() const { return levels - 1; }
  constexpr int block_level() const { return levels - 2; }
  constexpr uint64_t entries_per_table() const { return uint64_t{1} << bits_per_level; }
  constexpr uint64_t page_size() const { return uint64_t{1} << page_shift; }
  // Number of bits of IPA the walk resolves; valid IPAs are < ipa_limit() = 2^ipa_bits().
  constexpr int ipa_bits() const { return page_shift + levels * bits_per_level; }
  constexpr uint64_t ipa_limit() const { return uint64_t{1} << ipa_bits(); }
  // Bytes of IPA space one entry at `level` maps (kvm_granule_size(level) in Linux):
  // 4 KiB at the leaf, 2 MiB at the block level in the default geometry.
  constexpr uint64_t granule_size(int level) const {
    return uint64_t{1} << (page_shift + (leaf_level() - level) * bits_per_level);
  }
  // The index of `ipa` in the table at `level`: pgd_index/pud_index/pmd_index/pte_index.
  constexpr uint64_t index(int level, uint64_t ipa) const {
    return (ipa >> (page_shift + (leaf_level() - level) * bits_per_level)) &
           (entries_per_table() - 1);
  }
  // Coq `phys_page` generalised: the table/output address bits [page_shift, 48).
  constexpr uint64_t phys_page(uint64_t desc) const {
    return desc & PHYS_MASK & ~(page_size() - 1);
  }
  // Does the walk follow `desc`, read at `level`, to a next-level table? (kvm_pte_table())
  constexpr bool is_table(int level, uint64_t desc) const {
    if (desc == 0 || level >= leaf_level()) return false;
    if (level < block_level()) return true;
    return pmd_table(desc) == PMD_TYPE_TABLE;
  }
  // Byte address of the entry for `ipa` in the table page at `table` (Coq `Z.lor pa (idx * 8)`).
  constexpr uint64_t entry_address(uint64_t table, int level, uint64_t ipa) const {
    return table | (index(level, ipa) * 8);
  }

  friend constexpr bool operator==(const Geometry&, const Geometry&) = default;
};

}  // namespace ptx

#endif  // PTX_PAGETABLE_GEOMETRY_H_
