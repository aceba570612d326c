/* s2pt: see s2pt.h. Bug switches (each reintroduces one classic stage-2 bug, see README.md):
 *   S2PT_BUG_DIRTY_REUSE      a table page is freed with live entries and relinked before clearing
 *   S2PT_BUG_TWO_STEP_UPDATE  a live leaf gets new permissions, then a new address: no break
 *   S2PT_BUG_SPLIT_LINK_FIRST a block is replaced by an empty table, which is filled afterwards */
#include "s2pt.h"

#include <errno.h>
#include <string.h>

#define S2PT_STR_(x) #x
#define S2PT_STR(x) S2PT_STR_(x)
#define SRC (__FILE__ ":" S2PT_STR(__LINE__))
#define S2PT_HOOK(pgt, hook, ...) ((pgt)->hooks.hook ? (pgt)->hooks.hook(__VA_ARGS__) : (void)0)

static uint64_t s2pt_virt_to_phys(const struct s2pt *pgt, const void *va)
{
	return pgt->mm.pa_base + (uint64_t)((const uint8_t *)va - pgt->mm.pool);
}

static uint64_t *s2pt_table_of(const struct s2pt *pgt, uint64_t pte)
{
	return (uint64_t *)(void *)(pgt->mm.pool + (s2pt_pte_addr(pte) - pgt->mm.pa_base));
}

static uint64_t *s2pt_alloc_page(struct s2pt *pgt)
{
	struct s2pt_mm *mm = &pgt->mm;

	if (!mm->nr_free)
		return NULL;
	mm->nr_free--;                  /* LIFO: the page freed last goes out first */
	return (uint64_t *)(void *)(mm->pool + mm->free[mm->nr_free] * S2PT_PAGE_SIZE);
}

static void s2pt_free_page(struct s2pt *pgt, uint64_t *page)
{
	size_t idx = (size_t)((uint8_t *)page - pgt->mm.pool) >> S2PT_PAGE_SHIFT;

	pgt->mm.free[pgt->mm.nr_free++] = (uint32_t)idx;
}

/* dsb ish: every store before it is visible to every walker, and every TLBI before it complete. */
static void s2pt_barrier(struct s2pt *pgt)
{
	S2PT_HOOK(pgt, barrier, pgt->hooks.ctx);
}

/* Invalidates a stage-2 leaf, as Linux's __kvm_tlb_flush_vmid_ipa does: the TLBI by IPA removes
 * stage-2-only entries; a CPU may also hold entries combining the leaf with stage 1, which only a
 * stage-1 invalidation removes, and only once the first has completed (the DSB between). Ends with
 * a DSB: the invalidation has completed. */
static void s2pt_tlbi_ipa(struct s2pt *pgt, uint64_t ipa, int level)
{
	S2PT_HOOK(pgt, tlbi_ipa, pgt->hooks.ctx, ipa, level);
	s2pt_barrier(pgt);
	S2PT_HOOK(pgt, tlbi_s1, pgt->hooks.ctx);
	s2pt_barrier(pgt);
}

/* One critical section per operation; its stores must all be visible before the lock goes. */
static void s2pt_end(struct s2pt *pgt)
{
	s2pt_barrier(pgt);
	S2PT_HOOK(pgt, unlock, pgt->hooks.ctx, pgt->vmid);
}

/* The only place a descriptor is stored: one single-copy-atomic 64-bit store (WRITE_ONCE). */
static void s2pt_set_pte(struct s2pt *pgt, uint64_t *ptep, uint64_t pte, const char *src)
{
	*(volatile uint64_t *)ptep = pte;
	S2PT_HOOK(pgt, write, pgt->hooks.ctx, s2pt_virt_to_phys(pgt, ptep), pte, src);
}

