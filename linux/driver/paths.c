// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's paths into the stage-2 page-table API (arch/arm64/kvm/mmu.c), one function each, with the
 * locking and TLB maintenance around the call as each version has them. See mm.c.
 */
#include "driver.h"

/* kvm_mmu_cache_min_pages (asm/stage2_pgtable.h): a page per level below the PGD. */
static int cache_min_pages(const struct ptx_k_vm *vm) {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
  return VTCR_EL2_LVLS(vm->arch.mmu.vtcr) - 1;
#else
  return VTCR_EL2_LVLS(vm->arch.vtcr) - 1;
#endif
}

/* The hardware walk that took the abort: the MMU's walk of the VM's stage-2 table for `ipa`, each
 * descriptor read single-copy-atomically and without the MMU lock, as another CPU's MMU reads it
 * (Arm ARM D8.2.1; the start level's table may be concatenated pages, VTCR_EL2.SL0). Returns the
 * valid leaf's level, or PTX_NO_LEAF (a translation fault). Not kvm_pgtable_get_leaf: that is
 * KVM's software walk, and 6.1's reads entries with plain loads, a data race (in C) with a vCPU's
 * update under the lock; the MMU is no C code and its reads race with nothing. Each read goes
 * through the hw_read hook: a controlled scheduler must see it (what the walk finds decides the
 * path), and it is atomic there. */
#define PTX_NO_LEAF (-2)
#define PTX_LAST_LEVEL 3
static int hw_walk(struct ptx_k_vm *vm, u64 ipa) {
  const struct kvm_pgtable *pgt = &vm->pgt;
  kvm_pte_t *table = (kvm_pte_t *)pgt->pgd;
  for (int level = (int)pgt->start_level; level <= PTX_LAST_LEVEL; ++level) {
    const u64 shift = kvm_granule_shift(level);
    const u64 entries = level == (int)pgt->start_level ? BIT(pgt->ia_bits - shift) : PTRS_PER_PTE;
    const kvm_pte_t pte = PTX_HOOK(hw_read, (const uint64_t *)&table[(ipa >> shift) & (entries - 1)], PTX_SRC);
    if (!kvm_pte_valid(pte)) return PTX_NO_LEAF;
    if (level == PTX_LAST_LEVEL || !(pte & BIT(1))) return level; /* a block or a page */
    table = vm->mm_ops.phys_to_virt(kvm_pte_to_phys(pte));      /* a table: its next level */
  }
  return PTX_NO_LEAF;
}

/* The abort's syndrome: the hardware walk that faulted finds a valid leaf (a permission fault,
 * with its granule) or none (a translation fault). */
static bool permission_fault(struct ptx_k_vm *vm, u64 ipa, u64 *granule) {
  const int level = hw_walk(vm, ipa);
  if (level == PTX_NO_LEAF) return false;
  *granule = kvm_granule_size(level);
  return true;
}

#if PTX_SHARED_FAULTS
static int map_shared(struct ptx_k_vm *vm, const struct ptx_k_call *c, void *memcache) {
  return kvm_pgtable_stage2_map(&vm->pgt, c->ipa, c->size, c->pa, (enum kvm_pgtable_prot)c->prot, memcache,
                                KVM_PGTABLE_WALK_HANDLE_FAULT | KVM_PGTABLE_WALK_SHARED);
}
#endif

/* A vCPU's refaults of one access at most: past it the fault is given up with a kernel-warn (a
 * livelock: some walk keeps the entry it needs locked). Each refault first yields (the yield
 * hook: a short sleep when free-running), so the budget is seconds of waiting: a vCPU that holds
 * the entry but was descheduled on a loaded machine gets it back long before. Under a controlled
 * scheduler a livelock meets the step bound first (`ptx schedules --step-bound`). */
#define PTX_FAULT_RETRIES 100000

/* user_mem_abort, from the topup of the vCPU's memory cache to the unlock: one fault. */
static int fault_once(struct ptx_k_vm *vm, uint32_t vcpu, const struct ptx_k_call *c, struct ptx_k_result *out) {
  struct kvm_mmu_memory_cache *memcache = &vm->vcpu_cache[vcpu];
  u64 fault_granule = 0;
  const bool fault_is_perm = permission_fault(vm, c->ipa, &fault_granule);
  const bool relax = fault_is_perm && c->size == fault_granule;
  if (!relax) {
    int ret = topup_memory_cache(memcache, KVM_ARCH_NR_OBJS_PER_MEMORY_CACHE, cache_min_pages(vm));
    if (ret) return ret;
  }
  out->perm_fault = relax;
#if PTX_SHARED_FAULTS
  read_lock(vm);
  out->ret = relax ? kvm_pgtable_stage2_relax_perms(&vm->pgt, c->ipa, (enum kvm_pgtable_prot)c->prot)
                   : map_shared(vm, c, memcache);
  read_unlock(vm);
#else
  /* To reduce MMU contentions and enhance concurrency during dirty logging, only acquire read lock
   * for permission relaxation. */
  const bool use_read_lock = relax && (c->prot & PTX_K_PROT_W) && fault_granule == PAGE_SIZE && c->logging;
  if (use_read_lock)
    read_lock(vm);
  else
    write_lock(vm);
  if (relax) {
    out->ret = kvm_pgtable_stage2_relax_perms(&vm->pgt, c->ipa, (enum kvm_pgtable_prot)c->prot);
  } else {
    WARN_ON(use_read_lock); /* "Attempted stage-2 map outside of write lock" */
    out->ret = kvm_pgtable_stage2_map(&vm->pgt, c->ipa, c->size, c->pa, (enum kvm_pgtable_prot)c->prot, memcache);
  }
  if (use_read_lock)
    read_unlock(vm);
  else
    write_unlock(vm);
#endif
  return 0;
}

