// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/engines.h"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

namespace ptx::kernel {
namespace {

constexpr std::array<std::pair<std::string_view, uint32_t>, 4> kFeatures{{
    {"ttl", PTX_K_FEAT_TTL}, {"tlbirange", PTX_K_FEAT_TLBIRANGE}, {"s2fwb", PTX_K_FEAT_S2FWB}, {"lpa2", PTX_K_FEAT_LPA2}}};
constexpr uint32_t kAllFeatures = PTX_K_FEAT_TTL | PTX_K_FEAT_TLBIRANGE | PTX_K_FEAT_S2FWB | PTX_K_FEAT_LPA2;

}  // namespace

std::vector<KernelEngine> kernel_engines(EngineList list) {
  std::vector<KernelEngine> out;
  if (list == nullptr) return out;
  size_t n = 0;
  const ptx_k_engine* const* tables = list(&n);
  for (size_t i = 0; i < n; ++i) {
    const ptx_k_engine* t = tables[i];
    if (t == nullptr || t->abi != PTX_K_ABI_VERSION) continue;
    std::string name = fmt::format("linux-{}", t->tree);
    if (t->mutant[0] != '\0') name += fmt::format("+{}", t->mutant);
    out.push_back(KernelEngine{t, std::move(name), t->version});
  }
  return out;
}

StatusOr<KernelEngine> find_kernel_engine(const std::vector<KernelEngine>& engines, std::string_view name,
                                          std::string_view others) {
  std::string names(others);
  for (const KernelEngine& e : engines) {
    if (e.name == name) return e;
    if (!e.mutant()) names += fmt::format("{}{}", names.empty() ? "" : ", ", e.name);
  }
  return bad_input("unknown engine '{}': the engines are {}{}", name, names.empty() ? "(none)" : names,
                   engines.empty() ? " (this ptx was built without kernel sources: scripts/bootstrap.sh installs "
                                     "Debian's linux-source packages, see docs/linux-engine.md)"
                                   : "");
}

StatusOr<uint32_t> parse_cpu_features(std::string_view list) {
  uint32_t bits = 0;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    const std::string_view item = list.substr(start, comma == std::string_view::npos ? list.npos : comma - start);
    if (item == "none") {
    } else if (item == "all") {
      bits |= kAllFeatures;
    } else {
      const auto it = std::find_if(kFeatures.begin(), kFeatures.end(), [&](const auto& f) { return f.first == item; });
      if (it == kFeatures.end()) {
        return bad_input("--cpu-features: '{}' is not a CPU feature (ttl, tlbirange, s2fwb, lpa2, none, all)", item);
      }
      bits |= it->second;
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return bits;
}

std::string cpu_features_name(uint32_t features) {
  std::string s;
  for (const auto& [name, bit] : kFeatures) {
    if (features & bit) s += fmt::format("{}{}", s.empty() ? "" : ",", name);
  }
  return s.empty() ? "none" : s;
}

}  // namespace ptx::kernel
