/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for arch/arm64/include/asm/memory.h's memory types and asm/pgtable-prot.h's
 * PAGE_S2_MEMATTR: the stage-2 MemAttr[3:0] encodings, without and with FEAT_S2FWB. */
#ifndef PTX_SHIM_ASM_MEMORY_H
#define PTX_SHIM_ASM_MEMORY_H

#include <asm/pgtable-hwdef.h>

#define MT_NORMAL 0
#define MT_DEVICE_nGnRE 4
#define MT_S2_NORMAL 0xf
#define MT_S2_NORMAL_NC 0x5
#define MT_S2_DEVICE_nGnRE 0x1
#define MT_S2_FWB_NORMAL 6
#define MT_S2_FWB_NORMAL_NC 5
#define MT_S2_FWB_DEVICE_nGnRE 1

#define PAGE_S2_MEMATTR(attr, has_fwb) \
  ({ (has_fwb) ? PTE_S2_MEMATTR(MT_S2_FWB_##attr) : PTE_S2_MEMATTR(MT_S2_##attr); })

#endif