/* Only for pages no walker can reach; the hook tells an observer the page now reads as zero. */
static void s2pt_zero_page(struct s2pt *pgt, uint64_t *page)
{
	S2PT_HOOK(pgt, zero_page, pgt->hooks.ctx, s2pt_virt_to_phys(pgt, page));
	memset(page, 0, S2PT_PAGE_SIZE);
}

static uint64_t s2pt_mk_table(struct s2pt *pgt, uint64_t *table)
{
	return s2pt_virt_to_phys(pgt, table) | S2PT_PTE_TYPE | S2PT_PTE_VALID;
}

static uint64_t s2pt_mk_leaf(uint64_t pa, unsigned prot, int level)
{
	uint64_t pte = pa | S2PT_PTE_AF | S2PT_PTE_SH_IS | S2PT_PTE_S2AP_R | S2PT_PTE_VALID;

	pte |= S2PT_PTE_MEMATTR(prot & S2PT_PROT_DEVICE ? S2PT_MEMATTR_DEVICE
						       : S2PT_MEMATTR_NORMAL);
	pte |= (prot & S2PT_PROT_W ? S2PT_PTE_S2AP_W : 0) | (prot & S2PT_PROT_X ? 0 : S2PT_PTE_XN);
	return level == 3 ? pte | S2PT_PTE_TYPE : pte;
}

/* Break-before-make, the break: the old entry must be invalid, and its TLB entries gone, before
 * a new one is visible; otherwise a walker could use old and new together (a TLB conflict). */
static void s2pt_break_pte(struct s2pt *pgt, uint64_t *ptep, uint64_t ipa, int level)
{
	int table = s2pt_pte_table(*ptep, level);

	s2pt_set_pte(pgt, ptep, 0, SRC);
	s2pt_barrier(pgt);              /* the invalid entry is visible before the TLBI */
	if (table) {                    /* any of the translations below a table may be cached */
		S2PT_HOOK(pgt, tlbi_vmid, pgt->hooks.ctx);
		s2pt_barrier(pgt);      /* the invalidation has completed */
	} else {
		s2pt_tlbi_ipa(pgt, ipa, level);
	}
}

/* Allocates a table page and links it at the invalid entry *ptep. */
static int s2pt_link_new_table(struct s2pt *pgt, uint64_t *ptep)
{
	uint64_t *table = s2pt_alloc_page(pgt);

	if (!table)
		return -ENOMEM;
#ifndef S2PT_BUG_DIRTY_REUSE
	/* A page may come off the free list with anything in it: it must read as zero before a
	 * walker can reach it, i.e. before the table descriptor (a store-release in real code). */
	s2pt_zero_page(pgt, table);
	s2pt_set_pte(pgt, ptep, s2pt_mk_table(pgt, table), SRC);
#else
	/* BUG: linked first, stale entries cleared afterwards: a walker in between follows them. */
	s2pt_set_pte(pgt, ptep, s2pt_mk_table(pgt, table), SRC);
	for (unsigned i = 0; i < S2PT_PTRS; i++)
		if (table[i])
			s2pt_set_pte(pgt, &table[i], 0, SRC);
#endif
	return 0;
}

/* Finds the entry for ipa at `level`, linking missing tables on the way if `alloc`. */
static int s2pt_get_ptep(struct s2pt *pgt, uint64_t ipa, int level, int alloc, uint64_t **ptepp)
{
	uint64_t *table = pgt->root;
	int ret;

	for (int l = 0; l < level; l++) {
		uint64_t *ptep = &table[s2pt_index(ipa, l)];

		if (s2pt_pte_valid(*ptep) && !s2pt_pte_table(*ptep, l))
			return -EEXIST;         /* a block maps this range: split it first */
		if (!s2pt_pte_valid(*ptep) && !alloc)
			return -ENOENT;
		if (!s2pt_pte_valid(*ptep) && (ret = s2pt_link_new_table(pgt, ptep)) != 0)
			return ret;
		table = s2pt_table_of(pgt, *ptep);
	}
	*ptepp = &table[s2pt_index(ipa, level)];
	return 0;
}

