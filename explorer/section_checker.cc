#include "explorer/section_checker.h"

#include <cstddef>
#include <unordered_map>

#include "explorer/epochs.h"
#include "explorer/explorer.h"
#include "explorer/faithful.h"
#include "pagetable/map_op.h"

namespace ptx {
namespace {

// The section's barriers as epoch ends of the explored list (`pending` writes in front of it).
std::vector<uint32_t> epoch_ends(const Section& s, size_t pending) {
  std::vector<uint32_t> ends;
  ends.reserve(s.barriers.size());
  for (const uint32_t b : s.barriers) ends.push_back(static_cast<uint32_t>(b + pending));
  return ends;
}

// The writes of `s` that no barrier completed: those after its last inner barrier.
std::vector<Update> unfinished(const Section& s) {
  const size_t from = s.barriers.empty() ? 0 : s.barriers.back();
  return std::vector<Update>(s.updates.begin() + static_cast<std::ptrdiff_t>(from), s.updates.end());
}

}  // namespace

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
  return check_barriers(s);
}

// The section's barriers are ascending indexes inside (0, updates), and its largest epoch (the
// previous section's pending writes included) fits the explorer.
Status SectionChecker::check_barriers(const Section& s) const {
  for (size_t i = 0; i < s.barriers.size(); ++i) {
    const uint32_t b = s.barriers[i];
    if (b == 0 || b >= s.updates.size() || (i > 0 && b <= s.barriers[i - 1])) {
      return bad_input("vm {} section {} has a barrier at update {}: barriers must be ascending update indexes "
                       "inside (0, {})", s.vmid, s.seq, b, s.updates.size());
    }
  }
  const size_t pending = pending_[s.vmid].size();
  const size_t largest = largest_epoch(pending + s.updates.size(), epoch_ends(s, pending));
  if (!options_.fits(largest)) {
    return options_.check(largest).with_context(fmt::format("vm {} section {}", s.vmid, s.seq));
  }
  return ok_status();
}

Status SectionChecker::check(const Section& s, Exploration* out) {
  PTX_RETURN_IF_ERROR(check_fits(s));
  NptImage& shadow = *shadows_[s.vmid];
  std::vector<uint64_t> targets;
  targets.reserve(s.ops.size());
  for (const MapOp& op : s.ops) targets.push_back(op.ipa);
  if (pending_[s.vmid].empty() && s.barriers.empty()) {
    *out = options_.mode == ExploreMode::kFast ? explore(shadow, s.updates, targets, options_)
                                               : explore_faithful(shadow, s.updates, targets, options_);
    if (hook_ && !out->violations.empty()) hook_(shadow, s, *out);
    for (const Update& u : s.updates) shadow.apply(u);
  } else {
    *out = explore_cut(s, targets);
  }
  pending_[s.vmid] = s.closing_barrier ? std::vector<Update>{} : unfinished(s);
  next_seq_[s.vmid] = s.seq + 1;
  return ok_status();
}

// `s` with the previous section's pending writes in front, cut at its barriers (explore_epochs);
// leaves the shadow at the state after `s`.
Exploration SectionChecker::explore_cut(const Section& s, std::span<const uint64_t> targets) {
  NptImage& shadow = *shadows_[s.vmid];
  const std::vector<Update>& pending = pending_[s.vmid];
  for (auto u = pending.rbegin(); u != pending.rend(); ++u) shadow.revert(*u);  // the state before them
  std::vector<Update> updates = pending;
  updates.insert(updates.end(), s.updates.begin(), s.updates.end());
  Exploration x = explore_epochs(shadow, shadow.root(), shadow.geometry(), updates, epoch_ends(s, pending.size()),
                                 targets, options_, pending.size());
  x.pending = static_cast<uint32_t>(pending.size());
  if (hook_ && !x.violations.empty()) {
    for (auto u = updates.rbegin(); u != updates.rend(); ++u) shadow.revert(*u);
    Section explored = s;
    explored.updates = std::move(updates);
    hook_(shadow, explored, x);
    for (const Update& u : explored.updates) shadow.apply(u);
  }
  return x;
}

}  // namespace ptx
