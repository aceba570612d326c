// SPDX-License-Identifier: BSD-2-Clause
// Drawings: `--draw DIR` writes a picture of each bad interleaving a run or check finds.
//
// For the first `limit` violating sections of each VM (in seq order, so the same files for every
// --threads), and for every violation of those sections, it writes
//   DIR/vm<V>-section<SEQ>-ipa<IPA>-<OBSERVED>.dot   Graphviz source (tools/draw/interleaving_dot.h)
//   DIR/vm<V>-section<SEQ>-ipa<IPA>-<OBSERVED>.svg   rendered with `dot -Tsvg` when Graphviz is there
// Files are written atomically (formats/atomic_file.h). The first write or render error is kept
// (error()) and stops the drawing; the run goes on and the CLI reports it at the end.
// Thread safety: on_violation may be called concurrently for different VMs, one section at a time
// per VM (SectionChecker's contract).
#ifndef PTX_TOOLS_PTX_DRAWINGS_H_
#define PTX_TOOLS_PTX_DRAWINGS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "explorer/exploration.h"
#include "explorer/tables.h"
#include "pagetable/constants.h"
#include "pagetable/npt_image.h"
#include "pagetable/section.h"

namespace ptx::cli {

class Drawings {
 public:
  // Creates DIR (and its parents) if needed. Errors: kBadInput naming `option` and DIR.
  static StatusOr<std::unique_ptr<Drawings>> create(const std::string& dir, uint64_t limit_per_vm,
                                                     CompareMode compare, const std::string& option);

  // `before`: the state before the section, walked as its exploration walked it.
  void on_violation(const Tables& before, const Section& s, const Exploration& x);

  uint64_t pictures() const { return pictures_.load(); }
  // "" or why the SVGs could not be rendered (the .dot files are written regardless).
  const std::string& render_problem() const { return render_problem_; }
  const std::string& dir() const { return dir_; }
  // The first error writing a file (OK when none).
  Status error() const;

 private:
  Drawings(const std::string& dir, uint64_t limit_per_vm, CompareMode compare)
      : dir_(dir), limit_(limit_per_vm), compare_(compare) {}
  void keep(Status e);

  std::string dir_;
  uint64_t limit_;
  CompareMode compare_;
  std::array<uint64_t, kVmCount> drawn_sections_{};  // per VM, touched only by that VM's thread
  std::atomic<uint64_t> pictures_{0};
  std::atomic<bool> render_failed_{false};
  std::string render_problem_;  // written once, by the thread that flips render_failed_
  mutable std::mutex mu_;
  Status error_;  // guarded by mu_
};

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_DRAWINGS_H_
