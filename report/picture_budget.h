// SPDX-License-Identifier: BSD-2-Clause
// PictureBudget: which sections get a picture (`--draw`) or a page (`--html`) under
// `--draw-limit N`: at most N per bug signature (signature.h), the signature's first N
// occurrences by (lane, pos) (signature_table.h), so the same files for every --threads.
//
// While a run explores, each lane takes the signatures of its sections that still have room in
// that lane (take(): at most N per signature per lane, so a lane draws its own first N); after it,
// finish() keeps of those the first N of each signature over all lanes, and the caller removes the
// pictures of the others. Memory: O(lanes x signatures x N).
#ifndef PTX_REPORT_PICTURE_BUDGET_H_
#define PTX_REPORT_PICTURE_BUDGET_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/cache_line.h"
#include "explorer/totals.h"
#include "pagetable/constants.h"
#include "report/signature_table.h"

namespace ptx::report {

class PictureBudget {
 public:
  // One signature of one section that gets a picture.
  struct Pick {
    std::string id;          // the signature's id (SignatureKey::id)
    size_t violation = 0;    // the section's first violation with that signature
    Occurrence at;           // where the section is
  };

  // REQUIRES: limit >= 1.
  explicit PictureBudget(uint64_t limit) : limit_(limit) {}

  // The signatures of `s` (explored form) that get a picture, at `at`; records them. On the
  // thread of lane at.lane: one lane's sections one at a time, in order.
  std::vector<Pick> take(const CheckedSection& s, const Occurrence& at);

  // After the run, on one thread: the picks that stay (the first `limit` of each signature, by
  // (lane, pos)), and those to remove.
  void finish(std::vector<Pick>* kept, std::vector<Pick>* removed) const;

 private:
  struct Lane {
    std::map<std::string, uint64_t> taken;  // signature id -> picks in this lane
    std::vector<Pick> picks;
  };
  uint64_t limit_;
  std::array<CacheAligned<Lane>, kVmCount + 1> lanes_;  // the last one: lanes past kVmCount
};

}  // namespace ptx::report

#endif  // PTX_REPORT_PICTURE_BUDGET_H_
