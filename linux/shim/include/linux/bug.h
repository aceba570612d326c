/* SPDX-License-Identifier: GPL-2.0-only */
/* Stands for include/asm-generic/bug.h and include/linux/once.h: WARN_ON, WARN_ON_ONCE, WARN,
 * BUG_ON. A condition that holds is reported to ptx (the finding `kernel-warn`, with the file and
 * line of the check) and the code goes on, as WARN_ON does; BUG_ON, which would stop the
 * machine, is reported the same way and never aborts the run. WARN_ON_ONCE reports every time:
 * ptx groups findings by their position itself. */
#ifndef PTX_SHIM_LINUX_BUG_H
#define PTX_SHIM_LINUX_BUG_H

#include <ptx_shim.h>

#define WARN_ON(condition)                                                  \
  ({                                                                        \
    int __ret_warn_on = !!(condition);                                      \
    if (unlikely(__ret_warn_on)) PTX_HOOK(warn, #condition, PTX_SRC);       \
    unlikely(__ret_warn_on);                                                \
  })
#define WARN_ON_ONCE(condition) WARN_ON(condition)
#define WARN(condition, ...) WARN_ON(condition)
#define BUG_ON(condition) ((void)WARN_ON(condition))

#endif
