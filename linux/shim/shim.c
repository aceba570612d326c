// SPDX-License-Identifier: GPL-2.0-only
/* The shim's per-thread state (ptx_shim.h, linux/rcupdate.h). */
#include <ptx_shim.h>

__thread const struct ptx_k_hooks *ptx_shim_hooks;
__thread unsigned ptx_shim_features;
__thread int ptx_shim_rcu_depth;
