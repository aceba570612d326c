// SPDX-License-Identifier: BSD-2-Clause
// Geometry: the shape of a translation table that the walker follows, and the rule that says
// what an entry is.
//
// The SeKVM model (SPEC §2-§3) has 4 levels of 512-entry tables over 4 KiB pages: level 0 (the
// root, entries called pgd), level 1 (pud), level 2 (pmd: a table or a 2 MiB block) and level 3
// (pte: a 4 KiB page). A reduced geometry such as 4 levels x 2 bits keeps exactly the same walk rules
// with 4-entry tables, so that every IPA of a small address space (2^(12+8) bytes, 256 pages) can be
// brute-forced in tests.
//
// Level numbering is that of the walk: 0 is the root, `leaf_level()` is the page level and
// `block_level()` = leaf_level() - 1 is the lowest level whose entry may be a block.
//
// What an entry is — invalid, a table, a block or a page — is decided in exactly one place,
// `classify(level, descriptor)`, by the geometry's descriptor rules:
//   * kSekvm (Coq `pt_map`, SPEC §3): 0 is invalid; above the block level any non-zero entry is a
//     table; at the block level an entry is a table when `pmd_table(x) == PMD_TYPE_TABLE` and a
//     block otherwise; at the leaf level any non-zero entry is a page.
//   * kArm (VMSAv8-64, 4 KiB granule; casemate-trace.md §4): bit 0 is the valid bit, and an
//     invalid entry ends the walk with no mapping whatever its other bits; above the leaf level
//     bits[1:0] = 0b11 is a table and 0b01 a block at Arm levels 1 (1 GiB) and 2 (2 MiB) and
//     invalid at Arm level 0; at the leaf 0b11 is a page and 0b01 is invalid (reserved). Table
//     and output addresses are bits [47:12]. The Arm level of walk level l is
//     l + (4 - levels): a 3-level geometry starts at Arm level 1 (a 39-bit input, T0SZ 25).
// Every walk (walk.h), the engine's set_npt, the explorer and the drawings ask classify(); none of
// them tests descriptor bits itself.
//
// Memory: entries are named by an EntryKey (level, byte address), and the geometry's memory model
// says what the level means:
//   * kPerLevelPools (SeKVM): the walk at level l reads Coq's pool map of level l
//     (`pt_vttbr_pool` .. `pt_pmd_pool`), so the same address read at two levels is two different
//     entries, and the key keeps the level;
//   * kFlat (Arm, any layout): one physical memory; a word is one entry whatever level a walk
//     reads it at (a page reached at two levels is read at both), and the key's level is 0.
#ifndef PTX_PAGETABLE_GEOMETRY_H_
#define PTX_PAGETABLE_GEOMETRY_H_

#include <compare>
#include <cstdint>
#include <functional>

#include "base/enum_names.h"
#include "base/status.h"
#include "pagetable/constants.h"

namespace ptx {

inline constexpr int kMaxLevels = 4;

// What a descriptor read at some level is (kvm_pte_table()/kvm_pte_valid() in Linux).
enum class EntryType : uint8_t {
  kInvalid,  // the walk ends: no mapping
  kTable,    // the walk goes on to the next-level table at table_address(descriptor)
  kBlock,    // the walk ends: a mapping of granule_size(level) bytes above the leaf level
  kPage,     // the walk ends: a leaf-level mapping
};

// Which descriptor encoding classify() applies.
enum class DescriptorRules : uint8_t {
  kSekvm,  // the Coq model's rules (SPEC §3), the default
  kArm,    // VMSAv8-64, 4 KiB granule (casemate-trace.md §4)
};

inline constexpr EnumNames<DescriptorRules, 2> kDescriptorRulesNames{{
    {DescriptorRules::kSekvm, "sekvm"},
    {DescriptorRules::kArm, "arm"},
}};

// What an entry's level means to the memory (see the header comment).
enum class MemoryModel : uint8_t {
  kPerLevelPools,  // SeKVM / Coq: one map per walk level
  kFlat,           // one physical memory
};

// An entry's identity: its walk level and its 8-byte aligned byte address, packed in one word
// (the address's low 3 bits hold the level).
class EntryKey {
 public:
  constexpr EntryKey() = default;
  static constexpr EntryKey of(int level, uint64_t entry) {
    return EntryKey((entry & ~uint64_t{7}) | static_cast<uint64_t>(level));
  }
  constexpr int level() const { return static_cast<int>(bits_ & 7); }
  constexpr uint64_t entry() const { return bits_ & ~uint64_t{7}; }
  constexpr uint64_t bits() const { return bits_; }
  friend constexpr auto operator<=>(const EntryKey&, const EntryKey&) = default;

 private:
  constexpr explicit EntryKey(uint64_t bits) : bits_(bits) {}
  uint64_t bits_ = 0;
};

struct Geometry {
  int levels = 4;           // lookup levels, 2..4
  int bits_per_level = 9;   // index bits resolved by each level, 1..9
  int page_shift = 12;      // log2 of the page (and table page) size in bytes, 12..16
  DescriptorRules rules = DescriptorRules::kSekvm;
  MemoryModel memory = MemoryModel::kPerLevelPools;

  // The model's geometry: 4 levels x 9 bits, 4 KiB pages, IPA space 2^48 bytes.
  static constexpr Geometry sekvm() { return Geometry{}; }
  // A brute-forceable geometry: 4 levels x 2 bits, 4 KiB pages, IPA space 2^20 bytes.
  static constexpr Geometry reduced(int levels = 4, int bits = 2) {
    return Geometry{levels, bits, 12};
  }
  // VMSAv8-64, 4 KiB granule, flat memory, the walk starting at Arm level `start_level` (0: a
  // 48-bit input, 4 levels; 1: 39 bits, 3 levels; 2: 30 bits, 2 levels). REQUIRES: 0..2.
  static constexpr Geometry arm(int start_level = 0) {
    return Geometry{4 - start_level, 9, 12, DescriptorRules::kArm, MemoryModel::kFlat};
  }
  // Arm rules on a brute-forceable shape (tests): 4 levels x 2 bits by default.
  static constexpr Geometry arm_reduced(int levels = 4, int bits = 2) {
    return Geometry{levels, bits, 12, DescriptorRules::kArm, MemoryModel::kFlat};
  }

