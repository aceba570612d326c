#include "tools/ptx/drawings.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "tools/draw/interleaving_dot.h"
#include "tools/ptx/bad_input.h"

namespace ptx::cli {

Drawings::Drawings(const std::string& dir, uint64_t limit_per_vm, CompareMode compare,
                   const std::string& option)
    : dir_(dir), limit_(limit_per_vm), compare_(compare) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec || !std::filesystem::is_directory(dir_)) {
    throw BadInput(fmt::format("{} {}: cannot create the directory ({})", option, dir_,
                               ec ? ec.message() : "not a directory"));
  }
}

void Drawings::on_violation(const NptImage& before, const Section& s, const Exploration& x) {
  if (drawn_sections_[s.vmid] >= limit_) return;
  ++drawn_sections_[s.vmid];
  for (const Violation& v : x.violations) {
    const std::string base =
        fmt::format("{}/vm{}-section{}-ipa{:#x}-{:#x}", dir_, s.vmid, s.seq, v.ipa, v.observed);
    const std::string title = fmt::format("vm {}, section {} ({} updates)", s.vmid, s.seq, s.updates.size());
    const std::string dot = interleaving_dot(before, s.updates, v, compare_, title);
    std::ofstream(base + ".dot") << dot;
    pictures_.fetch_add(1);
    if (render_failed_.load()) continue;
    const std::string problem = render_dot(dot, "svg", base + ".svg");
    if (!problem.empty() && !render_failed_.exchange(true)) render_problem_ = problem;
  }
}

}  // namespace ptx::cli
