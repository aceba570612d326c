// SPDX-License-Identifier: BSD-2-Clause
// merge_signature_lists (report/signature_merge.h) against the plain reference: the signatures of
// a whole run's table. Random findings and TLB verdicts at random lines are split over N shards
// by line, as `ptx run --shard I/N` splits them; each shard's table written as JSON and the JSON
// lists joined must be the whole table's JSON, for every N and --examples. Malformed lists are
// refused with kBadInput.
#include "report/signature_merge.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/shard.h"
#include "pagetable/constants.h"
#include "report/signature_json.h"
#include "report/signature_table.h"

namespace ptx::report {
namespace {

struct Occ {
  uint64_t line;
  bool tlb;
  int kind;  // which of a few keys
};

void Add(SignatureTable& t, const Occ& o) {
  if (o.tlb) {
    tlb::TlbFinding f;
    f.verdict = o.kind % 2 ? tlb::Verdict::kStaleMapping : tlb::Verdict::kTlbConflict;
    f.cause = f.verdict == tlb::Verdict::kStaleMapping ? tlb::Cause::kNoTlbi : tlb::Cause::kNone;
    f.level = 3;
    f.line = o.line;
    f.src = "pgt.c:" + std::to_string(10 + o.kind);
    t.add_tlb(f, Occurrence{kVmCount + 1, o.line, 0, 0, o.line, true});
  } else {
    const char* kinds[] = {"kernel-warn", "unlocked-write", "shared-entry", "kernel-warn"};
    t.add_finding(Finding{kinds[o.kind], o.line, "detail", "a.c:" + std::to_string(o.kind)},
                  Occurrence{kVmCount, o.line, 0, 0, o.line, true});
  }
}

// The occurrences of one run, by line (a table takes them in ascending order; one line may hold
// several, of one or of different signatures).
std::vector<Occ> RandomRun(std::mt19937_64& rng) {
  std::vector<Occ> run;
  const int n = static_cast<int>(rng() % 40);
  uint64_t line = 1;
  for (int i = 0; i < n; ++i) {
    line += rng() % 3;  // repeats of a line are common
    run.push_back(Occ{line, rng() % 2 == 0, static_cast<int>(rng() % 4)});
  }
  std::stable_sort(run.begin(), run.end(), [](const Occ& a, const Occ& b) { return a.tlb < b.tlb; });
  return run;  // findings first, then TLB verdicts, each by line (as ptx run adds them)
}

TEST(SignatureMerge, ShardsJoinedAreTheWholeRunsSignatures) {
  std::mt19937_64 rng(20261206);
  for (int trial = 0; trial < 400; ++trial) {
    const std::vector<Occ> run = RandomRun(rng);
    const size_t examples = 1 + rng() % 4;
    const uint32_t shards = 1 + static_cast<uint32_t>(rng() % 5);
    SignatureTable whole(examples);
    std::vector<SignatureTable> parts(shards, SignatureTable(examples));
    for (const Occ& o : run) {
      Add(whole, o);
      for (uint32_t s = 0; s < shards; ++s) {
        if (Shard{s, shards}.owns(o.line)) Add(parts[s], o);
      }
    }
    std::vector<nlohmann::json> lists;
    std::vector<std::string> names;
    for (uint32_t s = 0; s < shards; ++s) {
      lists.push_back(signatures_json(parts[s].entries()));
      names.push_back("shard" + std::to_string(s));
    }
    const StatusOr<nlohmann::json> joined = merge_signature_lists(lists, names, examples);
    ASSERT_TRUE(joined.ok()) << joined.status().to_string();
    ASSERT_EQ(*joined, signatures_json(whole.entries())) << "trial " << trial << ", " << shards << " shards";
  }
}

TEST(SignatureMerge, MalformedListsAreRefusedNamingTheFile) {
  nlohmann::json entry = {{"id", "S1"}, {"severity", "error"}, {"family", "tlb"}, {"sections", 1},
                          {"occurrences", 1}, {"first", {{"line", 3}, {"vmid", 0}}}};
  entry["examples"] = nlohmann::json::array({entry["first"]});
  const nlohmann::json good = nlohmann::json::array({entry});
  const StatusOr<nlohmann::json> ok = merge_signature_lists({good}, {"a.json"}, 2);
  EXPECT_TRUE(ok.ok()) << ok.status().to_string() << good.dump();
  std::vector<nlohmann::json> bad(8, good);
  bad[0][0]["severity"] = "fatal";
  bad[1][0].erase("examples");
  bad[2][0]["first"] = {{"vmid", 1}};
  bad[3][0]["sections"] = "many";
  bad[4] = nlohmann::json::object();
  // Numbers that are not counts (found by shard_merge_fuzz, tests/fuzz/regressions/shard_merge/
  // float-count.json): converting 2.88889e76 to an integer was undefined behaviour.
  bad[5][0]["sections"] = 2.88889e76;
  bad[6][0]["occurrences"] = -3;
  bad[7][0]["occurrences"] = 1.5;
  for (const nlohmann::json& b : bad) {
    const StatusOr<nlohmann::json> r = merge_signature_lists({b}, {"b.json"}, 2);
    ASSERT_FALSE(r.ok()) << b.dump();
    EXPECT_EQ(r.status().code(), StatusCode::kBadInput);
    EXPECT_NE(r.status().message().find("b.json"), std::string::npos) << r.status().to_string();
  }
}

}  // namespace
}  // namespace ptx::report
