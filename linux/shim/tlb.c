// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stands for arch/arm64/kvm/hyp/vhe/tlb.c: the stage-2 TLB maintenance KVM runs at EL2 with VHE,
 * instruction for instruction as 6.1 and 6.12 have it (the two differ only where marked).
 * enter_vmid_context's switch to the MMU's VMID is recorded as the VTTBR_EL2 load it is (the
 * HCR_EL2.TGE flip around it has no effect on what ptx checks and is left out); every DSB, ISB
 * and TLBI goes through the shim's hooks.
 */
#include <asm/kvm_pgtable.h>
#include <linux/kvm_host.h>

/* __load_stage2(mmu, mmu->arch): VTTBR_EL2 := the PGD's address and the VMID. */
static void enter_vmid_context(struct kvm_s2_mmu *mmu) {
  const uint64_t baddr = ptx_shim_hooks->virt_to_phys(ptx_shim_hooks->self, (const void *)mmu->pgt->pgd);
  PTX_HOOK(load_vttbr, baddr | (mmu->vmid << 48), PTX_SRC);
  isb();
}

void __kvm_tlb_flush_vmid_ipa(struct kvm_s2_mmu *mmu, phys_addr_t ipa, int level) {
  dsb(ishst);
  enter_vmid_context(mmu);
  /*
   * We could do so much better if we had the VA as well. Instead, we invalidate Stage-2 for this
   * IPA, and the whole of Stage-1. Weep...
   */
  ipa >>= 12;
  __tlbi_level(ipas2e1is, ipa, level);
  /*
   * We have to ensure completion of the invalidation at Stage-2, since a table walk on another
   * CPU could refill a TLB with a complete (S1 + S2) walk based on the old Stage-2 mapping if the
   * Stage-1 invalidation happened first.
   */
  dsb(ish);
  __tlbi(vmalle1is);
  __tlbi_sync_s1ish_hyp();
  isb();
}

/* 6.6+: the local flush after a permission relaxation. */
void __kvm_tlb_flush_vmid_ipa_nsh(struct kvm_s2_mmu *mmu, phys_addr_t ipa, int level) {
  dsb(nshst);
  enter_vmid_context(mmu);
  ipa >>= 12;
  __tlbi_level(ipas2e1, ipa, level);
  dsb(nsh);
  __tlbi(vmalle1);
  dsb(nsh);
  isb();
}

/* 6.6+: a range of IPAs, with range TLBIs under FEAT_TLBIRANGE. */
void __kvm_tlb_flush_vmid_range(struct kvm_s2_mmu *mmu, phys_addr_t start, unsigned long pages) {
  /* Since the range of addresses may not be mapped at the same level, assume the worst case as
   * PAGE_SIZE. */
  unsigned long stride = PAGE_SIZE;
  start = round_down(start, stride);
  dsb(ishst);
  enter_vmid_context(mmu);
  __flush_s2_tlb_range_op(ipas2e1is, start, pages, stride, TLBI_TTL_UNKNOWN);
  dsb(ish);
  __tlbi(vmalle1is);
  __tlbi_sync_s1ish_hyp();
  isb();
}

void __kvm_tlb_flush_vmid(struct kvm_s2_mmu *mmu) {
  dsb(ishst);
  enter_vmid_context(mmu);
  __tlbi(vmalls12e1is);
  __tlbi_sync_s1ish_hyp();
  isb();
}
