// SPDX-License-Identifier: BSD-2-Clause
// ptx: the Transactional Page Table explorer's command line. See tools/ptx/cli.h.
#include <malloc.h>

#include "base/interrupt.h"
#include "tools/ptx/cli.h"

int main(int argc, char** argv) {
  // Allocations of 128 KiB and more get mappings of their own, given back when freed. (glibc
  // raises this threshold, up to 32 MiB, after such a block is freed; then the streamed
  // workload's 256 KiB blocks, freed as its faults are pulled, would stay in the heap and a
  // run's peak RSS would hold the whole workload beside the engine's tables.)
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  ptx::install_interrupt_handlers();
  return ptx::cli::ptx_main(argc, argv);
}
