/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for include/generated/autoconf.h: the kernel configuration the code is built with, that
 * of Debian's arm64 kernels: 4 KiB pages, 48-bit virtual addresses, hardware access-flag
 * management compiled in (KVM then sets VTCR_EL2.HA). No other option is on. */
#ifndef PTX_SHIM_LINUX_KCONFIG_H
#define PTX_SHIM_LINUX_KCONFIG_H

#define CONFIG_ARM64_4K_PAGES 1
#define CONFIG_ARM64_VA_BITS 48
#define CONFIG_ARM64_HW_AFDBM 1

#endif
