// SPDX-License-Identifier: BSD-2-Clause
// HtmlPages: `--html DIR` writes an interactive page (tools/html) for the first `limit`
// (--draw-limit) occurrences of each bug signature (report/picture_budget.h: the same files for
// every --threads), and DIR/index.html, a table of every signature (severity, verdict, counts, first
// occurrence) linking to its representative's page — the first occurrence's — which links to the
// signature's other example pages and back to the index. Each page shows the section's violation
// group of the signature's violation, with that violation's witness to step through.
// Files are written atomically; the first write error is kept and stops the pages.
// Thread safety: on_violation may be called concurrently for different lanes, one section at a
// time per lane (SectionChecker's contract); finish() after the run.
#ifndef PTX_TOOLS_PTX_HTML_PAGES_H_
#define PTX_TOOLS_PTX_HTML_PAGES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "explorer/tables.h"
#include "explorer/totals.h"
#include "report/picture_budget.h"
#include "report/signature_table.h"
#include "tools/html/page_model.h"

namespace ptx::cli {

class HtmlPages {
 public:
  // Creates DIR (and its parents). Errors: kBadInput naming `option` and DIR.
  static StatusOr<std::unique_ptr<HtmlPages>> create(const std::string& dir, uint64_t limit_per_signature,
                                                     const std::string& option);

  // The pages of section `s` (explored form, report/signature.h) at `at`; `before` is the state
  // before it, walked as its exploration walked it; `source` names the input.
  void on_violation(const Tables& before, const CheckedSection& s, const report::Occurrence& at,
                    const std::string& source);

  // Removes the pages past each signature's first `limit`, rewrites each representative's page
  // with its links and writes DIR/index.html of `entries` (SignatureTable::entries()). Errors: the
  // first kept error, or the index's.
  Status finish(const std::string& title, const std::vector<report::SignatureEntry>& entries, const std::string& source);

  uint64_t pages() const { return pages_; }
  const std::string& dir() const { return dir_; }

 private:
  HtmlPages(std::string dir, uint64_t limit) : dir_(std::move(dir)), budget_(limit) {}
  struct Written {
    std::string file;
    std::string label;         // "vm 1 seq 17"
    html::ViolationPage page;  // kept for the lane's first page of each signature only
  };
  std::string dir_;
  report::PictureBudget budget_;
  uint64_t pages_ = 0;  // after finish()
  mutable std::mutex mu_;
  std::map<std::string, Written> written_;  // guarded by mu_: "<id> <lane> <pos>" -> its page
  Status error_;                            // guarded by mu_
};

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_HTML_PAGES_H_
