/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for include/linux/bitfield.h: FIELD_PREP / FIELD_GET of a constant contiguous mask
 * (the kernel's compile-time mask checks are left out). */
#ifndef PTX_SHIM_LINUX_BITFIELD_H
#define PTX_SHIM_LINUX_BITFIELD_H

#include <linux/bits.h>

#define PTX_MASK_SHIFT(mask) (__builtin_ctzll((u64)(mask)))
#define FIELD_PREP(mask, val) ((((u64)(val)) << PTX_MASK_SHIFT(mask)) & (u64)(mask))
#define FIELD_GET(mask, reg) ((((u64)(reg)) & (u64)(mask)) >> PTX_MASK_SHIFT(mask))

#endif