static int s2pt_map_one(struct s2pt *pgt, uint64_t ipa, uint64_t pa, unsigned prot, int level)
{
	uint64_t *ptep, new = s2pt_mk_leaf(pa, prot, level);
	int ret = s2pt_get_ptep(pgt, ipa, level, 1, &ptep);

	if (ret || *ptep == new)
		return ret;
	if (s2pt_pte_table(*ptep, level))
		return -EEXIST;                 /* pages map part of this block: unmap them first */
#ifdef S2PT_BUG_TWO_STEP_UPDATE
	/* BUG: "permissions may change in place", so they go first and the address second: in
	 * between, the old page is reachable with the new permissions. */
	if (s2pt_pte_valid(*ptep) && s2pt_pte_addr(*ptep) != pa &&
	    (*ptep ^ new) & ~S2PT_PTE_ADDR_MASK) {
		s2pt_set_pte(pgt, ptep, s2pt_pte_addr(*ptep) | (new & ~S2PT_PTE_ADDR_MASK), SRC);
		s2pt_set_pte(pgt, ptep, new, SRC);
		s2pt_barrier(pgt);
		s2pt_tlbi_ipa(pgt, ipa, level);
		return 0;
	}
#endif
	if (s2pt_pte_valid(*ptep))
		s2pt_break_pte(pgt, ptep, ipa, level);
	s2pt_set_pte(pgt, ptep, new, SRC);
	return 0;
}

static int s2pt_check_range(uint64_t addr, uint64_t size)
{
	int bad = !size || (addr | size) & (S2PT_PAGE_SIZE - 1) || addr >= S2PT_IPA_LIMIT;

	return bad || size > S2PT_IPA_LIMIT - addr ? -EINVAL : 0;
}

int s2pt_map(struct s2pt *pgt, uint64_t ipa, uint64_t size, uint64_t pa, unsigned prot)
{
	int ret = 0;

	if (s2pt_check_range(ipa, size) || s2pt_check_range(pa, size) || !(prot & S2PT_PROT_R))
		return -EINVAL;
	S2PT_HOOK(pgt, lock, pgt->hooks.ctx, pgt->vmid);
	for (uint64_t off = 0, step; off < size && !ret; off += step) {
		/* A 2 MiB block where input, output and the rest of the range allow; else a page */
		int block = !((ipa + off) & (S2PT_BLOCK_SIZE - 1)) &&
			    !((pa + off) & (S2PT_BLOCK_SIZE - 1)) && size - off >= S2PT_BLOCK_SIZE;

		step = block ? S2PT_BLOCK_SIZE : S2PT_PAGE_SIZE;
		ret = s2pt_map_one(pgt, ipa + off, pa + off, prot, block ? 2 : 3);
	}
	s2pt_end(pgt);
	return ret;
}

/* Unmaps [ipa, end), which lies inside the 2 MiB range at base. */
static int s2pt_unmap_range(struct s2pt *pgt, uint64_t base, uint64_t ipa, uint64_t end)
{
	int whole = ipa == base && end == base + S2PT_BLOCK_SIZE;
	uint64_t *l2, *table;
	int ret = s2pt_get_ptep(pgt, base, 2, 0, &l2);

	if (ret == -ENOENT || (!ret && !s2pt_pte_valid(*l2)))
		return 0;                       /* nothing mapped here */
	if (ret || (!s2pt_pte_table(*l2, 2) && !whole))
		return ret ? ret : -EINVAL;     /* the range cuts a block: split it first */
	if (!s2pt_pte_table(*l2, 2)) {
		s2pt_break_pte(pgt, l2, base, 2);
		return 0;
	}
	table = s2pt_table_of(pgt, *l2);
#ifdef S2PT_BUG_DIRTY_REUSE
	/* BUG: "the table goes anyway and the VMID-wide TLBI covers its pages": the entries are
	 * left as they are, and the page goes back to the free list holding live descriptors. */
	if (!whole)
#endif
		for (uint64_t a = ipa; a < end; a += S2PT_PAGE_SIZE)
			if (s2pt_pte_valid(table[s2pt_index(a, 3)]))
				s2pt_break_pte(pgt, &table[s2pt_index(a, 3)], a, 3);
	if (whole) {    /* empty now: unlink it, and free it once no walker can reach it */
		s2pt_break_pte(pgt, l2, base, 2);
		s2pt_free_page(pgt, table);
	}
	return 0;
}

