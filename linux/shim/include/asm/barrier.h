/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for arch/arm64/include/asm/barrier.h: dsb(opt), isb(), smp_store_release() and, from
 * arch/arm64/include/asm/cmpxchg.h, cmpxchg(). Each is recorded: a DSB or ISB as a barrier event
 * (dsb ish / ishst / nsh / nshst, isb), smp_store_release as a mem-write with mem-order release,
 * a cmpxchg that finds the expected value as its write (a failed one writes nothing). */
#ifndef PTX_SHIM_ASM_BARRIER_H
#define PTX_SHIM_ASM_BARRIER_H

#include <linux/compiler.h>

#define PTX_DSB_ish PTX_K_DSB_ISH
#define PTX_DSB_ishst PTX_K_DSB_ISHST
#define PTX_DSB_nsh PTX_K_DSB_NSH
#define PTX_DSB_nshst PTX_K_DSB_NSHST
#define dsb(opt) PTX_HOOK(barrier, PTX_DSB_##opt, PTX_SRC)
#define isb() PTX_HOOK(barrier, PTX_K_ISB, PTX_SRC)

#define smp_store_release(p, v)                                                         \
  do {                                                                                  \
    _Static_assert(sizeof(*(p)) == 8, "the shim's smp_store_release takes 64-bit entries"); \
    PTX_HOOK(write, (uint64_t *)(p), (uint64_t)(v), PTX_K_RELEASE, PTX_SRC);           \
  } while (0)

#define cmpxchg(p, o, n)                                                           \
  ({                                                                               \
    _Static_assert(sizeof(*(p)) == 8, "the shim's cmpxchg takes 64-bit entries"); \
    (__typeof__(*(p)))PTX_HOOK(cmpxchg, (uint64_t *)(p), (uint64_t)(o), (uint64_t)(n), PTX_SRC); \
  })

#endif
