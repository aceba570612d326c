// BadInput: the one exception the ptx tool throws for anything wrong with its input (flags,
// workload files, traces, the process to read, engine refusals of a workload's op, ...).
// main() prints "ptx: <what()>" to stderr and exits with status 2.
#ifndef PTX_TOOLS_PTX_BAD_INPUT_H_
#define PTX_TOOLS_PTX_BAD_INPUT_H_

#include <stdexcept>
#include <string>

namespace ptx::cli {

inline constexpr int kExitOk = 0;          // no violation
inline constexpr int kExitViolations = 1;  // at least one violation
inline constexpr int kExitBadInput = 2;    // bad input: nothing was written

class BadInput : public std::runtime_error {
 public:
  explicit BadInput(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_BAD_INPUT_H_
