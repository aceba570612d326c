// SPDX-License-Identifier: BSD-2-Clause
#include "tools/ptx/html_pages.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "explorer/violation_groups.h"
#include "formats/atomic_file.h"
#include "report/signature_text.h"
#include "tlb/finding.h"
#include "tools/html/html_page.h"
#include "tools/html/page_builder.h"

namespace ptx::cli {
namespace {

std::string pick_key(const std::string& id, const report::Occurrence& at) {
  return fmt::format("{} {} {}", id, at.lane, at.pos);
}

// The group of s's violation `violation`, shown with that violation's witness.
ViolationGroup group_of(const CheckedSection& s, size_t violation) {
  for (ViolationGroup& g : group_violations(s.exploration)) {
    if (std::find(g.members.begin(), g.members.end(), violation) == g.members.end()) continue;
    g.witness = violation;
    return g;
  }
  return ViolationGroup{};  // unreachable: every violation is in a group
}

std::string key_text(const report::SignatureKey& k) {
  std::string s = fmt::format("ops {}; writes {}; at", k.ops, k.levels);
  for (const std::string& l : k.locations) s += " " + l;
  if (!k.shape.empty()) s += "; shape";
  for (const std::string& x : k.shape) s += " [" + x + "]";
  return s;
}

}  // namespace

StatusOr<std::unique_ptr<HtmlPages>> HtmlPages::create(const std::string& dir, uint64_t limit_per_signature,
                                                       const std::string& option) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    return bad_input("{} {}: cannot create the directory ({})", option, dir, ec ? ec.message() : "not a directory");
  }
  return std::unique_ptr<HtmlPages>(new HtmlPages(dir, limit_per_signature));
}

void HtmlPages::on_violation(const Tables& before, const CheckedSection& s, const report::Occurrence& at,
                             const std::string& source) {
  for (const report::PictureBudget::Pick& p : budget_.take(s, at)) {
    const std::string where =
        s.context ? fmt::format("tid {}, section {} ({}:{}), root {:#x}", s.context->tid, s.section.seq, source,
                                s.context->first_line, s.context->root)
                  : fmt::format("vm {}, section {} ({}:{})", s.section.vmid, s.section.seq, source, s.line);
    html::ViolationPage page = html::build_page(before, s, group_of(s, p.violation), where);
    page.signature = p.id;
    const std::string file = s.context ? fmt::format("{}-s{}-root{:#x}.html", p.id, s.section.seq, s.context->root)
                                       : fmt::format("{}-vm{}-s{}.html", p.id, s.section.vmid, s.section.seq);
    Status e = formats::write_file_atomically(dir_ + "/" + file, html::render_violation_page(page));
    std::lock_guard<std::mutex> l(mu_);
    if (!e.ok()) {
      if (error_.ok()) error_ = std::move(e);
      return;
    }
    written_[pick_key(p.id, at)] = Written{file, report::occurrence_text(at, source), std::move(page)};
  }
}

Status HtmlPages::finish(const std::string& title, const std::vector<report::SignatureEntry>& entries,
                         const std::string& source) {
  std::vector<report::PictureBudget::Pick> kept, removed;
  budget_.finish(&kept, &removed);
  std::lock_guard<std::mutex> l(mu_);
  if (!error_.ok()) return error_;
  for (const report::PictureBudget::Pick& p : removed) {
    std::error_code ec;
    if (const auto it = written_.find(pick_key(p.id, p.at)); it != written_.end()) {
      std::filesystem::remove(dir_ + "/" + it->second.file, ec);
    }
  }
  std::map<std::string, std::vector<const Written*>> pages;  // signature id -> kept pages, first first
  for (const report::PictureBudget::Pick& p : kept) {
    if (const auto it = written_.find(pick_key(p.id, p.at)); it != written_.end()) pages[p.id].push_back(&it->second);
  }
  pages_ = 0;
  std::vector<html::SignatureRow> rows;
  for (const report::SignatureEntry& e : entries) {
    html::SignatureRow row{e.id, std::string(enum_name(tlb::kSeverityNames, e.key.severity)), e.key.verdict_text(),
                           key_text(e.key), e.sections, e.occurrences,
                           report::occurrence_text(e.first(), e.source.empty() ? source : e.source), "", {}};
    const std::vector<const Written*>& mine = pages[e.id];
    for (size_t i = 1; i < mine.size(); ++i) row.examples.push_back(html::PageLink{mine[i]->label, mine[i]->file});
    if (!mine.empty()) {
      row.page = mine[0]->file;
      html::ViolationPage page = mine[0]->page;
      page.examples = row.examples;
      page.signature = fmt::format("{}: {}, {}", e.id, e.key.verdict_text(), key_text(e.key));
      PTX_RETURN_IF_ERROR(formats::write_file_atomically(dir_ + "/" + row.page, html::render_violation_page(page)));
    }
    pages_ += mine.size();
    rows.push_back(std::move(row));
  }
  return formats::write_file_atomically(dir_ + "/index.html", html::render_signature_index(title, rows));
}

}  // namespace ptx::cli
