// SPDX-License-Identifier: BSD-2-Clause
#include "report/report_merge.h"

#include <algorithm>
#include <memory>
#include <set>

#include "base/number.h"
#include "explorer/sequence_count.h"
#include "formats/atomic_file.h"
#include "formats/json_codec.h"
#include "formats/json_natural.h"
#include "formats/report.h"
#include "formats/report_reader.h"
#include "report/shard_facts.h"
#include "report/signature_merge.h"

namespace ptx::report {
namespace {

// The head's members that every shard of one run shares.
nlohmann::json shared_head(nlohmann::json head) {
  for (const char* key : {"shard", "summary", "signatures", "tlb_findings", "findings"}) head.erase(key);
  return head;
}

Status check_shards(const std::vector<nlohmann::json>& heads, const std::vector<std::string>& paths,
                    std::vector<ShardFacts>* facts) {
  for (size_t i = 0; i < heads.size(); ++i) {
    PTX_ASSIGN_OR_RETURN(const ShardFacts f, shard_facts_from(heads[i].value("shard", nlohmann::json()), paths[i]));
    facts->push_back(f);
  }
  PTX_RETURN_IF_ERROR(check_shard_set(*facts, paths));
  for (size_t i = 1; i < heads.size(); ++i) {
    if (shared_head(heads[i]) != shared_head(heads[0])) {
      return bad_input("{} and {} are reports of different runs (their heads differ beyond the counts)", paths[0],
                       paths[i]);
    }
  }
  return ok_status();
}

BigCount count_of(const nlohmann::json& j) {
  return j.is_string() ? BigCount(j.get<std::string>()) : BigCount(natural<uint64_t>(j));
}

// "summary" joined; "signatures" is set by the caller.
nlohmann::json joined_summary(const std::vector<nlohmann::json>& heads) {
  nlohmann::json out = heads[0].at("summary");
  for (auto& [key, value] : out.items()) {
    if (key == "signatures") continue;
    if (key == "tlb") {
      for (auto& [k, v] : value.items()) {
        uint64_t n = 0;
        for (const nlohmann::json& h : heads) {
          const uint64_t x = natural<uint64_t>(h.at("summary").at("tlb").at(k));
          n = k == "max_stale" ? std::max(n, x) : n + x;
        }
        v = n;
      }
      continue;
    }
    BigCount n = 0;
    for (const nlohmann::json& h : heads) n += count_of(h.at("summary").at(key));
    value = count_json(n);
  }
  return out;
}

// Every shard's `key` list, stably ordered by `before`.
template <typename Less>
nlohmann::json joined_list(const std::vector<nlohmann::json>& heads, const char* key, Less before) {
  std::vector<nlohmann::json> all;
  for (const nlohmann::json& h : heads) {
    for (const nlohmann::json& x : h.at(key)) all.push_back(x);
  }
  std::stable_sort(all.begin(), all.end(), before);
  return nlohmann::json(all);
}

uint64_t root_of(const nlohmann::json& f) {
  const std::string r = f.at("root").get<std::string>();
  return parse_u64(r).value_or(0);
}

}  // namespace

namespace {

StatusOr<nlohmann::json> joined_head(const std::vector<nlohmann::json>& heads, const std::vector<std::string>& paths,
                                     const ShardFacts& facts) {
  nlohmann::json head = heads[0];
  head.erase("shard");
  try {
    head["summary"] = joined_summary(heads);
    if (head.contains("tlb_findings")) {
      head["tlb_findings"] = joined_list(heads, "tlb_findings", [](const nlohmann::json& a, const nlohmann::json& b) {
        return std::pair(root_of(a), natural<uint64_t>(a.at("line"))) < std::pair(root_of(b), natural<uint64_t>(b.at("line")));
      });
    }
    head["findings"] = joined_list(heads, "findings", [](const nlohmann::json& a, const nlohmann::json& b) {
      return natural<uint64_t>(a.at("line")) < natural<uint64_t>(b.at("line"));
    });
    if (head.contains("signatures")) {
      std::vector<nlohmann::json> lists;
      for (const nlohmann::json& h : heads) lists.push_back(h.at("signatures"));
      PTX_ASSIGN_OR_RETURN(head["signatures"], merge_signature_lists(lists, paths, facts.examples));
      head["summary"]["signatures"] = head["signatures"].size();
    }
  } catch (const std::exception& e) {
    return bad_input("{}...: a report's head is malformed ({}; docs/report.md)", paths[0], e.what());
  }
  return head;
}

// The sections a bounded report keeps: the example sections of its TPT signatures.
std::set<std::pair<uint64_t, uint64_t>> example_sections(const nlohmann::json& head) {
  std::set<std::pair<uint64_t, uint64_t>> keep;
  for (const nlohmann::json& s : head.value("signatures", nlohmann::json::array())) {
    if (s.at("family") != "tpt") continue;
    for (const nlohmann::json& o : s.at("examples")) {
      if (o.contains("seq")) keep.emplace(o.value("vmid", uint64_t{0}), o.value("seq", uint64_t{0}));
    }
  }
  return keep;
}

// The shards' sections, by (vmid, seq), those `keep` names (all when keep is null), into `out`.
Status copy_sections(std::vector<std::unique_ptr<formats::ReportReader>>& readers,
                     const std::set<std::pair<uint64_t, uint64_t>>* keep, formats::AtomicFile& out) {
  bool first = true;
  for (;;) {
    formats::ReportReader* next = nullptr;
    for (const std::unique_ptr<formats::ReportReader>& r : readers) {
      if (!r->has_section()) continue;
      if (next == nullptr || std::pair(r->vmid(), r->seq()) < std::pair(next->vmid(), next->seq())) next = r.get();
    }
    if (next == nullptr) return ok_status();
    if (keep == nullptr || keep->count({next->vmid(), next->seq()}) > 0) {
      PTX_RETURN_IF_ERROR(out.write((first ? "\n" : ",\n") + next->section_text()));
      first = false;
    }
    PTX_RETURN_IF_ERROR(next->next());
  }
}

StatusOr<nlohmann::json> merge_reports(const std::vector<std::string>& paths, const std::string& out) {
  std::vector<std::unique_ptr<formats::ReportReader>> readers;
  std::vector<nlohmann::json> heads;
  for (const std::string& p : paths) {
    readers.push_back(std::make_unique<formats::ReportReader>());
    PTX_RETURN_IF_ERROR(readers.back()->open(p));
    heads.push_back(readers.back()->head());
  }
  std::vector<ShardFacts> facts;
  PTX_RETURN_IF_ERROR(check_shards(heads, paths, &facts));
  PTX_ASSIGN_OR_RETURN(nlohmann::json head, joined_head(heads, paths, facts[0]));
  const std::set<std::pair<uint64_t, uint64_t>> keep = example_sections(head);
  formats::AtomicFile file(out);
  PTX_RETURN_IF_ERROR(file.open());
  PTX_RETURN_IF_ERROR(file.write(formats::report_head_text(head)));
  PTX_RETURN_IF_ERROR(copy_sections(readers, facts[0].report_all ? nullptr : &keep, file));
  PTX_RETURN_IF_ERROR(file.write(formats::kReportEnd));
  PTX_RETURN_IF_ERROR(file.commit());
  return head;
}

}  // namespace

StatusOr<nlohmann::json> merge_run_reports(const std::vector<std::string>& paths, const std::string& out) {
  if (paths.empty()) return bad_input("no report to merge");
  try {
    return merge_reports(paths, out);
  } catch (const std::exception& e) {
    return bad_input("{}...: a report is malformed ({}; docs/report.md)", paths[0], e.what());
  }
}

}  // namespace ptx::report