/* A guest access that faults, as KVM and the guest run it: user_mem_abort returns -EAGAIN to the
 * guest when a shared walk lost a race (an entry another vCPU's walk holds locked, a cmpxchg that
 * found another value); the guest retries the access, which faults again while its IPA is still
 * unmapped. A translation fault's -EAGAIN over a valid leaf is the map finding only permissions
 * to change: the access goes on (or faults for permission, another op). */
int ptx_path_fault(struct ptx_k_vm *vm, uint32_t vcpu, const struct ptx_k_call *c, struct ptx_k_result *out) {
  for (int tries = 0;; ++tries) {
    const int ret = fault_once(vm, vcpu, c, out);
    u64 granule = 0;
    if (ret || out->ret != -EAGAIN || out->perm_fault || permission_fault(vm, c->ipa, &granule)) return ret;
    if (WARN_ON(tries == PTX_FAULT_RETRIES)) return 0;
    PTX_HOOK(yield, PTX_SRC); /* the guest runs again and retries: other CPUs go on meanwhile */
  }
}

/* kvm_unmap_gfn_range / kvm_arch_flush_shadow_memslot: __unmap_stage2_range under the write lock. */
int ptx_path_unmap(struct ptx_k_vm *vm, const struct ptx_k_call *c, struct ptx_k_result *out) {
  write_lock(vm);
  WARN_ON(c->size & ~PAGE_MASK);
  out->ret = stage2_apply_range(vm, c->ipa, c->ipa + c->size, kvm_pgtable_stage2_unmap);
  WARN_ON(out->ret);
  write_unlock(vm);
  return 0;
}

/* kvm_mmu_wp_memory_region: write protection under the write lock, the flush after the unlock. */
int ptx_path_wrprotect(struct ptx_k_vm *vm, const struct ptx_k_call *c, struct ptx_k_result *out) {
  write_lock(vm);
  out->ret = stage2_apply_range(vm, c->ipa, c->ipa + c->size, kvm_pgtable_stage2_wrprotect);
  write_unlock(vm);
  flush_remote_tlbs_range(vm, c->ipa, c->size);
  return 0;
}

/* handle_access_fault: make the page young again (6.12: under the read lock). */
int ptx_path_access(struct ptx_k_vm *vm, const struct ptx_k_call *c, struct ptx_k_result *out) {
#if PTX_SHARED_FAULTS
  read_lock(vm);
  (void)kvm_pgtable_stage2_mkyoung(&vm->pgt, c->ipa);
  read_unlock(vm);
#else
  write_lock(vm);
  (void)kvm_pgtable_stage2_mkyoung(&vm->pgt, c->ipa);
  write_unlock(vm);
#endif
  out->ret = 0;
  return 0;
}

/* The MMU notifier's clear_flush_young: kvm_age_gfn under the write lock, then, when a leaf was
 * young, kvm_flush_remote_tlbs before the unlock. */
int ptx_path_age(struct ptx_k_vm *vm, const struct ptx_k_call *c, struct ptx_k_result *out) {
  write_lock(vm);
#if PTX_HAS_TEST_CLEAR_YOUNG
  out->young = kvm_pgtable_stage2_test_clear_young(&vm->pgt, c->ipa, c->size, true);
#else
  WARN_ON(c->size != PAGE_SIZE && c->size != PMD_SIZE && c->size != PUD_SIZE);
  kvm_pte_t kpte = kvm_pgtable_stage2_mkold(&vm->pgt, c->ipa);
  out->young = kvm_pte_valid(kpte) && (kpte & BIT(10)); /* pte_young: the access flag */
#endif
  if (out->young) kvm_call_hyp(__kvm_tlb_flush_vmid, &vm->arch.mmu);
  write_unlock(vm);
  out->ret = 0;
  return 0;
}

#if PTX_HAS_SPLIT
/* kvm_mmu_split_nr_page_tables */
static int split_nr_page_tables(u64 range) {
  int n = 0;
  if (KVM_PGTABLE_MIN_BLOCK_LEVEL < 2) n += (range + PUD_SIZE - 1) / PUD_SIZE;
  n += (range + PMD_SIZE - 1) / PMD_SIZE;
  return n;
}
#endif

/* kvm_mmu_split_memory_region / kvm_mmu_split_huge_pages with a 2 MiB chunk
 * (KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE): the split cache is topped up with the lock dropped. */
int ptx_path_split(struct ptx_k_vm *vm, const struct ptx_k_call *c, struct ptx_k_result *out) {
#if PTX_HAS_SPLIT
  struct kvm_mmu_memory_cache *cache = &vm->arch.mmu.split_page_cache;
  const u64 chunk_size = vm->arch.mmu.split_page_chunk_size;
  const int cache_capacity = split_nr_page_tables(chunk_size);
  phys_addr_t addr = c->ipa, end = c->ipa + c->size;
  int ret = 0;
  write_lock(vm);
  do {
    if (cache->nobjs < cache_capacity) {
      write_unlock(vm);
      ret = topup_memory_cache(cache, cache_capacity, cache_capacity); /* best-effort */
      write_lock(vm);
      if (ret) break;
    }
    phys_addr_t next = ALIGN_DOWN(addr + chunk_size, chunk_size);
    if (next - 1 >= end - 1) next = end;
    ret = kvm_pgtable_stage2_split(&vm->pgt, addr, next - addr, cache);
    if (ret) break;
    addr = next;
  } while (addr != end);
  write_unlock(vm);
  out->ret = ret;
  return 0;
#else
  (void)vm, (void)c, (void)out;
  return -EOPNOTSUPP;
#endif
}