int s2pt_unmap(struct s2pt *pgt, uint64_t ipa, uint64_t size)
{
	int ret = s2pt_check_range(ipa, size);

	if (ret)
		return ret;
	S2PT_HOOK(pgt, lock, pgt->hooks.ctx, pgt->vmid);
	for (uint64_t a = ipa, base, next; a < ipa + size && !ret; a = next) {
		base = a & ~(S2PT_BLOCK_SIZE - 1);
		next = base + S2PT_BLOCK_SIZE < ipa + size ? base + S2PT_BLOCK_SIZE : ipa + size;
		ret = s2pt_unmap_range(pgt, base, a, next);
	}
	s2pt_end(pgt);
	return ret;
}

/* Replaces the block at *l2 with a table of 512 pages with the same output and attributes. */
static int s2pt_split(struct s2pt *pgt, uint64_t *l2, uint64_t base)
{
	uint64_t block = *l2, *table = s2pt_alloc_page(pgt);

	if (!table)
		return -ENOMEM;
	s2pt_zero_page(pgt, table);
#ifdef S2PT_BUG_SPLIT_LINK_FIRST
	/* BUG: the empty table replaces the block at once, without a break: until it is filled,
	 * every page of the block faults although it is mapped before and after, and a CPU may
	 * hold the block and the table's pages together (a TLB conflict). */
	s2pt_set_pte(pgt, l2, s2pt_mk_table(pgt, table), SRC);
#endif
	for (unsigned i = 0; i < S2PT_PTRS; i++)
		s2pt_set_pte(pgt, &table[i], (block | S2PT_PTE_TYPE) + i * S2PT_PAGE_SIZE, SRC);
#ifdef S2PT_BUG_SPLIT_LINK_FIRST
	s2pt_barrier(pgt);
	s2pt_tlbi_ipa(pgt, base, 2);
#else
	/* Break-before-make (Arm RWHZWS: a change of block size needs it unless the CPU has
	 * FEAT_BBM): the block goes, and its TLB entries with it, before the complete table is
	 * linked; a walker in between faults (ptx: a transient fault, the break). The table is
	 * filled before the barrier that precedes its link: a walker never sees it half filled. */
	s2pt_break_pte(pgt, l2, base, 2);
	s2pt_set_pte(pgt, l2, s2pt_mk_table(pgt, table), SRC);
#endif
	return 0;
}

/* Replaces the table at *l2 with one block, if its 512 pages are contiguous and alike. */
static int s2pt_collapse_table(struct s2pt *pgt, uint64_t *l2, uint64_t base)
{
	uint64_t *table = s2pt_table_of(pgt, *l2), first = table[0];

	if (!s2pt_pte_leaf(first, 3) || s2pt_pte_addr(first) & (S2PT_BLOCK_SIZE - 1))
		return -EINVAL;
	for (unsigned i = 1; i < S2PT_PTRS; i++)
		if (table[i] != first + i * S2PT_PAGE_SIZE)
			return -EINVAL;
	/* Break-before-make, as for a split: the table goes, and every translation it may have
	 * cached (a VMID-wide TLBI), before the block is linked. */
	s2pt_break_pte(pgt, l2, base, 2);
	s2pt_set_pte(pgt, l2, first & ~S2PT_PTE_TYPE, SRC);
	/* Unreachable and uncached now: clear it, so it never goes out again with live entries. */
	s2pt_zero_page(pgt, table);
	s2pt_free_page(pgt, table);
	return 0;
}

