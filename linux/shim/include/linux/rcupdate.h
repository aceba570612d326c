/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for include/linux/rcupdate.h: the RCU read side that shared (KVM_PGTABLE_WALK_SHARED)
 * walks run in, so that a table page unlinked by another walker is not freed under them
 * (free_unlinked_table defers the free with call_rcu). rcu_read_lock / rcu_read_unlock are
 * recorded by ptx (it knows which threads are inside a read-side section when a table page is
 * freed); rcu_dereference_check is a plain load of the pointer, as on arm64. */
#ifndef PTX_SHIM_LINUX_RCUPDATE_H
#define PTX_SHIM_LINUX_RCUPDATE_H

#include <ptx_shim.h>

extern __thread int ptx_shim_rcu_depth; /* the thread's read-side nesting (rcu_read_lock_held) */

static inline void ptx_rcu_read_lock(struct ptx_k_src at) {
  if (ptx_shim_rcu_depth++ == 0) PTX_HOOK(rcu_read_lock, at);
}
static inline void ptx_rcu_read_unlock(struct ptx_k_src at) {
  if (--ptx_shim_rcu_depth == 0) PTX_HOOK(rcu_read_unlock, at);
}
#define rcu_read_lock() ptx_rcu_read_lock(PTX_SRC)
#define rcu_read_unlock() ptx_rcu_read_unlock(PTX_SRC)
#define rcu_read_lock_held() (ptx_shim_rcu_depth > 0)
#define rcu_dereference_check(p, c) (p)

#endif
