#include "explorer/section_checker.h"

#include <unordered_map>

#include "explorer/explorer.h"
#include "explorer/faithful.h"
#include "pagetable/map_op.h"

namespace ptx {

SectionChecker::SectionChecker(ExploreOptions options) : options_(options) {
  for (uint32_t v = 0; v < kVmCount; ++v) {
    shadows_[v] = std::make_unique<NptImage>(Geometry::sekvm(), pt_vttbr(v));
  }
}

// Does `s` fit the shadow of its VM? (Everything check() refuses, checked before any change.)
Status SectionChecker::check_fits(const Section& s) const {
  if (!valid_vmid(s.vmid)) {
    return bad_input("section {} names vmid {} (vmid must be 0..16)", s.seq, s.vmid);
  }
  if (s.seq < next_seq_[s.vmid]) {
    return bad_input("vm {} section {} arrives after section {}: sections must be checked in lock order",
                     s.vmid, s.seq, next_seq_[s.vmid] - 1);
  }
  for (const MapOp& op : s.ops) {
    if (map_op_error(s.vmid, op) != NptError::kOk) {  // the cheap test first: this is per section
      return check_map_op(s.vmid, op).with_context(fmt::format("vm {} section {} op", s.vmid, s.seq));
    }
  }
  // Every update must write inside its pool, and its old value must be what the entry holds at
  // that point of the section (the shadow, then the section's earlier writes).
  const NptImage& shadow = *shadows_[s.vmid];
  std::unordered_map<uint64_t, uint64_t> current;  // entry -> value after earlier writes
  for (size_t i = 0; i < s.updates.size(); ++i) {
    const Update& u = s.updates[i];
    const int level = level_of_kind(u.kind, 4);
    const uint64_t lo = level_pool_lo(s.vmid, level), hi = level_pool_hi(s.vmid, level);
    if (u.entry < lo || u.entry >= hi || u.entry % 8 != 0) {
      return bad_input("vm {} section {} update {} ({} entry {:#x}) is not an aligned entry of the "
                       "VM's {} pool [{:#x}, {:#x})", s.vmid, s.seq, i, update_kind_name(u.kind),
                       u.entry, update_kind_name(u.kind), lo, hi);
    }
    auto it = current.find(u.entry);
    const uint64_t now = it != current.end() ? it->second : shadow.read(level, u.entry);
    if (now != u.old_value) {
      return bad_input("vm {} section {} update {} ({} entry {:#x}) says the old value was {:#x} but "
                       "the entry held {:#x}: sections out of lock order or a corrupted trace",
                       s.vmid, s.seq, i, update_kind_name(u.kind), u.entry, u.old_value, now);
    }
    current[u.entry] = u.new_value;
  }
  if (!options_.fits(s.updates.size())) {
    return options_.check(s.updates.size()).with_context(fmt::format("vm {} section {}", s.vmid, s.seq));
  }
  return ok_status();
}

Status SectionChecker::check(const Section& s, Exploration* out) {
  PTX_RETURN_IF_ERROR(check_fits(s));
  NptImage& shadow = *shadows_[s.vmid];
  std::vector<uint64_t> targets;
  targets.reserve(s.ops.size());
  for (const MapOp& op : s.ops) targets.push_back(op.ipa);
  *out = options_.mode == ExploreMode::kFast ? explore(shadow, s.updates, targets, options_)
                                             : explore_faithful(shadow, s.updates, targets, options_);
  if (hook_ && !out->violations.empty()) hook_(shadow, s, *out);
  for (const Update& u : s.updates) shadow.apply(u);
  next_seq_[s.vmid] = s.seq + 1;
  return ok_status();
}

}  // namespace ptx
