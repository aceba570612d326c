// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/section_checker.h"

#include <algorithm>
#include <cstddef>
#include <unordered_map>

#include <boost/container/small_vector.hpp>

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

// Entry -> value, for the entries a section wrote so far: a linear list for a few updates (every
// SeKVM section: no allocation), a hash map for many.
class CurrentValues {
 public:
  explicit CurrentValues(size_t updates) : large_(updates > kLinear) {}
  const uint64_t* find(uint64_t entry) const {
    if (large_) {
      auto it = map_.find(entry);
      return it == map_.end() ? nullptr : &it->second;
    }
    auto it = std::find_if(list_.begin(), list_.end(), [entry](const auto& p) { return p.first == entry; });
    return it == list_.end() ? nullptr : &it->second;
  }
  void set(uint64_t entry, uint64_t value) {
    if (large_) {
      map_[entry] = value;
      return;
    }
    auto it = std::find_if(list_.begin(), list_.end(), [entry](const auto& p) { return p.first == entry; });
    if (it != list_.end()) {
      it->second = value;
    } else {
      list_.emplace_back(entry, value);
    }
  }

 private:
  static constexpr size_t kLinear = 16;
  bool large_;
  boost::container::small_vector<std::pair<uint64_t, uint64_t>, kLinear> list_;
  std::unordered_map<uint64_t, uint64_t> map_;
};

}  // namespace

SectionChecker::SectionChecker(ExploreOptions options) : options_(options) {
  for (uint32_t v = 0; v < kVmCount; ++v) {
    shadows_[v] = std::make_unique<NptImage>(Geometry::sekvm(), pt_vttbr(v));
  }
}

// What in `s` does not fit the shadow of its VM, if anything (everything check() refuses, checked
// before any change). No message is made here: the common section fits, and describe() words a
// refusal.
SectionChecker::Refusal SectionChecker::find_refusal(const Section& s) const {
  if (!valid_vmid(s.vmid)) return {Refusal::kVmid};
  if (s.seq < *next_seq_[s.vmid]) return {Refusal::kSeq};
  for (size_t i = 0; i < s.ops.size(); ++i) {
    if (map_op_error(s.vmid, s.ops[i]) != NptError::kOk) return {Refusal::kOp, i};
  }
  // Every update must write inside its pool, and its old value must be what the entry holds at
  // that point of the section (the shadow, then the section's earlier writes).
  const NptImage& shadow = *shadows_[s.vmid];
  const bool shared = static_cast<bool>(shadow.backing());
  CurrentValues current(s.updates.size());  // entry -> value after earlier writes
  for (size_t i = 0; i < s.updates.size(); ++i) {
    const Update& u = s.updates[i];
    const int level = level_of_kind(u.kind, 4);
    if (u.entry < level_pool_lo(s.vmid, level) || u.entry >= level_pool_hi(s.vmid, level) || u.entry % 8 != 0) {
      return {Refusal::kEntry, i};
    }
    // (A shared shadow was just rewound to the old values of the section's first write of each
    // entry: only the later writes of an entry have anything to check.)
    const uint64_t* earlier = i == 0 ? nullptr : current.find(u.entry);
    const uint64_t now = earlier != nullptr ? *earlier : shared ? u.old_value : shadow.read(level, u.entry);
    if (now != u.old_value) return {Refusal::kOldValue, i, now};
    if (i + 1 < s.updates.size()) current.set(u.entry, u.new_value);
  }
  // The barriers are ascending indexes inside (0, updates), and the largest epoch (the previous
  // section's pending writes included) fits the explorer.
  for (size_t i = 0; i < s.barriers.size(); ++i) {
    const uint32_t b = s.barriers[i];
    if (b == 0 || b >= s.updates.size() || (i > 0 && b <= s.barriers[i - 1])) return {Refusal::kBarrier, i};
  }
  const size_t pending = pending_[s.vmid]->size();
  if (options_.fits(pending + s.updates.size())) return {};  // an epoch is no larger
  const size_t largest = largest_epoch(pending + s.updates.size(), epoch_ends(s, pending));
  if (!options_.fits(largest)) return {Refusal::kEpoch, 0, largest};
  return {};
}

