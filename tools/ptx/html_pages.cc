// SPDX-License-Identifier: BSD-2-Clause
#include "tools/ptx/html_pages.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "explorer/violation_groups.h"
#include "formats/atomic_file.h"
#include "tools/html/html_page.h"
#include "tools/html/page_builder.h"

namespace ptx::cli {

StatusOr<std::unique_ptr<HtmlPages>> HtmlPages::create(const std::string& dir, uint64_t limit_per_vm,
                                                       const std::string& option) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    return bad_input("{} {}: cannot create the directory ({})", option, dir, ec ? ec.message() : "not a directory");
  }
  return std::unique_ptr<HtmlPages>(new HtmlPages(dir, limit_per_vm));
}

void HtmlPages::on_violation(const Tables& before, const CheckedSection& s, const std::string& source) {
  const uint32_t vm = s.section.vmid % kVmCount;
  if (shown_[vm] >= limit_) return;
  ++shown_[vm];
  const std::string where = s.context ? fmt::format("tid {}, section {} ({}:{}), root {:#x}", s.context->tid,
                                                    s.section.seq, source, s.context->first_line, s.context->root)
                                      : fmt::format("vm {}, section {} ({}:{})", s.section.vmid, s.section.seq, source, s.line);
  const std::vector<ViolationGroup> groups = group_violations(s.exploration);
  for (size_t i = 0; i < groups.size(); ++i) {
    const html::ViolationPage page = html::build_page(before, s, groups[i], where);
    const std::string file = s.context ? fmt::format("s{}-root{:#x}-g{}.html", s.section.seq, s.context->root, i + 1)
                                       : fmt::format("vm{}-s{}-g{}.html", s.section.vmid, s.section.seq, i + 1);
    Status e = formats::write_file_atomically(dir_ + "/" + file, html::render_violation_page(page));
    std::lock_guard<std::mutex> l(mu_);
    if (!e.ok()) {
      if (error_.ok()) error_ = std::move(e);
      return;
    }
    rows_.push_back(html::index_row(page, groups[i], file));
  }
}

Status HtmlPages::finish(const std::string& title) {
  std::lock_guard<std::mutex> l(mu_);
  if (!error_.ok()) return error_;
  std::sort(rows_.begin(), rows_.end(), [](const html::IndexRow& a, const html::IndexRow& b) { return a.file < b.file; });
  return formats::write_file_atomically(dir_ + "/index.html", html::render_index(title, rows_));
}

uint64_t HtmlPages::pages() const {
  std::lock_guard<std::mutex> l(mu_);
  return rows_.size();
}

}  // namespace ptx::cli
