// SPDX-License-Identifier: BSD-2-Clause
// Drawings: `--draw DIR` writes a picture of the bad interleavings a run or check finds, at most
// `limit` (--draw-limit) per bug signature (report/picture_budget.h: its first occurrences by VM
// and seq, or by trace order, so the same files for every --threads). For each picked
// (section, signature), the section's first violation with that signature:
//   DIR/<SIG>-vm<V>-section<SEQ>-ipa<IPA>-<OBSERVED>.dot   Graphviz source (tools/draw/interleaving_dot.h)
//   DIR/<SIG>-vm<V>-section<SEQ>-ipa<IPA>-<OBSERVED>.svg   rendered with `dot -Tsvg` when Graphviz is there
// Files are written atomically (formats/atomic_file.h); a lane may draw a signature's occurrence
// that another lane's earlier ones push out of the first `limit`: finish() removes it. The first
// write or render error is kept (error()) and stops the drawing; the run goes on and the CLI
// reports it at the end.
// Thread safety: on_violation may be called concurrently for different lanes, one section at a
// time per lane (SectionChecker's contract); finish() after the run.
#ifndef PTX_TOOLS_PTX_DRAWINGS_H_
#define PTX_TOOLS_PTX_DRAWINGS_H_

#include <atomic>
#include <map>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "explorer/exploration.h"
#include "explorer/tables.h"
#include "explorer/totals.h"
#include "report/picture_budget.h"

namespace ptx::cli {

class Drawings {
 public:
  // Creates DIR (and its parents) if needed. Errors: kBadInput naming `option` and DIR.
  static StatusOr<std::unique_ptr<Drawings>> create(const std::string& dir, uint64_t limit_per_signature,
                                                     CompareMode compare, const std::string& option);

  // `before`: the state before the section, walked as its exploration walked it; `s` in its
  // explored form (report/signature.h) at `at`.
  void on_violation(const Tables& before, const CheckedSection& s, const report::Occurrence& at);

  // Removes the pictures past each signature's first `limit`. Returns the first error kept.
  Status finish();

  uint64_t pictures() const { return pictures_; }
  // "" or why the SVGs could not be rendered (the .dot files are written regardless).
  const std::string& render_problem() const { return render_problem_; }
  const std::string& dir() const { return dir_; }
  // The first error writing a file (OK when none).
  Status error() const;

 private:
  Drawings(const std::string& dir, uint64_t limit, CompareMode compare)
      : dir_(dir), compare_(compare), budget_(limit) {}
  void keep(Status e);
  std::string base(const report::PictureBudget::Pick& p, const CheckedSection& s) const;

  std::string dir_;
  CompareMode compare_;
  report::PictureBudget budget_;
  uint64_t pictures_ = 0;  // after finish()
  std::atomic<bool> render_failed_{false};
  std::string render_problem_;  // written once, by the thread that flips render_failed_
  mutable std::mutex mu_;
  Status error_;                                   // guarded by mu_
  std::map<std::string, std::string> files_;       // guarded by mu_: "<id> <lane> <pos>" -> file base
};

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_DRAWINGS_H_
