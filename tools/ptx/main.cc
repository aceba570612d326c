// SPDX-License-Identifier: BSD-2-Clause
// ptx: the Transactional Page Table explorer's command line. See tools/ptx/cli.h.
#include "base/interrupt.h"
#include "base/process_memory.h"
#include "tools/ptx/cli.h"

int main(int argc, char** argv) {
  ptx::release_large_blocks_when_freed();  // a run's peak RSS: the tables, not tables + workload
  ptx::install_interrupt_handlers();
  return ptx::cli::ptx_main(argc, argv);
}