  // OK when the geometry is usable, else kBadInput naming the broken rule
  // (e.g. "levels must be in 2..4"). Rules: 2 <= levels <= 4; 1 <= bits_per_level <= 9;
  // 12 <= page_shift <= 16 (so a table of 2^bits_per_level 8-byte entries always fits in one
  // page); the IPA space fits in 48 bits.
  Status validate() const;

  constexpr int leaf_level() const { return levels - 1; }
  constexpr int block_level() const { return levels - 2; }
  constexpr uint64_t entries_per_table() const { return uint64_t{1} << bits_per_level; }
  constexpr uint64_t page_size() const { return uint64_t{1} << page_shift; }
  // Number of bits of IPA the walk resolves; valid IPAs are < ipa_limit() = 2^ipa_bits().
  constexpr int ipa_bits() const { return page_shift + levels * bits_per_level; }
  constexpr uint64_t ipa_limit() const { return uint64_t{1} << ipa_bits(); }
  // The lowest IPA bit that the index at `level` resolves: 39, 30, 21, 12 in the default geometry.
  constexpr int index_shift(int level) const {
    return page_shift + (leaf_level() - level) * bits_per_level;
  }
  // Bytes of IPA space one entry at `level` maps (kvm_granule_size(level) in Linux):
  // 4 KiB at the leaf, 2 MiB at the block level in the default geometry.
  constexpr uint64_t granule_size(int level) const { return uint64_t{1} << index_shift(level); }
  // The index of `ipa` in the table at `level`: pgd_index/pud_index/pmd_index/pte_index.
  constexpr uint64_t index(int level, uint64_t ipa) const {
    return (ipa >> index_shift(level)) & (entries_per_table() - 1);
  }
  // The IPA bits that index `index` at `level` stands for (inverse of index()).
  constexpr uint64_t ipa_of_index(int level, uint64_t index) const {
    return index << index_shift(level);
  }
  // Coq `phys_page` generalised: the table/output address bits [page_shift, 48).
  constexpr uint64_t phys_page(uint64_t desc) const {
    return desc & PHYS_MASK & ~(page_size() - 1);
  }
  // The table page holding the entry at byte address `entry`, and the entry's slot in it.
  constexpr uint64_t table_of(uint64_t entry) const { return entry & ~(page_size() - 1); }
  constexpr uint64_t slot_of(uint64_t entry) const { return (entry & (page_size() - 1)) >> 3; }
  // Byte address of the entry for `ipa` in the table page at `table` (Coq `Z.lor pa (idx * 8)`).
  constexpr uint64_t entry_address(uint64_t table, int level, uint64_t ipa) const {
    return table | (index(level, ipa) * 8);
  }
  // The entry's identity (see EntryKey and the memory model).
  constexpr EntryKey key(int level, uint64_t entry) const {
    return EntryKey::of(memory == MemoryModel::kFlat ? 0 : level, entry);
  }
  // The Arm translation level of walk level `level` (the leaf is Arm level 3).
  constexpr int arm_level(int level) const { return level + (kMaxLevels - levels); }

  // The one rule: what `desc`, read at `level`, is (see the header comment).
  constexpr EntryType classify(int level, uint64_t desc) const {
    return rules == DescriptorRules::kArm ? classify_arm(level, desc) : classify_sekvm(level, desc);
  }
  constexpr EntryType classify_sekvm(int level, uint64_t desc) const {
    if (desc == 0) return EntryType::kInvalid;
    if (level >= leaf_level()) return EntryType::kPage;
    if (level < block_level()) return EntryType::kTable;
    return pmd_table(desc) == PMD_TYPE_TABLE ? EntryType::kTable : EntryType::kBlock;
  }
  constexpr EntryType classify_arm(int level, uint64_t desc) const {
    if ((desc & 1) == 0) return EntryType::kInvalid;
    const bool type_bit = (desc & 2) != 0;  // bits[1:0]: 0b11 or 0b01
    if (level >= leaf_level()) return type_bit ? EntryType::kPage : EntryType::kInvalid;
    if (type_bit) return EntryType::kTable;
    const int a = arm_level(level);
    return a == 1 || a == 2 ? EntryType::kBlock : EntryType::kInvalid;
  }
  // Could `desc` be a table descriptor at some level? (The reverse index of a flat memory, which
  // does not know at which levels a word will be read, links every such word.)
  constexpr bool may_be_table(uint64_t desc) const {
    return rules == DescriptorRules::kArm ? (desc & 3) == 3 : desc != 0;
  }
  // Does the walk follow `desc`, read at `level`, to a next-level table? (kvm_pte_table())
  constexpr bool is_table(int level, uint64_t desc) const {
    return classify(level, desc) == EntryType::kTable;
  }
  // The next-level table a table descriptor points to.
  constexpr uint64_t table_address(uint64_t desc) const { return phys_page(desc); }

  friend constexpr bool operator==(const Geometry&, const Geometry&) = default;
};

}  // namespace ptx

template <>
struct std::hash<ptx::EntryKey> {
  size_t operator()(const ptx::EntryKey& k) const noexcept { return std::hash<uint64_t>{}(k.bits()); }
};

#endif  // PTX_PAGETABLE_GEOMETRY_H_
