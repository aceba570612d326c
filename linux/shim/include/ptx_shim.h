/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shim's core: how the kernel code's shared-memory accesses and services reach ptx. Every
 * stub of the other shim headers that records something calls through the hooks of the VM the
 * calling thread is working for (ptx_shim_hooks, set by the driver for the duration of a call).
 * The hooks (kernel/kernel_abi.h) are ptx's: they perform the access atomically and record it.
 */
#ifndef PTX_SHIM_H
#define PTX_SHIM_H

#include "kernel/kernel_abi.h"

extern __thread const struct ptx_k_hooks *ptx_shim_hooks;

/* The caller's position: __FILE__ is mapped to the path below the kernel tree at build time. */
#define PTX_SRC ((struct ptx_k_src){__FILE__, __LINE__})
#define PTX_HOOK(name, ...) (ptx_shim_hooks->name(ptx_shim_hooks->self, __VA_ARGS__))

/* The CPU features the VM runs with (ptx_k_feature bits), set with the hooks. */
extern __thread unsigned ptx_shim_features;
#define PTX_FEATURE(f) ((ptx_shim_features & (f)) != 0)

#endif
