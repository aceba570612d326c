// ptx: the Transactional Page Table explorer's command line. See tools/ptx/cli.h.
#include "tools/ptx/cli.h"

int main(int argc, char** argv) { return ptx::cli::ptx_main(argc, argv); }
