#include "explorer/section_checker.h"

#include <unordered_map>

#include <fmt/format.h>

#include "explorer/explorer.h"
#include "explorer/faithful.h"

namespace ptx {

std::string_view explore_mode_name(ExploreMode m) {
  return m == ExploreMode::kFast ? "fast" : "faithful";
}

bool parse_explore_mode(std::string_view s, ExploreMode* out) {
  if (s == "fast") {
    *out = ExploreMode::kFast;
  } else if (s == "faithful") {
    *out = ExploreMode::kFaithful;
  } else {
    return false;
  }
  return true;
}

SectionChecker::SectionChecker(ExploreMode mode, ExploreOptions options)
    : mode_(mode), options_(options) {
  for (uint32_t v = 0; v < kVmCount; ++v) {
    shadows_[v] = std::make_unique<NptImage>(Geometry::sekvm(), pt_vttbr(v));
  }
}

bool SectionChecker::check(const Section& s, Exploration* out, std::string* error) {
  if (!valid_vmid(s.vmid)) {
    *error = fmt::format("section {} names vmid {} (vmid must be 0..16)", s.seq, s.vmid);
    return false;
  }
  if (s.seq < next_seq_[s.vmid]) {
    *error = fmt::format("vm {} section {} arrives after section {}: sections must be checked in lock order",
                         s.vmid, s.seq, next_seq_[s.vmid] - 1);
    return false;
  }
  NptImage& shadow = *shadows_[s.vmid];
  // Every update must write inside its pool, and its old value must be what the entry holds at
  // that point of the section (the shadow, then the section's earlier writes).
  std::unordered_map<uint64_t, uint64_t> current;  // entry -> value after earlier writes
  for (size_t i = 0; i < s.updates.size(); ++i) {
    const Update& u = s.updates[i];
    const int level = level_of_kind(u.kind, 4);
    const uint64_t lo = level_pool_lo(s.vmid, level), hi = level_pool_hi(s.vmid, level);
    if (u.entry < lo || u.entry >= hi || u.entry % 8 != 0) {
      *error = fmt::format("vm {} section {} update {} ({} entry {:#x}) is not an aligned entry of the "
                           "VM's {} pool [{:#x}, {:#x})", s.vmid, s.seq, i, update_kind_name(u.kind),
                           u.entry, update_kind_name(u.kind), lo, hi);
      return false;
    }
    auto it = current.find(u.entry);
    const uint64_t now = it != current.end() ? it->second
                                             : shadow.read(level, u.entry);
    if (now != u.old_value) {
      *error = fmt::format("vm {} section {} update {} ({} entry {:#x}) says the old value was {:#x} but "
                           "the entry held {:#x}: sections out of lock order or a corrupted trace",
                           s.vmid, s.seq, i, update_kind_name(u.kind), u.entry, u.old_value, now);
      return false;
    }
    current[u.entry] = u.new_value;
  }
  if (mode_ == ExploreMode::kFaithful && s.updates.size() > kFaithfulMaxUpdates) {
    *error = fmt::format("vm {} section {} has {} updates; faithful mode enumerates sum_k C(n,k) k! "
                         "lists and is limited to n <= {} (use --mode fast)",
                         s.vmid, s.seq, s.updates.size(), kFaithfulMaxUpdates);
    return false;
  }
  std::vector<uint64_t> targets;
  targets.reserve(s.ops.size());
  for (const MapOp& op : s.ops) {
    if (!valid_addr(op.ipa)) {
      *error = fmt::format("vm {} section {} op ipa {:#x} is not below 2^48 (valid_addr)", s.vmid, s.seq, op.ipa);
      return false;
    }
    targets.push_back(op.ipa);
  }
  *out = mode_ == ExploreMode::kFast ? explore(shadow, s.updates, targets, options_)
                                     : explore_faithful(shadow, s.updates, targets, options_);
  if (hook_ && !out->violations.empty()) hook_(shadow, s, *out);
  for (const Update& u : s.updates) shadow.apply(u);
  next_seq_[s.vmid] = s.seq + 1;
  return true;
}

}  // namespace ptx
