// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel engine's entry (kernel/kernel_abi.h struct ptx_k_engine): a VM's stage-2 MMU made as
 * kvm_init_stage2_mmu makes it (VTCR_EL2 from kvm_get_vtcr, the PGD from kvm_pgtable_stage2_init),
 * its teardown (kvm_free_stage2_pgd), and the dispatch of a call to its KVM path (paths.c). The
 * build names the exported table PTX_ENGINE_SYMBOL and gives the tree's name, version and mutant
 * as PTX_TREE_NAME, PTX_TREE_VERSION and PTX_MUTANT_NAME; every other symbol of the tree's code
 * is hidden, so several trees link into one program.
 */
#include <stdlib.h>
#include <string.h>

#include "driver.h"

/* ID_AA64MMFR0_EL1.PARange = 48 bits; ID_AA64MMFR1_EL1.VMIDBits = 16 bits. */
#define PTX_MMFR0 ID_AA64MMFR0_EL1_PARANGE_48
#define PTX_MMFR1 (UINT64_C(2) << ID_AA64MMFR1_EL1_VMIDBits_SHIFT)

static void init_caches(struct ptx_k_vm *vm) {
  for (int i = 0; i < PTX_VCPUS; ++i) {
    vm->vcpu_cache[i].capacity = KVM_ARCH_NR_OBJS_PER_MEMORY_CACHE;
    vm->vcpu_cache[i].objects = vm->vcpu_objs[i];
  }
  vm->arch.mmu.split_page_cache.capacity = PTX_SPLIT_CACHE_CAPACITY;
  vm->arch.mmu.split_page_cache.objects = vm->split_objs;
  vm->arch.mmu.split_page_chunk_size = PMD_SIZE;
}

static struct ptx_k_vm *vm_create(const struct ptx_k_hooks *hooks, const struct ptx_k_vm_config *config, int *err) {
  if (config->vcpus < 1 || config->vcpus > PTX_VCPUS || config->ipa_bits != 48) {
    *err = -EINVAL;
    return NULL;
  }
  struct ptx_k_vm *vm = calloc(1, sizeof(*vm));
  if (!vm) {
    *err = -ENOMEM;
    return NULL;
  }
  vm->hooks = *hooks;
  vm->features = config->features;
  vm->vcpus = config->vcpus;
  ptx_enter(vm);
  init_caches(vm);
  init_mm_ops(&vm->mm_ops);
  struct kvm_s2_mmu *mmu = &vm->arch.mmu;
  mmu->arch = &vm->arch;
  mmu->vmid = config->vmid;
  mmu->pgt = &vm->pgt;
  const u64 vtcr = kvm_get_vtcr(PTX_MMFR0, PTX_MMFR1, config->ipa_bits);
  mmu->vtcr = vtcr;
  vm->arch.vtcr = vtcr;
  *err = kvm_pgtable_stage2_init(&vm->pgt, mmu, &vm->mm_ops);
  if (*err) {
    free(vm);
    return NULL;
  }
  return vm;
}

static void vm_destroy(struct ptx_k_vm *vm) {
  ptx_enter(vm);
  kvm_pgtable_stage2_destroy(&vm->pgt);
  for (int i = 0; i < PTX_VCPUS; ++i) free_memory_cache(&vm->vcpu_cache[i]);
  free_memory_cache(&vm->arch.mmu.split_page_cache);
  free(vm);
}

static uint64_t vm_root(const struct ptx_k_vm *vm) {
  return vm->hooks.virt_to_phys(vm->hooks.self, (const void *)vm->pgt.pgd);
}

static uint64_t vm_vtcr(const struct ptx_k_vm *vm) { return vm->arch.mmu.vtcr; }

static int vm_call(struct ptx_k_vm *vm, uint32_t vcpu, const struct ptx_k_call *c, struct ptx_k_result *out) {
  if (vcpu >= vm->vcpus) return -EINVAL;
  ptx_enter(vm);
  memset(out, 0, sizeof(*out));
  switch (c->kind) {
    case PTX_K_FAULT: return ptx_path_fault(vm, vcpu, c, out);
    case PTX_K_UNMAP: return ptx_path_unmap(vm, c, out);
    case PTX_K_WRPROTECT: return ptx_path_wrprotect(vm, c, out);
    case PTX_K_ACCESS: return ptx_path_access(vm, c, out);
    case PTX_K_AGE: return ptx_path_age(vm, c, out);
    case PTX_K_SPLIT: return ptx_path_split(vm, c, out);
    default: return -EINVAL;
  }
}

#define PTX_CALLS                                                                                      \
  ((1u << PTX_K_FAULT) | (1u << PTX_K_UNMAP) | (1u << PTX_K_WRPROTECT) | (1u << PTX_K_ACCESS) |        \
   (1u << PTX_K_AGE) | (PTX_HAS_SPLIT ? 1u << PTX_K_SPLIT : 0))
/* What the version's code tests: FEAT_TLBIRANGE from 6.6 (kvm_tlb_flush_vmid_range), FEAT_LPA2
 * from 6.9 (kvm_lpa2_is_enabled). */
#define PTX_FEATURES                                                                 \
  (PTX_K_FEAT_TTL | PTX_K_FEAT_S2FWB | (PTX_HAS_RANGE_FLUSH ? PTX_K_FEAT_TLBIRANGE : 0) | \
   (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0) ? PTX_K_FEAT_LPA2 : 0))

__attribute__((visibility("default"))) const struct ptx_k_engine PTX_ENGINE_SYMBOL = {
    .abi = PTX_K_ABI_VERSION,
    .tree = PTX_TREE_NAME,
    .version = PTX_TREE_VERSION,
    .mutant = PTX_MUTANT_NAME,
    .features = PTX_FEATURES,
    .calls = PTX_CALLS,
    .shared_faults = PTX_SHARED_FAULTS,
    .ages_ranges = PTX_HAS_TEST_CLEAR_YOUNG,
    .vm_create = vm_create,
    .vm_destroy = vm_destroy,
    .vm_root = vm_root,
    .vm_vtcr = vm_vtcr,
    .call = vm_call,
};
