// SPDX-License-Identifier: BSD-2-Clause
// Joins the signatures of the shards of one run (`ptx run --shard I/N`, base/shard.h) into those
// the unsharded run finds, for `ptx merge` of JSON reports (report_merge.h) and SARIF logs
// (sarif_merge.h).
//
// The rule, which is SignatureTable::merge's (signature_table.h) on the JSON forms: one entry per
// signature id; "sections" and "occurrences" summed (the shards' work is disjoint); "examples" the
// smallest --examples occurrences of all the shards' (each shard kept its smallest, so these are
// among them), "first" the smallest. The order is SignatureTable::entries()': severity (errors
// first), family (TPT, TLB, findings), first occurrence; two signatures first seen in one place
// were both seen first by the shard that owns that place, which ordered them (by key text), so
// that shard's order decides.
#ifndef PTX_REPORT_SIGNATURE_MERGE_H_
#define PTX_REPORT_SIGNATURE_MERGE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace ptx::report {

// Where a signature stands in entries()' order, from its JSON: severity and family names (as
// signature_json.h writes them), then its first occurrence ({"vmid", "seq"} or {"line", ...}).
// Errors: kBadInput naming `where` for an unknown name or a malformed occurrence.
using SignatureRank = std::tuple<int, int, uint64_t, uint64_t>;
StatusOr<SignatureRank> signature_rank(const nlohmann::json& severity, const nlohmann::json& family,
                                       const nlohmann::json& first, const std::string& where);
// An occurrence's place: (vmid, seq) for a section, (line, 0) for a traced one.
StatusOr<std::pair<uint64_t, uint64_t>> occurrence_place(const nlohmann::json& o, const std::string& where);

// Where a joined signature stands in the joined order: its rank, then the shard that saw it first
// and its position in that shard's list (which orders two signatures first seen at one place).
struct JoinedPlace {
  SignatureRank rank{};
  size_t shard = 0, index = 0;
  bool set = false;
  // Takes the place of shard `s`'s entry `i`, ranked `r`, when none is set yet or `r` comes first.
  // Returns whether it did (the caller then keeps that entry as the representative).
  bool offer(const SignatureRank& r, size_t s, size_t i) {
    if (set && !(r < rank)) return false;
    *this = JoinedPlace{r, s, i, true};
    return true;
  }
  friend bool operator<(const JoinedPlace& a, const JoinedPlace& b) {
    return std::tie(a.rank, a.shard, a.index) < std::tie(b.rank, b.shard, b.index);
  }
};

// The "signatures" lists of the shards, in shard order, joined; `examples` the --examples limit.
// Errors: kBadInput naming `names[i]` for a malformed entry of lists[i].
StatusOr<nlohmann::json> merge_signature_lists(const std::vector<nlohmann::json>& lists,
                                               const std::vector<std::string>& names, size_t examples);

}  // namespace ptx::report

#endif  // PTX_REPORT_SIGNATURE_MERGE_H_
