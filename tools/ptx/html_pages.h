// SPDX-License-Identifier: BSD-2-Clause
// HtmlPages: `--html DIR` writes an interactive page (tools/html) for each violation group of the
// first `limit` violating sections of each VM (in seq order, so the same files for every
// --threads), and DIR/index.html listing every page with its section, class and counts.
// Files are written atomically; the first write error is kept (error()) and stops the pages.
// Thread safety: on_violation may be called concurrently for different VMs, one section at a time
// per VM (SectionChecker's contract); finish() after the run.
#ifndef PTX_TOOLS_PTX_HTML_PAGES_H_
#define PTX_TOOLS_PTX_HTML_PAGES_H_

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "explorer/tables.h"
#include "explorer/totals.h"
#include "pagetable/constants.h"
#include "tools/html/page_model.h"

namespace ptx::cli {

class HtmlPages {
 public:
  // Creates DIR (and its parents). Errors: kBadInput naming `option` and DIR.
  static StatusOr<std::unique_ptr<HtmlPages>> create(const std::string& dir, uint64_t limit_per_vm,
                                                     const std::string& option);

  // The pages of section `s`'s violation groups; `before` is the state before it, walked as its
  // exploration walked it; `source` names the input.
  void on_violation(const Tables& before, const CheckedSection& s, const std::string& source);

  // Writes DIR/index.html (rows by file name). Errors: the first kept error, or the index's.
  Status finish(const std::string& title);

  uint64_t pages() const;
  const std::string& dir() const { return dir_; }

 private:
  HtmlPages(std::string dir, uint64_t limit) : dir_(std::move(dir)), limit_(limit) {}

  std::string dir_;
  uint64_t limit_;
  std::array<uint64_t, kVmCount> shown_{};  // violating sections shown per VM (its thread only)
  mutable std::mutex mu_;
  std::vector<html::IndexRow> rows_;  // guarded by mu_
  Status error_;                      // guarded by mu_
};

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_HTML_PAGES_H_
