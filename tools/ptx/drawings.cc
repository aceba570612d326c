// SPDX-License-Identifier: BSD-2-Clause
#include "tools/ptx/drawings.h"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "formats/atomic_file.h"
#include "tools/draw/interleaving_dot.h"

namespace ptx::cli {
namespace {

std::string pick_key(const report::PictureBudget::Pick& p) { return fmt::format("{} {} {}", p.id, p.at.lane, p.at.pos); }

}  // namespace

StatusOr<std::unique_ptr<Drawings>> Drawings::create(const std::string& dir, uint64_t limit_per_signature,
                                                      CompareMode compare, const std::string& option) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    return bad_input("{} {}: cannot create the directory ({})", option, dir, ec ? ec.message() : "not a directory");
  }
  return std::unique_ptr<Drawings>(new Drawings(dir, limit_per_signature, compare));
}

Status Drawings::error() const {
  std::lock_guard<std::mutex> l(mu_);
  return error_;
}

void Drawings::keep(Status e) {
  std::lock_guard<std::mutex> l(mu_);
  if (error_.ok()) error_ = std::move(e);
}

std::string Drawings::base(const report::PictureBudget::Pick& p, const CheckedSection& s) const {
  const Violation& v = s.exploration.violations[p.violation];
  return fmt::format("{}/{}-vm{}-section{}-ipa{:#x}-{:#x}", dir_, p.id, s.section.vmid, s.section.seq, v.ipa, v.observed);
}

void Drawings::on_violation(const Tables& before, const CheckedSection& s, const report::Occurrence& at) {
  if (!error().ok()) return;
  for (const report::PictureBudget::Pick& p : budget_.take(s, at)) {
    const Section& sec = s.section;
    const std::string file = base(p, s);
    const std::string title = fmt::format("signature {}: vm {}, section {} ({} updates)", p.id, sec.vmid, sec.seq,
                                          sec.updates.size());
    const std::string dot = interleaving_dot(before, sec.updates, s.exploration.violations[p.violation], compare_, title);
    if (Status e = formats::write_file_atomically(file + ".dot", dot); !e.ok()) return keep(std::move(e));
    {
      std::lock_guard<std::mutex> l(mu_);
      files_[pick_key(p)] = file;
    }
    if (render_failed_.load()) continue;
    StatusOr<std::string> svg = render_dot(dot, "svg");
    if (!svg.ok()) {
      if (!render_failed_.exchange(true)) render_problem_ = svg.status().message();
      continue;
    }
    if (Status e = formats::write_file_atomically(file + ".svg", *svg); !e.ok()) return keep(std::move(e));
  }
}

Status Drawings::finish() {
  std::vector<report::PictureBudget::Pick> kept, removed;
  budget_.finish(&kept, &removed);
  std::lock_guard<std::mutex> l(mu_);
  if (!error_.ok()) return error_;
  for (const report::PictureBudget::Pick& p : removed) {
    const auto it = files_.find(pick_key(p));
    if (it == files_.end()) continue;
    std::error_code ec;
    std::filesystem::remove(it->second + ".dot", ec);
    std::filesystem::remove(it->second + ".svg", ec);
  }
  pictures_ = 0;
  for (const report::PictureBudget::Pick& p : kept) pictures_ += files_.count(pick_key(p));
  return ok_status();
}

}  // namespace ptx::cli
