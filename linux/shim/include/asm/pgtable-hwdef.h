/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for arch/arm64/include/asm/page-def.h and asm/pgtable-hwdef.h: the 4 KiB granule's page
 * size and the level arithmetic (ARM64_HW_PGTABLE_LEVEL_SHIFT(3) = 12, (2) = 21, (1) = 30,
 * (0) = 39), and the TCR fields VTCR_EL2 reuses. */
#ifndef PTX_SHIM_ASM_PGTABLE_HWDEF_H
#define PTX_SHIM_ASM_PGTABLE_HWDEF_H

#include <linux/compiler.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (UL(1) << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(addr) ALIGN(addr, PAGE_SIZE)
#define __phys_to_pfn(paddr) ((unsigned long)((paddr) >> PAGE_SHIFT))
#define PTRS_PER_PTE (1 << (PAGE_SHIFT - 3))
#define ARM64_HW_PGTABLE_LEVELS(va_bits) (((va_bits) - 4) / (PAGE_SHIFT - 3))
#define ARM64_HW_PGTABLE_LEVEL_SHIFT(n) ((PAGE_SHIFT - 3) * (4 - (n)) + 3)
#define PMD_SIZE (UL(1) << ARM64_HW_PGTABLE_LEVEL_SHIFT(2))
#define PUD_SIZE (UL(1) << ARM64_HW_PGTABLE_LEVEL_SHIFT(1))

#define TCR_T0SZ(x) ((UL(64) - (x)) << 0)
#define TCR_IRGN0_WBWA (UL(1) << 8)
#define TCR_ORGN0_WBWA (UL(1) << 10)
#define TCR_SH0_INNER (UL(3) << 12)
#define TCR_TG0_4K (UL(0) << 14)
#define TCR_EL2_PS_SHIFT 16

#define PTE_S2_MEMATTR(t) (((u64)(t)) << 2)

#endif
