/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for include/linux/bits.h (and include/vdso/bits.h): BIT(), BIT_ULL(), GENMASK(). On
 * arm64 unsigned long is 64 bits, so BIT and GENMASK are 64-bit here. */
#ifndef PTX_SHIM_LINUX_BITS_H
#define PTX_SHIM_LINUX_BITS_H

#include <linux/types.h>

#define BIT(nr) (UINT64_C(1) << (nr))
#define BIT_ULL(nr) (UINT64_C(1) << (nr))
#define GENMASK(h, l) (((~UINT64_C(0)) << (l)) & (~UINT64_C(0) >> (63 - (h))))
#define GENMASK_ULL(h, l) GENMASK(h, l)

#endif
