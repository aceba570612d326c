/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for include/linux/kvm_host.h and the arm64 KVM headers pgtable.c reaches through it
 * (asm/kvm_host.h, asm/kvm_asm.h, asm/kvm_mmu.h, include/linux/kvm_types.h): the structures the
 * page-table code touches (struct kvm_s2_mmu, struct kvm_arch, the memory cache), kvm_call_hyp,
 * and the TLB flush functions of arch/arm64/kvm/hyp/vhe/tlb.c, whose stand-ins are in
 * linux/shim/tlb.c. Everything pgtable.c does not touch is left out. */
#ifndef PTX_SHIM_LINUX_KVM_HOST_H
#define PTX_SHIM_LINUX_KVM_HOST_H

#include <asm/barrier.h>
#include <asm/cpufeature.h>
#include <asm/kvm_arm.h>
#include <asm/memory.h>
#include <asm/pgtable-hwdef.h>
#include <asm/tlbflush.h>
#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/kconfig.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/version.h>

/* include/linux/kvm_types.h: pages allocated ahead of a fault, outside the MMU lock, so that the
 * walk under the lock never allocates. ptx's caches are filled from its arena (zeroed pages). */
struct kvm_mmu_memory_cache {
  int nobjs;
  int capacity;
  void **objects;
};

struct kvm_pgtable;
struct kvm_arch;

/* arch/arm64/include/asm/kvm_host.h: one stage-2 MMU (the VM's, no nested MMUs). */
struct kvm_s2_mmu {
  u64 vmid;                                      /* struct kvm_vmid's id */
  u64 vtcr;                                      /* 6.6+: the MMU's VTCR_EL2 */
  struct kvm_pgtable *pgt;
  struct kvm_arch *arch;
  struct kvm_mmu_memory_cache split_page_cache;  /* 6.5+: eager page splitting */
  u64 split_page_chunk_size;
};

/* arch/arm64/include/asm/kvm_host.h: what pgtable.c reads of the VM (6.1: arch->vtcr). */
struct kvm_arch {
  struct kvm_s2_mmu mmu;
  u64 vtcr;
};

/* arch/arm64/include/asm/kvm_host.h: with VHE the "hypercall" is a plain call. */
#define kvm_call_hyp(f, ...) f(__VA_ARGS__)

/* arch/arm64/include/asm/kvm_asm.h: the TLB maintenance of arch/arm64/kvm/hyp/vhe/tlb.c. */
void __kvm_tlb_flush_vmid_ipa(struct kvm_s2_mmu *mmu, phys_addr_t ipa, int level);
void __kvm_tlb_flush_vmid_ipa_nsh(struct kvm_s2_mmu *mmu, phys_addr_t ipa, int level);
void __kvm_tlb_flush_vmid_range(struct kvm_s2_mmu *mmu, phys_addr_t start, unsigned long pages);
void __kvm_tlb_flush_vmid(struct kvm_s2_mmu *mmu);

#endif
