/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for arch/arm64/include/asm/stage2_pgtable.h: the number of stage-2 levels for an IPA size
 * (the driver's kvm_mmu_cache_min_pages is that of each version's header). */
#ifndef PTX_SHIM_ASM_STAGE2_PGTABLE_H
#define PTX_SHIM_ASM_STAGE2_PGTABLE_H

#include <asm/kvm_arm.h>

#define stage2_pgtable_levels(ipa) ARM64_HW_PGTABLE_LEVELS((ipa) - 4)

#endif
