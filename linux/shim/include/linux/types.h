/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for include/linux/types.h and include/uapi/asm-generic/int-ll64.h: the kernel's fixed-size
 * integer names (u8..u64, s8..s64), phys_addr_t, and the sparse annotation __rcu (no effect). */
#ifndef PTX_SHIM_LINUX_TYPES_H
#define PTX_SHIM_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u64 phys_addr_t;
typedef u64 kvm_pfn_t;   /* include/linux/kvm_types.h */
typedef unsigned gfp_t;  /* include/linux/types.h */

#define __rcu     /* include/linux/compiler_types.h: a sparse address space, no code */

#endif
