// SPDX-License-Identifier: BSD-2-Clause
// ptx: the Transactional Page Table explorer's command line. See tools/ptx/cli.h.
#include "base/interrupt.h"
#include "tools/ptx/cli.h"

int main(int argc, char** argv) {
  ptx::install_interrupt_handlers();
  return ptx::cli::ptx_main(argc, argv);
}