// The error check() returns for refusal `r` of `s` (find_refusal; not kNone).
Status SectionChecker::describe(const Section& s, const Refusal& r) const {
  switch (r.kind) {
    case Refusal::kNone: break;
    case Refusal::kVmid: return bad_input("section {} names vmid {} (vmid must be 0..16)", s.seq, s.vmid);
    case Refusal::kSeq:
      return bad_input("vm {} section {} arrives after section {}: sections must be checked in lock order",
                       s.vmid, s.seq, *next_seq_[s.vmid] - 1);
    case Refusal::kOp:
      return check_map_op(s.vmid, s.ops[r.index]).with_context(fmt::format("vm {} section {} op", s.vmid, s.seq));
    case Refusal::kEntry: {
      const Update& u = s.updates[r.index];
      const int level = level_of_kind(u.kind, 4);
      return bad_input("vm {} section {} update {} ({} entry {:#x}) is not an aligned entry of the "
                       "VM's {} pool [{:#x}, {:#x})", s.vmid, s.seq, r.index, update_kind_name(u.kind),
                       u.entry, update_kind_name(u.kind), level_pool_lo(s.vmid, level), level_pool_hi(s.vmid, level));
    }
    case Refusal::kOldValue: {
      const Update& u = s.updates[r.index];
      return bad_input("vm {} section {} update {} ({} entry {:#x}) says the old value was {:#x} but "
                       "the entry held {:#x}: sections out of lock order or a corrupted trace",
                       s.vmid, s.seq, r.index, update_kind_name(u.kind), u.entry, u.old_value, r.value);
    }
    case Refusal::kBarrier:
      return bad_input("vm {} section {} has a barrier at update {}: barriers must be ascending update indexes "
                       "inside (0, {})", s.vmid, s.seq, s.barriers[r.index], s.updates.size());
    case Refusal::kEpoch: return options_.check(r.value).with_context(fmt::format("vm {} section {}", s.vmid, s.seq));
  }
  return ok_status();
}

// find_refusal, on a shadow of shared tables first taken back to the state before `s` (which the
// engine already wrote). A refused section is written back, so that the engine's tables stay as
// the engine made them.
SectionChecker::Refusal SectionChecker::rewind_and_find_refusal(const Section& s) {
  if (!valid_vmid(s.vmid) || !shadows_[s.vmid]->backing()) return find_refusal(s);
  NptImage& shadow = *shadows_[s.vmid];
  shadow.rewind_backing(s.updates);
  const Refusal r = find_refusal(s);
  if (r.kind != Refusal::kNone) shadow.replay_backing(s.updates);
  return r;
}

Status SectionChecker::check(const Section& s, Exploration* out) {
  if (const Refusal r = rewind_and_find_refusal(s); r.kind != Refusal::kNone) return describe(s, r);
  NptImage& shadow = *shadows_[s.vmid];
  boost::container::small_vector<uint64_t, 4> target_ipas;
  for (const MapOp& op : s.ops) target_ipas.push_back(op.ipa);
  const std::span<const uint64_t> targets(target_ipas.data(), target_ipas.size());
  if (pending_[s.vmid]->empty() && s.barriers.empty()) {
    if (options_.mode == ExploreMode::kFast) {
      explore(shadow, s.updates, targets, options_, out);  // reuses out's storage
    } else {
      *out = explore_faithful(shadow, s.updates, targets, options_);
    }
    if (hook_ && !out->violations.empty()) hook_(shadow, s, *out);
    for (const Update& u : s.updates) shadow.apply(u);
  } else {
    *out = explore_cut(s, targets);
  }
  set_pending(s);
  *next_seq_[s.vmid] = s.seq + 1;
  return ok_status();
}

Status SectionChecker::advance(const Section& s) {
  if (const Refusal r = rewind_and_find_refusal(s); r.kind != Refusal::kNone) return describe(s, r);
  NptImage& shadow = *shadows_[s.vmid];
  for (const Update& u : s.updates) shadow.apply(u);
  set_pending(s);
  *next_seq_[s.vmid] = s.seq + 1;
  return ok_status();
}

void SectionChecker::set_pending(const Section& s) {
  std::vector<Update>& pending = *pending_[s.vmid];
  pending.clear();
  if (!s.closing_barrier) pending = unfinished(s);
}

// `s` with the previous section's pending writes in front, cut at its barriers (explore_epochs);
// leaves the shadow at the state after `s`.
Exploration SectionChecker::explore_cut(const Section& s, std::span<const uint64_t> targets) {
  NptImage& shadow = *shadows_[s.vmid];
  const std::vector<Update>& pending = *pending_[s.vmid];
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
