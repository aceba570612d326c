/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for arch/arm64/include/asm/tlbflush.h: the TLBI instructions and their operands. Each
 * TLBI is recorded (a tlbi event with the operation and its register value); __tlbi_level adds
 * the TTL hint when FEAT_TTL is on (6.1: for levels 1..3; 6.12: 0..3), and
 * __flush_s2_tlb_range_op issues range TLBIs (ripas2e1is) when FEAT_TLBIRANGE is on, one TLBI
 * per page otherwise: the kernel's own macros, kept as they are. */
#ifndef PTX_SHIM_ASM_TLBFLUSH_H
#define PTX_SHIM_ASM_TLBFLUSH_H

#include <asm/barrier.h>
#include <asm/cpufeature.h>
#include <linux/bitfield.h>
#include <linux/version.h>

#define PTX_TLBI_vmalls12e1is PTX_K_TLBI_VMALLS12E1IS
#define PTX_TLBI_vmalls12e1 PTX_K_TLBI_VMALLS12E1
#define PTX_TLBI_vmalle1is PTX_K_TLBI_VMALLE1IS
#define PTX_TLBI_vmalle1 PTX_K_TLBI_VMALLE1
#define PTX_TLBI_alle1is PTX_K_TLBI_ALLE1IS
#define PTX_TLBI_ipas2e1is PTX_K_TLBI_IPAS2E1IS
#define PTX_TLBI_ipas2e1 PTX_K_TLBI_IPAS2E1
#define PTX_TLBI_ripas2e1is PTX_K_TLBI_RIPAS2E1IS
#define PTX_TLBI_ripas2e1 PTX_K_TLBI_RIPAS2E1
#define PTX_TLBI_vae2is PTX_K_TLBI_VAE2IS
#define PTX_TLBI_vale2is PTX_K_TLBI_VALE2IS

#define __TLBI_0(op, arg) PTX_HOOK(tlbi, PTX_TLBI_##op, 0, PTX_SRC)
#define __TLBI_1(op, arg) PTX_HOOK(tlbi, PTX_TLBI_##op, (uint64_t)(arg), PTX_SRC)
#define __TLBI_N(op, arg, n, ...) __TLBI_##n(op, arg)
#define __tlbi(op, ...) __TLBI_N(op, ##__VA_ARGS__, 1, 0)

/* The trailing DSB of a TLB flush at EL2 (__tlbi_sync_s1ish_hyp: dsb(ish), plus an erratum's
 * repeat that no modelled CPU needs). */
#define __tlbi_sync_s1ish_hyp() dsb(ish)

#define __TLBI_VADDR(addr, asid)                 \
  ({                                             \
    unsigned long __ta = (addr) >> 12;           \
    __ta &= GENMASK_ULL(43, 0);                  \
    __ta |= (unsigned long)(asid) << 48;         \
    __ta;                                        \
  })

#define TLBI_TTL_TG_4K 1
static inline unsigned long get_trans_granule(void) { return TLBI_TTL_TG_4K; }
#define TLBI_TTL_MASK GENMASK_ULL(47, 44)
#define TLBI_TTL_UNKNOWN INT_MAX

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define PTX_TTL_LEVEL_OK(level) ((level) >= 0 && (level) <= 3)
#else
#define PTX_TTL_LEVEL_OK(level) (level)
#endif
#define __tlbi_level(op, addr, level)                                              \
  do {                                                                             \
    u64 arg = addr;                                                                \
    if (alternative_has_cap_unlikely(ARM64_HAS_ARMv8_4_TTL) && PTX_TTL_LEVEL_OK(level)) { \
      u64 ttl = (level) & 3;                                                       \
      ttl |= get_trans_granule() << 2;                                             \
      arg &= ~TLBI_TTL_MASK;                                                       \
      arg |= FIELD_PREP(TLBI_TTL_MASK, ttl);                                       \
    }                                                                              \
    __tlbi(op, arg);                                                               \
  } while (0)

#define TLBIR_ASID_MASK GENMASK_ULL(63, 48)
#define TLBIR_TG_MASK GENMASK_ULL(47, 46)
#define TLBIR_SCALE_MASK GENMASK_ULL(45, 44)
#define TLBIR_NUM_MASK GENMASK_ULL(43, 39)
#define TLBIR_TTL_MASK GENMASK_ULL(38, 37)
#define TLBIR_BADDR_MASK GENMASK_ULL(36, 0)

#define __TLBI_VADDR_RANGE(baddr, asid, scale, num, ttl)          \
  ({                                                              \
    unsigned long __ta = 0;                                       \
    unsigned long __ttl = (ttl >= 1 && ttl <= 3) ? ttl : 0;       \
    __ta |= FIELD_PREP(TLBIR_BADDR_MASK, baddr);                  \
    __ta |= FIELD_PREP(TLBIR_TTL_MASK, __ttl);                    \
    __ta |= FIELD_PREP(TLBIR_NUM_MASK, num);                      \
    __ta |= FIELD_PREP(TLBIR_SCALE_MASK, scale);                  \
    __ta |= FIELD_PREP(TLBIR_TG_MASK, get_trans_granule());       \
    __ta |= FIELD_PREP(TLBIR_ASID_MASK, asid);                    \
    __ta;                                                         \
  })

#define __TLBI_RANGE_PAGES(num, scale) ((unsigned long)((num) + 1) << (5 * (scale) + 1))
#define MAX_TLBI_RANGE_PAGES __TLBI_RANGE_PAGES(31, 3)
#define __TLBI_RANGE_NUM(pages, scale)                                  \
  ({                                                                    \
    int __pages = min((pages), __TLBI_RANGE_PAGES(31, (scale)));       \
    (__pages >> (5 * (scale) + 1)) - 1;                                 \
  })

/* 6.12's __flush_tlb_range_op for stage 2 (asid 0, no user TLBIs). */
#define __flush_s2_tlb_range_op(op, start, pages, stride, tlb_level)                     \
  do {                                                                                   \
    __typeof__(start) __flush_start = start;                                             \
    __typeof__(pages) __flush_pages = pages;                                             \
    int num = 0;                                                                         \
    int scale = 3;                                                                       \
    bool lpa2 = system_supports_lpa2();                                                  \
    int shift = lpa2 ? 16 : PAGE_SHIFT;                                                  \
    unsigned long addr;                                                                  \
    while (__flush_pages > 0) {                                                          \
      if (!system_supports_tlb_range() || __flush_pages == 1 ||                          \
          (lpa2 && __flush_start != ALIGN(__flush_start, SZ_64K))) {                     \
        addr = __TLBI_VADDR(__flush_start, 0);                                           \
        __tlbi_level(op, addr, tlb_level);                                               \
        __flush_start += stride;                                                         \
        __flush_pages -= stride >> PAGE_SHIFT;                                           \
        continue;                                                                        \
      }                                                                                  \
      num = __TLBI_RANGE_NUM(__flush_pages, scale);                                      \
      if (num >= 0) {                                                                    \
        addr = __TLBI_VADDR_RANGE(__flush_start >> shift, 0, scale, num, tlb_level);     \
        __tlbi(r##op, addr);                                                             \
        __flush_start += __TLBI_RANGE_PAGES(num, scale) << PAGE_SHIFT;                   \
        __flush_pages -= __TLBI_RANGE_PAGES(num, scale);                                 \
      }                                                                                  \
      scale--;                                                                           \
    }                                                                                    \
  } while (0)

#endif
