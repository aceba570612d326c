// SPDX-License-Identifier: BSD-2-Clause
/* s2pt: a small VMSAv8-64 stage-2 page table (4 KiB granule, 48-bit IPA, start level 0),
 * written the way KVM's arch/arm64/kvm/hyp/pgtable.c writes it. Every descriptor store and
 * every synchronisation goes through struct s2pt_hooks, so a test can observe them. */
#ifndef S2PT_H
#define S2PT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define S2PT_PAGE_SHIFT     12
#define S2PT_PAGE_SIZE      (1ULL << S2PT_PAGE_SHIFT)
#define S2PT_PTRS           512                 /* entries per table */
#define S2PT_IPA_LIMIT      (1ULL << 48)
#define S2PT_BLOCK_SIZE     (1ULL << 21)        /* a level-2 block: 2 MiB */
#define S2PT_MAX_POOL_PAGES 1024

/* Descriptor fields. Bits[1:0]: 0b11 table (levels 0-2) or page (level 3),
 * 0b01 block (levels 1-2 only). */
#define S2PT_PTE_VALID      (1ULL << 0)
#define S2PT_PTE_TYPE       (1ULL << 1)
#define S2PT_PTE_ADDR_MASK  0x0000fffffffff000ULL   /* output / next-table address, bits[47:12] */
#define S2PT_PTE_MEMATTR(a) ((uint64_t)(a) << 2)    /* stage-2 MemAttr[5:2] */
#define S2PT_MEMATTR_NORMAL 0xfULL                  /* Normal, inner and outer write-back */
#define S2PT_MEMATTR_DEVICE 0x1ULL                  /* Device-nGnRE */
#define S2PT_PTE_S2AP_R     (1ULL << 6)             /* S2AP[7:6]: 01 read-only, 11 read-write */
#define S2PT_PTE_S2AP_W     (1ULL << 7)
#define S2PT_PTE_SH_IS      (3ULL << 8)             /* inner shareable */
#define S2PT_PTE_AF         (1ULL << 10)
#define S2PT_PTE_XN         (1ULL << 54)

/* Protections for s2pt_map(); R is required. */
#define S2PT_PROT_R      1u
#define S2PT_PROT_W      2u
#define S2PT_PROT_X      4u
#define S2PT_PROT_DEVICE 8u

/* All optional. `pa` is the physical address of the 64-bit entry written or of the page zeroed;
 * `src` is "file:line" of the store. s2pt has no lock of its own: lock/unlock (id = vmid) must
 * take and release the caller's page-table lock if several threads share one table. barrier is
 * a DSB; tlbi_ipa (TLBI IPAS2E1IS) gets the level of the leaf it invalidates; tlbi_s1 (TLBI
 * VMALLE1IS) is the VM's stage-1 entries, which may combine a stage-2 leaf with stage 1 and which a
 * TLBI by IPA does not remove; tlbi_vmid (TLBI VMALLS12E1IS) is every entry of the VM. */
struct s2pt_hooks {
	void *ctx;
	void (*write)(void *ctx, uint64_t pa, uint64_t value, const char *src);
	void (*zero_page)(void *ctx, uint64_t pa);
	void (*lock)(void *ctx, uint64_t lock_id);
	void (*unlock)(void *ctx, uint64_t lock_id);
	void (*barrier)(void *ctx);
	void (*tlbi_ipa)(void *ctx, uint64_t ipa, int level);
	void (*tlbi_s1)(void *ctx);
	void (*tlbi_vmid)(void *ctx);
};

/* Page allocator over the caller's pool: a stack of free page indices, so the page freed last is
 * the page allocated next (as with a kernel free list). Pages are NOT zeroed by the allocator. */
struct s2pt_mm {
	uint8_t *pool;
	size_t pages;
	uint64_t pa_base;               /* physical address of pool[0] */
	size_t nr_free;
	uint32_t free[S2PT_MAX_POOL_PAGES];
};

struct s2pt {
	struct s2pt_mm mm;
	struct s2pt_hooks hooks;
	uint64_t *root;
	uint64_t vmid;                  /* also the id passed to the lock hooks */
};

static inline int s2pt_pte_valid(uint64_t pte) { return (int)(pte & S2PT_PTE_VALID); }
static inline uint64_t s2pt_pte_addr(uint64_t pte) { return pte & S2PT_PTE_ADDR_MASK; }
static inline int s2pt_pte_table(uint64_t pte, int level) { return level < 3 && (pte & 3) == 3; }
static inline int s2pt_pte_leaf(uint64_t pte, int level)
{
	return level == 3 ? (pte & 3) == 3 : level >= 1 && (pte & 3) == 1;
}
static inline uint64_t s2pt_granule_size(int level) { return 1ULL << (12 + 9 * (3 - level)); }
static inline unsigned s2pt_index(uint64_t ipa, int level)
{
	return (unsigned)(ipa >> (12 + 9 * (3 - level))) & (S2PT_PTRS - 1);
}

/* All return 0 or a negative errno: -EINVAL (bad argument or alignment), -ENOMEM (pool empty),
 * -EEXIST (a mapping of another size is in the way), -ENOENT (nothing of the expected kind there).
 * On an error in the middle of a range, the part of the range already done stays done.
 * map/unmap/split_block/collapse are one critical section each (lock ... barrier, unlock).
 * After s2pt_destroy only s2pt_init may be called. */
int s2pt_init(struct s2pt *pgt, void *pool, size_t pages, uint64_t pa_base,
	      const struct s2pt_hooks *hooks, uint64_t vmid);
uint64_t s2pt_root_pa(const struct s2pt *pgt);
size_t s2pt_nr_free_pages(const struct s2pt *pgt);
int s2pt_map(struct s2pt *pgt, uint64_t ipa, uint64_t size, uint64_t pa, unsigned prot);
int s2pt_unmap(struct s2pt *pgt, uint64_t ipa, uint64_t size);
int s2pt_split_block(struct s2pt *pgt, uint64_t ipa);
int s2pt_collapse(struct s2pt *pgt, uint64_t ipa);
int s2pt_walk(const struct s2pt *pgt, uint64_t ipa, uint64_t *desc, int *level);
void s2pt_destroy(struct s2pt *pgt);

#ifdef __cplusplus
}
#endif
#endif /* S2PT_H */
