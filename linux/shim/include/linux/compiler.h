/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for include/linux/compiler.h, include/asm-generic/rwonce.h, include/linux/kernel.h,
 * include/linux/align.h, include/linux/minmax.h, include/linux/container_of.h and include/linux/err.h:
 * the kernel's language helpers. READ_ONCE / WRITE_ONCE of a page-table entry go through the VM's
 * hooks: ptx records each write (mem-write plain) and orders each access. */
#ifndef PTX_SHIM_LINUX_COMPILER_H
#define PTX_SHIM_LINUX_COMPILER_H

#include <errno.h>
#include <limits.h>
#include <linux/types.h>
#include <ptx_shim.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define IS_ENABLED(option) 0 /* include/linux/kconfig.h: only options the shim defines are on */
#define UL(x) ((unsigned long)(x))
#define _AT(T, X) ((T)(X))
#define SZ_4K 0x1000UL
#define SZ_16K 0x4000UL
#define SZ_64K 0x10000UL

/* READ_ONCE(x) / WRITE_ONCE(x, v): single-copy-atomic accesses. pgtable.c uses them on entries
 * (kvm_pte_t, 64 bits) only; the static assertion keeps it so. */
#define READ_ONCE(x)                                                                  \
  ({                                                                                  \
    _Static_assert(sizeof(x) == 8, "the shim's READ_ONCE takes 64-bit entries only"); \
    (__typeof__(x))PTX_HOOK(read, (const uint64_t *)&(x), PTX_SRC);                   \
  })
#define WRITE_ONCE(x, val)                                                             \
  do {                                                                                 \
    _Static_assert(sizeof(x) == 8, "the shim's WRITE_ONCE takes 64-bit entries only"); \
    PTX_HOOK(write, (uint64_t *)&(x), (uint64_t)(val), PTX_K_PLAIN, PTX_SRC);          \
  } while (0)

/* include/linux/align.h, include/uapi/linux/const.h */
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define round_down(x, y) ((x) & ~((__typeof__(x))((y) - 1)))
#define round_up(x, y) ((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)

/* include/linux/minmax.h (without the type checks) */
#define min(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })

/* include/linux/container_of.h */
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

/* include/linux/err.h */
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
static inline bool IS_ERR(const void *ptr) { return IS_ERR_VALUE((unsigned long)ptr); }

#endif