/* Runs split (want_table 0: a block must be there) or collapse (1: a table) on ipa's L2 entry. */
static int s2pt_l2_op(struct s2pt *pgt, uint64_t ipa, int want_table,
		      int (*op)(struct s2pt *, uint64_t *, uint64_t))
{
	uint64_t *l2;
	int ret = s2pt_check_range(ipa, S2PT_PAGE_SIZE);

	if (ret)
		return ret;
	S2PT_HOOK(pgt, lock, pgt->hooks.ctx, pgt->vmid);
	ret = s2pt_get_ptep(pgt, ipa, 2, 0, &l2);
	if (!ret && !(want_table ? s2pt_pte_table(*l2, 2) : s2pt_pte_leaf(*l2, 2)))
		ret = -ENOENT;
	if (!ret)
		ret = op(pgt, l2, ipa & ~(S2PT_BLOCK_SIZE - 1));
	s2pt_end(pgt);
	return ret;
}

int s2pt_split_block(struct s2pt *pgt, uint64_t ipa)
{
	return s2pt_l2_op(pgt, ipa, 0, s2pt_split);
}

int s2pt_collapse(struct s2pt *pgt, uint64_t ipa)
{
	return s2pt_l2_op(pgt, ipa, 1, s2pt_collapse_table);
}

int s2pt_walk(const struct s2pt *pgt, uint64_t ipa, uint64_t *desc, int *level)
{
	const uint64_t *table = pgt->root;

	if (ipa >= S2PT_IPA_LIMIT)
		return -EINVAL;
	for (*level = 0;; ++*level) {
		*desc = table[s2pt_index(ipa, *level)];
		if (s2pt_pte_leaf(*desc, *level))
			return 0;
		if (!s2pt_pte_table(*desc, *level))
			return -ENOENT;         /* invalid or reserved: a translation fault */
		table = s2pt_table_of(pgt, *desc);
	}
}

int s2pt_init(struct s2pt *pgt, void *pool, size_t pages, uint64_t pa_base,
	      const struct s2pt_hooks *hooks, uint64_t vmid)
{
	if (!pool || !pages || pages > S2PT_MAX_POOL_PAGES || (uintptr_t)pool % 8 ||
	    s2pt_check_range(pa_base, pages * S2PT_PAGE_SIZE))
		return -EINVAL;
	memset(pgt, 0, sizeof(*pgt));
	pgt->mm.pool = pool;
	pgt->mm.pages = pages;
	pgt->mm.pa_base = pa_base;
	while (pages--)                 /* page 0 on top: the root lands at pa_base */
		pgt->mm.free[pgt->mm.nr_free++] = (uint32_t)pages;
	if (hooks)
		pgt->hooks = *hooks;
	pgt->vmid = vmid;
	pgt->root = s2pt_alloc_page(pgt);
	s2pt_zero_page(pgt, pgt->root);
	return 0;
}

uint64_t s2pt_root_pa(const struct s2pt *pgt) { return s2pt_virt_to_phys(pgt, pgt->root); }

size_t s2pt_nr_free_pages(const struct s2pt *pgt) { return pgt->mm.nr_free; }

static void s2pt_free_tables(struct s2pt *pgt, uint64_t *table, int level)
{
	for (unsigned i = 0; i < S2PT_PTRS; i++)
		if (s2pt_pte_table(table[i], level))
			s2pt_free_tables(pgt, s2pt_table_of(pgt, table[i]), level + 1);
	s2pt_free_page(pgt, table);
}

/* The VM is gone and no walker is left: the tables go back to the pool without any store. */
void s2pt_destroy(struct s2pt *pgt)
{
	if (pgt->root)
		s2pt_free_tables(pgt, pgt->root, 0);
	pgt->root = NULL;
}
