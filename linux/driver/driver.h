/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The driver's shared declarations: one VM (struct ptx_k_vm), the version switches, the MMU lock,
 * and the helpers mm.c gives paths.c and engine.c. See mm.c for what the driver stands for.
 */
#ifndef PTX_LINUX_DRIVER_H
#define PTX_LINUX_DRIVER_H

#include <asm/kvm_pgtable.h>
#include <asm/stage2_pgtable.h>
#include <linux/kvm_host.h>

#define PTX_VCPUS 4
#define KVM_ARCH_NR_OBJS_PER_MEMORY_CACHE 40 /* arch/arm64/include/asm/kvm_types.h */
#define PTX_SPLIT_CACHE_CAPACITY 1024        /* room for kvm_mmu_split_nr_page_tables(1 GiB) */

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define PTX_SHARED_FAULTS 1 /* "KVM: arm64: Handle stage-2 faults in parallel" (6.2) */
typedef s8 ptx_level_t;
#else
#define PTX_SHARED_FAULTS 0
typedef u32 ptx_level_t;
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define PTX_HAS_SPLIT 1 /* kvm_pgtable_stage2_split, eager page splitting (6.5) */
#else
#define PTX_HAS_SPLIT 0
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define PTX_HAS_TEST_CLEAR_YOUNG 1 /* kvm_pgtable_stage2_test_clear_young (6.5) */
#else
#define PTX_HAS_TEST_CLEAR_YOUNG 0
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define PTX_HAS_RANGE_FLUSH 1 /* kvm_tlb_flush_vmid_range (6.6) */
#else
#define PTX_HAS_RANGE_FLUSH 0
#endif

struct ptx_k_vm {
  struct ptx_k_hooks hooks;
  unsigned features;
  uint32_t vcpus;
  struct kvm_arch arch; /* arch.mmu is the VM's stage-2 MMU */
  struct kvm_pgtable pgt;
  struct kvm_pgtable_mm_ops mm_ops;
  struct kvm_mmu_memory_cache vcpu_cache[PTX_VCPUS]; /* vcpu->arch.mmu_page_cache */
  void *vcpu_objs[PTX_VCPUS][KVM_ARCH_NR_OBJS_PER_MEMORY_CACHE];
  void *split_objs[PTX_SPLIT_CACHE_CAPACITY];
};

/* The calling thread works for `vm` from here on: the shim's hooks and features are its. */
static inline void ptx_enter(struct ptx_k_vm *vm) {
  ptx_shim_hooks = &vm->hooks;
  ptx_shim_features = vm->features;
}

/* The MMU lock: include/linux/rwlock.h's write_lock / read_lock on kvm->mmu_lock. */
#define write_lock(vm) PTX_HOOK(lock, PTX_K_LOCK_WRITE, PTX_SRC)
#define write_unlock(vm) PTX_HOOK(unlock, PTX_K_LOCK_WRITE, PTX_SRC)
#define read_lock(vm) PTX_HOOK(lock, PTX_K_LOCK_READ, PTX_SRC)
#define read_unlock(vm) PTX_HOOK(unlock, PTX_K_LOCK_READ, PTX_SRC)

/* mm.c */
int topup_memory_cache(struct kvm_mmu_memory_cache *mc, int capacity, int min);
void free_memory_cache(struct kvm_mmu_memory_cache *mc);
void init_mm_ops(struct kvm_pgtable_mm_ops *ops);
int stage2_apply_range(struct ptx_k_vm *vm, phys_addr_t addr, phys_addr_t end,
                       int (*fn)(struct kvm_pgtable *, u64, u64));
void flush_remote_tlbs_range(struct ptx_k_vm *vm, phys_addr_t addr, u64 size);

/* paths.c: one KVM path each; *out as struct ptx_k_call / ptx_k_result say. */
int ptx_path_fault(struct ptx_k_vm *vm, uint32_t vcpu, const struct ptx_k_call *c, struct ptx_k_result *out);
int ptx_path_unmap(struct ptx_k_vm *vm, const struct ptx_k_call *c, struct ptx_k_result *out);
int ptx_path_wrprotect(struct ptx_k_vm *vm, const struct ptx_k_call *c, struct ptx_k_result *out);
int ptx_path_access(struct ptx_k_vm *vm, const struct ptx_k_call *c, struct ptx_k_result *out);
int ptx_path_age(struct ptx_k_vm *vm, const struct ptx_k_call *c, struct ptx_k_result *out);
int ptx_path_split(struct ptx_k_vm *vm, const struct ptx_k_call *c, struct ptx_k_result *out);

#endif
