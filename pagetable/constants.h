// SPDX-License-Identifier: BSD-2-Clause
// Constants and derived helpers of the SeKVM stage-2 model (SPEC §2).
//
// Every name mirrors the Coq/C name of the SeKVM sources (Constants.v, NPTWalk/PTWalk specs):
// `phys_page`, `pgd_index`, `pool_start`, `pt_vttbr`, ... so that this file can be read beside them.
// All addresses are byte addresses in the hypervisor's physical address space; all sizes are bytes.
#ifndef PTX_PAGETABLE_CONSTANTS_H_
#define PTX_PAGETABLE_CONSTANTS_H_

#include <cstdint>

namespace ptx {

inline constexpr uint64_t PAGE_SIZE = 4096;                   // bytes
inline constexpr uint64_t PT_POOL_START = 0x10000;            // byte address of vmid 0's pool
inline constexpr uint64_t PT_POOL_PER_VM = 0x2000000;         // 32 MiB of page-table memory per VM
inline constexpr uint64_t PGD_OFFSET = 0x1000;                // level-1 pool, from pool_start
inline constexpr uint64_t PUD_OFFSET = 0x101000;              // level-2 pool, from pool_start
inline constexpr uint64_t PMD_OFFSET = 0x901000;              // level-3 pool, from pool_start
inline constexpr uint64_t PHYS_MASK = (uint64_t{1} << 48) - 1;
inline constexpr uint64_t PAGE_MASK = 0x0FFFFFFFFFFFF000ULL;
inline constexpr uint64_t KVM_ADDR_SPACE = uint64_t{1} << 48;  // valid_addr: 0 <= addr < 2^48
inline constexpr uint64_t PUD_TYPE_TABLE = 3;
inline constexpr uint64_t PMD_TYPE_TABLE = 3;
inline constexpr uint64_t PTRS_PER_PMD = 512;

inline constexpr uint32_t HOSTVISOR = 0;   // lowest valid vmid
inline constexpr uint32_t COREVISOR = 16;  // highest valid vmid
inline constexpr uint32_t MAX_VM_NUM = 15;
inline constexpr uint32_t kVmCount = COREVISOR + 1;  // vmids 0..16 each own a pool

// Coq `valid_vmid`: 0 <= vmid <= COREVISOR.
constexpr bool valid_vmid(uint64_t vmid) { return vmid <= COREVISOR; }
// Coq `valid_addr`: 0 <= addr < KVM_ADDR_SPACE (2^48).
constexpr bool valid_addr(uint64_t addr) { return addr < KVM_ADDR_SPACE; }

// Coq `phys_page x = x & PHYS_MASK & PAGE_MASK`: the output/table address bits 12..47.
constexpr uint64_t phys_page(uint64_t x) { return x & PHYS_MASK & PAGE_MASK; }

// Table indexes of an IPA at each level, each in [0, 512).
constexpr uint64_t pgd_index(uint64_t a) { return (a >> 39) & 511; }
constexpr uint64_t pud_index(uint64_t a) { return (a >> 30) & 511; }
constexpr uint64_t pmd_index(uint64_t a) { return (a >> 21) & 511; }
constexpr uint64_t pte_index(uint64_t a) { return (a >> 12) & 511; }

// Coq `pmd_table x = x & 3`; a level-2 entry is a table descriptor when it equals PMD_TYPE_TABLE.
constexpr uint64_t pmd_table(uint64_t x) { return x & 3; }

// Per-VM page-table pools (SPEC §2). REQUIRES: valid_vmid(vm).
constexpr uint64_t pool_start(uint64_t vm) { return PT_POOL_START + vm * PT_POOL_PER_VM; }
constexpr uint64_t pgd_start(uint64_t vm) { return pool_start(vm) + PGD_OFFSET; }
constexpr uint64_t pud_start(uint64_t vm) { return pool_start(vm) + PUD_OFFSET; }
constexpr uint64_t pmd_start(uint64_t vm) { return pool_start(vm) + PMD_OFFSET; }
constexpr uint64_t pool_end(uint64_t vm) { return pool_start(vm + 1); }

// The pool holding the tables the walk reads at `level` (0: root, 1..3), as [lo, hi): level 0
// [pool_start, pgd_start), 1 [pgd_start, pud_start), 2 [pud_start, pmd_start), 3 [pmd_start,
// pool_end). Coq keeps one map per pool (`pt_vttbr_pool` .. `pt_pmd_pool`); an entry outside its
// level's pool is never written by set_npt. REQUIRES: valid_vmid(vm), 0 <= level <= 3.
constexpr uint64_t level_pool_lo(uint64_t vm, int level) {
  return level == 0 ? pool_start(vm) : level == 1 ? pgd_start(vm) : level == 2 ? pud_start(vm) : pmd_start(vm);
}
constexpr uint64_t level_pool_hi(uint64_t vm, int level) {
  return level == 0 ? pgd_start(vm) : level == 1 ? pud_start(vm) : level == 2 ? pmd_start(vm) : pool_end(vm);
}

// Coq `pt_vttbr vm = pool_start vm | (vm << 48)`: the VMID sits in VTTBR bits 48+.
constexpr uint64_t pt_vttbr(uint64_t vm) { return pool_start(vm) | (vm << 48); }

// Pages in each pool: 1 root page, 256 level-1, 2048 level-2 and 5887 level-3 table pages.
inline constexpr uint64_t kRootPoolPages = PGD_OFFSET / PAGE_SIZE;
inline constexpr uint64_t kPgdPoolPages = (PUD_OFFSET - PGD_OFFSET) / PAGE_SIZE;
inline constexpr uint64_t kPudPoolPages = (PMD_OFFSET - PUD_OFFSET) / PAGE_SIZE;
inline constexpr uint64_t kPmdPoolPages = (PT_POOL_PER_VM - PMD_OFFSET) / PAGE_SIZE;
static_assert(kRootPoolPages == 1 && kPgdPoolPages == 256 && kPudPoolPages == 2048 &&
              kPmdPoolPages == 5887);

}  // namespace ptx

#endif  // PTX_PAGETABLE_CONSTANTS_H_
