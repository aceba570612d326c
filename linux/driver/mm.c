// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stands for the parts of arch/arm64/kvm/mmu.c (and virt/kvm/kvm_main.c's MMU notifier glue) that
 * call the stage-2 page-table API: the fault handler, the MMU notifier's unmap and aging, dirty
 * logging's write protection, eager page splitting, and the memory-management callbacks
 * (kvm_s2_mm_ops) with their memory caches and RCU-deferred table frees. Each path takes the
 * VM's MMU lock as the version does (6.1: faults for write, but for a dirty-logging write
 * permission fault; 6.12: faults for read with KVM_PGTABLE_WALK_SHARED) and issues the TLB
 * maintenance KVM wraps around the call. Compiled once per kernel tree with that tree's
 * pgtable.c; LINUX_VERSION_CODE picks what differs.
 *
 * What is not modelled: the host's own page tables (the caller gives the output address and
 * size the fault handler would have found), mmu_invalidate_retry (the caller serialises a fault
 * with the notifier ops on its range), cond_resched_rwlock_write (the lock is not dropped in the
 * middle of a range), MTE, nested MMUs, and the data-cache maintenance itself (its calls happen;
 * they touch no page-table entry).
 */
#include <stdlib.h>
#include <string.h>

#include "driver.h"

/* --- memory caches (virt/kvm/kvm_main.c) ------------------------------------------------------ */

/* __kvm_mmu_topup_memory_cache: fills the cache to `capacity` once it holds fewer than `min`. */
int topup_memory_cache(struct kvm_mmu_memory_cache *mc, int capacity, int min) {
  if (mc->nobjs >= min) return 0;
  while (mc->nobjs < capacity) {
    void *obj = PTX_HOOK(alloc_page, PTX_SRC); /* __GFP_ZERO */
    if (!obj) return mc->nobjs >= min ? 0 : -ENOMEM;
    mc->objects[mc->nobjs++] = obj;
  }
  return 0;
}

void free_memory_cache(struct kvm_mmu_memory_cache *mc) {
  while (mc->nobjs) PTX_HOOK(page_ref, mc->objects[--mc->nobjs], -1, PTX_SRC);
}

/* --- kvm_s2_mm_ops ----------------------------------------------------------------------------- */

static void *stage2_memcache_zalloc_page(void *arg) {
  struct kvm_mmu_memory_cache *mc = arg;
  /* Allocated with __GFP_ZERO, so no need to zero */
  if (WARN_ON(!mc || !mc->nobjs)) return PTX_HOOK(alloc_page, PTX_SRC); /* kvm_mmu_memory_cache_alloc */
  return mc->objects[--mc->nobjs];
}

static void *kvm_s2_zalloc_pages_exact(size_t size) {
  if (WARN_ON(size != PAGE_SIZE)) return NULL; /* ptx's VMs have one PGD page (48-bit IPA) */
  return PTX_HOOK(alloc_page, PTX_SRC);
}

static void kvm_s2_free_pages_exact(void *virt, size_t size) {
  (void)size;
  PTX_HOOK(page_ref, virt, -1, PTX_SRC);
}

static void kvm_host_get_page(void *addr) { PTX_HOOK(page_ref, addr, 1, PTX_SRC); }
static void kvm_s2_put_page(void *addr) { PTX_HOOK(page_ref, addr, -1, PTX_SRC); }
static int kvm_host_page_count(void *addr) { return PTX_HOOK(page_ref, addr, 0, PTX_SRC); }
static phys_addr_t kvm_host_pa(void *addr) { return ptx_shim_hooks->virt_to_phys(ptx_shim_hooks->self, addr); }
static void *kvm_host_va(phys_addr_t phys) { return ptx_shim_hooks->phys_to_virt(ptx_shim_hooks->self, phys); }
static void clean_dcache_guest_page(void *va, size_t size) { (void)va, (void)size; }
static void invalidate_icache_guest_page(void *va, size_t size) { (void)va, (void)size; }

#if PTX_SHARED_FAULTS
/* stage2_free_unlinked_table: the table is freed after an RCU grace period, so that a shared
 * walker still inside it reads a live page. */
struct ptx_rcu_free {
  struct ptx_k_vm *vm;
  void *pgtable;
  s8 level;
};

static void stage2_free_unlinked_table_rcu_cb(void *arg) {
  struct ptx_rcu_free *f = arg;
  ptx_enter(f->vm);
  kvm_pgtable_stage2_free_unlinked(&f->vm->mm_ops, f->pgtable, f->level);
  free(f);
}

static void stage2_free_unlinked_table(void *addr, s8 level) {
  struct ptx_rcu_free *f = malloc(sizeof(*f));
  if (WARN_ON(!f)) return;
  f->vm = container_of(ptx_shim_hooks, struct ptx_k_vm, hooks);
  f->pgtable = addr;
  f->level = level;
  PTX_HOOK(call_rcu, stage2_free_unlinked_table_rcu_cb, f, PTX_SRC);
}
#endif

void init_mm_ops(struct kvm_pgtable_mm_ops *ops) {
  memset(ops, 0, sizeof(*ops));
  ops->zalloc_page = stage2_memcache_zalloc_page;
  ops->zalloc_pages_exact = kvm_s2_zalloc_pages_exact;
  ops->free_pages_exact = kvm_s2_free_pages_exact;
#if PTX_SHARED_FAULTS
  ops->free_unlinked_table = stage2_free_unlinked_table;
#endif
  ops->get_page = kvm_host_get_page;
  ops->put_page = kvm_s2_put_page;
  ops->page_count = kvm_host_page_count;
  ops->phys_to_virt = kvm_host_va;
  ops->virt_to_phys = kvm_host_pa;
  ops->dcache_clean_inval_poc = clean_dcache_guest_page;
  ops->icache_inval_pou = invalidate_icache_guest_page;
}

/* --- ranges (stage2_apply_range, without rescheduling) ------------------------------------------ */

static phys_addr_t stage2_range_addr_end(phys_addr_t addr, phys_addr_t end, phys_addr_t size) {
  phys_addr_t boundary = ALIGN_DOWN(addr + size, size);
  return (boundary - 1 < end - 1) ? boundary : end;
}

int stage2_apply_range(struct ptx_k_vm *vm, phys_addr_t addr, phys_addr_t end,
                              int (*fn)(struct kvm_pgtable *, u64, u64)) {
  int ret = 0;
  do {
    phys_addr_t next = stage2_range_addr_end(addr, end, kvm_granule_size(KVM_PGTABLE_MIN_BLOCK_LEVEL));
    ret = fn(&vm->pgt, addr, next - addr);
    if (ret) break;
    addr = next;
  } while (addr != end);
  return ret;
}

/* kvm_flush_remote_tlbs_range: the range flush where the version has one, else the VM's. */
void flush_remote_tlbs_range(struct ptx_k_vm *vm, phys_addr_t addr, u64 size) {
#if PTX_HAS_RANGE_FLUSH
  kvm_tlb_flush_vmid_range(&vm->arch.mmu, addr, size);
#else
  (void)addr, (void)size;
  kvm_call_hyp(__kvm_tlb_flush_vmid, &vm->arch.mmu);
#endif
}

