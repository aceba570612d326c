// SPDX-License-Identifier: BSD-2-Clause
#include "tools/ptx/drawings.h"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "formats/atomic_file.h"
#include "tools/draw/interleaving_dot.h"

namespace ptx::cli {

StatusOr<std::unique_ptr<Drawings>> Drawings::create(const std::string& dir, uint64_t limit_per_vm,
                                                      CompareMode compare, const std::string& option) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    return bad_input("{} {}: cannot create the directory ({})", option, dir, ec ? ec.message() : "not a directory");
  }
  return std::unique_ptr<Drawings>(new Drawings(dir, limit_per_vm, compare));
}

Status Drawings::error() const {
  std::lock_guard<std::mutex> l(mu_);
  return error_;
}

void Drawings::keep(Status e) {
  std::lock_guard<std::mutex> l(mu_);
  if (error_.ok()) error_ = std::move(e);
}

void Drawings::on_violation(const Tables& before, const Section& s, const Exploration& x) {
  if (drawn_sections_[s.vmid] >= limit_ || !error().ok()) return;
  ++drawn_sections_[s.vmid];
  for (const Violation& v : x.violations) {
    const std::string base = fmt::format("{}/vm{}-section{}-ipa{:#x}-{:#x}", dir_, s.vmid, s.seq, v.ipa, v.observed);
    const std::string title = fmt::format("vm {}, section {} ({} updates)", s.vmid, s.seq, s.updates.size());
    const std::string dot = interleaving_dot(before, s.updates, v, compare_, title);
    if (Status e = formats::write_file_atomically(base + ".dot", dot); !e.ok()) return keep(std::move(e));
    pictures_.fetch_add(1);
    if (render_failed_.load()) continue;
    StatusOr<std::string> svg = render_dot(dot, "svg");
    if (!svg.ok()) {
      if (!render_failed_.exchange(true)) render_problem_ = svg.status().message();
      continue;
    }
    if (Status e = formats::write_file_atomically(base + ".svg", *svg); !e.ok()) return keep(std::move(e));
  }
}

}  // namespace ptx::cli
