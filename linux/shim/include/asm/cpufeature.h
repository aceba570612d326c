/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for arch/arm64/include/asm/cpufeature.h and asm/sysreg.h: the capability tests the code
 * makes. Each returns what the VM's --cpu-features say (ptx_shim_features): FEAT_TTL
 * (ARM64_HAS_ARMv8_4_TTL), FEAT_TLBIRANGE (system_supports_tlb_range), FEAT_S2FWB
 * (ARM64_HAS_STAGE2_FWB) and FEAT_LPA2 (system_supports_lpa2). Every other capability and
 * erratum workaround is off; BTI is off. ID_AA64MMFR0_EL1.PARange is 48 bits. */
#ifndef PTX_SHIM_ASM_CPUFEATURE_H
#define PTX_SHIM_ASM_CPUFEATURE_H

#include <linux/bitfield.h>
#include <ptx_shim.h>

enum ptx_shim_cap {
  ARM64_HAS_ARMv8_4_TTL,
  ARM64_HAS_STAGE2_FWB,
  ARM64_WORKAROUND_AMPERE_AC03_CPU_38,
  ARM64_WORKAROUND_SPECULATIVE_AT,
  ARM64_KVM_HVHE,
};

static inline bool ptx_shim_cap(int cap) {
  switch (cap) {
    case ARM64_HAS_ARMv8_4_TTL: return PTX_FEATURE(PTX_K_FEAT_TTL);
    case ARM64_HAS_STAGE2_FWB: return PTX_FEATURE(PTX_K_FEAT_S2FWB);
    default: return false;
  }
}
#define cpus_have_final_cap(cap) ptx_shim_cap(cap)
#define cpus_have_const_cap(cap) ptx_shim_cap(cap)
#define alternative_has_cap_unlikely(cap) ptx_shim_cap(cap)
#define system_supports_tlb_range() PTX_FEATURE(PTX_K_FEAT_TLBIRANGE)
#define system_supports_lpa2() PTX_FEATURE(PTX_K_FEAT_LPA2)
#define system_supports_bti_kernel() false

#define ID_AA64MMFR0_EL1_PARANGE_SHIFT 0
#define ID_AA64MMFR0_EL1_PARANGE_48 0x5
#define ID_AA64MMFR0_EL1_PARANGE_52 0x6
#define ID_AA64MMFR0_EL1_PARANGE_MAX ID_AA64MMFR0_EL1_PARANGE_48
#define ID_AA64MMFR1_EL1_VMIDBits_SHIFT 4

static inline unsigned cpuid_feature_extract_unsigned_field(u64 features, int field) {
  return (unsigned)((features >> field) & 0xf);
}
/* arch/arm64/include/asm/cpufeature.h: PARange encodings to bits. */
static inline unsigned id_aa64mmfr0_parange_to_phys_shift(int parange) {
  static const unsigned bits[] = {32, 36, 40, 42, 44, 48, 52};
  return parange >= 0 && parange <= 6 ? bits[parange] : 48;
}
static inline unsigned get_vmid_bits(u64 mmfr1) {
  return cpuid_feature_extract_unsigned_field(mmfr1, ID_AA64MMFR1_EL1_VMIDBits_SHIFT) == 2 ? 16 : 8;
}

#endif
