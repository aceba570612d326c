/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The C interface between ptx (C++, BSD-2-Clause) and a kernel engine: page-table code compiled
 * from a kernel source tree (C, GPL-2.0-only, linux/). ptx never includes a kernel header and a
 * kernel engine never includes a ptx header but this one, so the two sides only meet here, in
 * plain C types.
 *
 * Two tables cross it:
 *   - struct ptx_k_hooks, filled by ptx (kernel/recorder.h): what the kernel code's shim calls for
 *     every shared-memory access and every hardware or kernel service it uses: page-table entry
 *     reads, writes and cmpxchg; barriers, TLBIs and the VTTBR load of a TLB flush; the VM's MMU
 *     lock; RCU; table pages and their reference counts; WARN_ON. ptx records each as an Arm
 *     page-table event (armtrace/event.h) in the order the accesses happen.
 *   - struct ptx_k_engine, exported by each kernel engine (one per source tree): the calls KVM's
 *     fault and memory paths make (arch/arm64/kvm/mmu.c), each run on the calling thread as one
 *     vCPU (or the MMU notifier, or the memslot code) of one VM.
 * Addresses are physical byte addresses of the table pages (ptx's arena) or of guest memory; sizes
 * are bytes; levels are Arm levels 0..3 (4 KiB granule).
 */
#ifndef PTX_KERNEL_KERNEL_ABI_H_
#define PTX_KERNEL_KERNEL_ABI_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PTX_K_ABI_VERSION 2

/* A store's ordering (the shim's WRITE_ONCE / smp_store_release). */
enum ptx_k_order { PTX_K_PLAIN = 0, PTX_K_RELEASE = 1 };

/* Barriers: dsb(ish), dsb(ishst), dsb(nsh), dsb(nshst), isb(). */
enum ptx_k_barrier { PTX_K_DSB_ISH = 0, PTX_K_DSB_ISHST, PTX_K_DSB_NSH, PTX_K_DSB_NSHST, PTX_K_ISB };

/* TLBI operations the stage-2 code issues (the shim's __tlbi / __tlbi_level / range ops). The
 * value is the TLBI register: IPA>>12 in [43:0] and the TTL hint in [47:44] for the by-IPA ops;
 * the FEAT_TLBIRANGE layout (BaseADDR [36:0], TTL [38:37], NUM [43:39], SCALE [45:44],
 * TG [47:46]) for the range ops; 0 for the others. */
enum ptx_k_tlbi {
  PTX_K_TLBI_VMALLS12E1IS = 0, PTX_K_TLBI_VMALLS12E1, PTX_K_TLBI_VMALLE1IS, PTX_K_TLBI_VMALLE1,
  PTX_K_TLBI_ALLE1IS, PTX_K_TLBI_IPAS2E1IS, PTX_K_TLBI_IPAS2E1, PTX_K_TLBI_RIPAS2E1IS, PTX_K_TLBI_RIPAS2E1,
  PTX_K_TLBI_VAE2IS, PTX_K_TLBI_VALE2IS
};

/* CPU features the code tests (capability and system_supports_* stubs), as Arm names them. */
enum ptx_k_feature {
  PTX_K_FEAT_TTL = 1,       /* FEAT_TTL: TLBI level hints (ARM64_HAS_ARMv8_4_TTL) */
  PTX_K_FEAT_TLBIRANGE = 2, /* FEAT_TLBIRANGE: range TLBIs (system_supports_tlb_range) */
  PTX_K_FEAT_S2FWB = 4,     /* FEAT_S2FWB: stage-2 forced write-back (ARM64_HAS_STAGE2_FWB) */
  PTX_K_FEAT_LPA2 = 8       /* FEAT_LPA2: 52-bit descriptors (system_supports_lpa2) */
};

/* The VM's MMU lock (kvm->mmu_lock, an rwlock): taken for write or for read. */
enum ptx_k_lock_mode { PTX_K_LOCK_WRITE = 0, PTX_K_LOCK_READ = 1 };

/* Where in the kernel source a hook was called from. */
struct ptx_k_src {
  const char *file; /* the kernel file's path below its tree, e.g. "arch/arm64/kvm/hyp/pgtable.c" */
  int line;
};

struct ptx_k_hooks {
  void *self; /* the VM's recorder */
  /* Entry accesses, atomically and in one global order per VM. */
  uint64_t (*read)(void *self, const uint64_t *word, struct ptx_k_src at);
  void (*write)(void *self, uint64_t *word, uint64_t value, int order, struct ptx_k_src at);
  /* Returns the value found; stores `desired` only when it equals `expected`. */
  uint64_t (*cmpxchg)(void *self, uint64_t *word, uint64_t expected, uint64_t desired, struct ptx_k_src at);
  void (*barrier)(void *self, int kind, struct ptx_k_src at);
  void (*tlbi)(void *self, int op, uint64_t value, struct ptx_k_src at);
  /* VTTBR_EL2 := vttbr (the TLB flush code's switch to the VM's VMID). */
  void (*load_vttbr)(void *self, uint64_t vttbr, struct ptx_k_src at);
  void (*lock)(void *self, int mode, struct ptx_k_src at);
  void (*unlock)(void *self, int mode, struct ptx_k_src at);
  void (*rcu_read_lock)(void *self, struct ptx_k_src at);
  void (*rcu_read_unlock)(void *self, struct ptx_k_src at);
  /* Runs fn(arg) once every RCU read-side section open now has ended. */
  void (*call_rcu)(void *self, void (*fn)(void *arg), void *arg, struct ptx_k_src at);
  /* A zeroed 4 KiB table page with reference count 1, or NULL when the pool is exhausted. */
  void *(*alloc_page)(void *self, struct ptx_k_src at);
  /* Adds `delta` to the reference count of the page holding `virt` and returns the new count;
   * at 0 the page is freed. delta 0 reads the count. */
  int (*page_ref)(void *self, void *virt, int delta, struct ptx_k_src at);
  uint64_t (*virt_to_phys)(void *self, const void *virt);
  void *(*phys_to_virt)(void *self, uint64_t phys);
  /* WARN_ON / WARN_ON_ONCE / BUG_ON whose condition held: a finding, never an abort. */
  void (*warn)(void *self, const char *condition, struct ptx_k_src at);
  /* The calling CPU waits for another: a guest access retried after KVM returned -EAGAIN (a
   * shared walk lost a race). A controlled scheduler runs another thread here (a spin loop's
   * yield, as CHESS needs one); otherwise the thread sleeps briefly, so that the vCPU it waits for
   * runs even when threads outnumber cores. */
  void (*yield)(void *self, struct ptx_k_src at);
  /* A descriptor read by the MMU's own walk (the driver's model of the hardware walk that took an
   * abort), not by the kernel's code: atomic, seen by a controlled scheduler like a read, never
   * recorded, and never a walk-after-free (the MMU reads what memory holds; a freed table it can
   * still reach is the TLB check's business). */
  uint64_t (*hw_read)(void *self, const uint64_t *word, struct ptx_k_src at);
};

struct ptx_k_vm_config {
  uint32_t vmid;     /* 1..255 */
  uint32_t ipa_bits; /* 48: four levels from level 0, one PGD page */
  uint32_t features; /* ptx_k_feature bits */
  uint32_t vcpus;    /* 1..4 */
};

/* The calls of KVM's paths (arch/arm64/kvm/mmu.c), each with the locking and TLB maintenance
 * KVM wraps around the kvm_pgtable call. */
enum ptx_k_call_kind {
  PTX_K_FAULT = 0,   /* user_mem_abort: map [ipa, ipa+size) at pa with prot (translation fault),
                        or relax the existing leaf's permissions (permission fault) */
  PTX_K_UNMAP,       /* the MMU notifier / memslot removal: kvm_pgtable_stage2_unmap */
  PTX_K_WRPROTECT,   /* dirty logging on: kvm_pgtable_stage2_wrprotect, then the range flush */
  PTX_K_ACCESS,      /* handle_access_fault: kvm_pgtable_stage2_mkyoung */
  PTX_K_AGE,         /* kvm_age_gfn: test_clear_young (6.1: mkold), a VM flush when young */
  PTX_K_SPLIT,       /* eager page splitting: kvm_pgtable_stage2_split */
  PTX_K_CALL_KINDS
};

/* KVM_PGTABLE_PROT_* bits of a fault's prot. */
enum ptx_k_prot { PTX_K_PROT_X = 1, PTX_K_PROT_W = 2, PTX_K_PROT_R = 4, PTX_K_PROT_DEVICE = 8 };

struct ptx_k_call {
  uint32_t kind; /* ptx_k_call_kind */
  uint32_t prot; /* PTX_K_FAULT: ptx_k_prot bits */
  uint64_t ipa;
  uint64_t size; /* bytes: 4 KiB, 2 MiB or 1 GiB for a fault */
  uint64_t pa;   /* PTX_K_FAULT: the output address */
  uint32_t logging; /* PTX_K_FAULT: dirty logging is on for the IPA (the fault maps pages only) */
};

struct ptx_k_result {
  int ret;        /* the kvm_pgtable call's return value (0, -EAGAIN, -ENOMEM, ...) */
  int perm_fault; /* PTX_K_FAULT: 1 when it ran as a permission fault (relax_perms) */
  int young;      /* PTX_K_AGE: some leaf was young */
};

struct ptx_k_vm;

struct ptx_k_engine {
  uint32_t abi;          /* PTX_K_ABI_VERSION */
  const char *tree;      /* the tree's name, e.g. "6.12" */
  const char *version;   /* the kernel version from the tree's Makefile, e.g. "6.12.118" */
  const char *mutant;    /* "" for the unmodified code, else the mutant's name */
  uint32_t features;     /* the ptx_k_feature bits this version's code tests */
  uint32_t calls;        /* bit (1 << kind) for each ptx_k_call_kind this version has */
  int shared_faults;     /* faults take the MMU lock for read (KVM_PGTABLE_WALK_SHARED) */
  int ages_ranges;       /* PTX_K_AGE clears a range (test_clear_young), else the leaf at the IPA (mkold) */
  /* NULL and *err < 0 on failure (-ENOMEM: no page for the PGD). */
  struct ptx_k_vm *(*vm_create)(const struct ptx_k_hooks *hooks, const struct ptx_k_vm_config *config, int *err);
  /* Frees every table page (kvm_pgtable_stage2_destroy) and the memcaches' pages. */
  void (*vm_destroy)(struct ptx_k_vm *vm);
  uint64_t (*vm_root)(const struct ptx_k_vm *vm); /* the PGD's physical address */
  uint64_t (*vm_vtcr)(const struct ptx_k_vm *vm); /* VTCR_EL2 as kvm_get_vtcr made it */
  /* Runs `call` as vCPU `vcpu` (0..vcpus-1) on the calling thread. Returns 0, or a negative
   * errno when KVM's path itself fails (e.g. -ENOMEM topping up a memcache). */
  int (*call)(struct ptx_k_vm *vm, uint32_t vcpu, const struct ptx_k_call *call, struct ptx_k_result *out);
};

#ifdef __cplusplus
}
#endif

#endif /* PTX_KERNEL_KERNEL_ABI_H_ */
