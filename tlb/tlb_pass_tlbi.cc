// SPDX-License-Identifier: BSD-2-Clause
// TlbPass: TLBIs (TLB-MODEL.md §3 "TLBI", "Completion") and DSBs.
#include <algorithm>

#include "tlb/tlb_pass.h"

namespace ptx::tlb {

using armtrace::Event;

void TlbPass::on_tlbi(const Event& e) {
  ++tlbis_;
  Thread& t = threads_[e.tid];
  const TlbiScope s(e.tlbi_op, e.value, t.vmid, options_.ttl, t.vtcr_ds);
  const CpuMask targets = s.broadcast() ? kEveryClass : class_of(e.tid);
  PendingTlbi pt{e.line, !s.broadcast(), s, {}, {}};
  for (size_t ci = 0; ci < ctxs_.size(); ++ci) {
    Context& c = ctxs_[ci];
    if (!s.reaches_stage(c.stage)) continue;
    if (c.dormant && s.whole_context() && s.vmid_matches(c) && (c.frozen & targets) != 0) {
      pt.frozen.emplace_back(ci, c.frozen & targets);
    }
    if (!c.stale.empty()) doom(ci, s, targets, e, pt);
  }
  if (!pt.dooms.empty() || !pt.frozen.empty()) {
    t.tlbis.push_back(std::move(pt));
    tlbi_threads_ |= uint32_t{1} << e.tid;
  }
}

// Dooms, for the targeted classes, the covered stale parts of context `ci` they cannot re-derive.
void TlbPass::doom(size_t ci, const TlbiScope& s, CpuMask targets, const Event& e, PendingTlbi& pt) {
  Context& c = ctxs_[ci];
  if (s.vmid_matches(c)) {  // what a covered Walk led to is cached too: explicit before it goes
    std::vector<std::pair<EntryKey, CpuMask>> walks;
    const Walker w = walker();
    for (const EntryKey& key : c.walks) {
      const StaleEntry& se = c.stale.at(key);
      if ((se.holders[0] & targets) != 0 &&
          s.covers(key, c.size(key.level), 0) == Cover::kYes && !w.live(c, key)) {
        walks.emplace_back(key, se.holders[0]);
      }
    }
    for (const auto& [key, holders] : walks) expand_walk(c, key, holders, e);
  }
  const Walker w = walker();
  const auto reached = [&](const EntryKey& key, const StaleEntry& se) {  // doom_part()'s first test, done first
    const uint64_t size = c.size(key.level);
    return (se.holders[0] != 0 && s.covers(key, size, 0) != Cover::kNo) ||
           (se.holders[1] != 0 && s.covers(key, size, 1) != Cover::kNo);
  };
  for (auto& [key, se] : c.stale) {  // walking memory (live) is dearer than asking the scope
    if (!reached(key, se) || w.live(c, key)) continue;
    for (int part = 0; part < 2; ++part) {
      if (se.holders[part] != 0) doom_part(ci, key, se, part, s, targets, e, pt);
    }
  }
}

void TlbPass::doom_part(size_t ci, const EntryKey& key, StaleEntry& se, int part, const TlbiScope& s,
                        CpuMask targets, const Event& e, PendingTlbi& pt) {
  const Context& c = ctxs_[ci];
  const Cover cov = s.covers(key, c.size(key.level), part);
  if (cov == Cover::kNo) return;
  if (!s.vmid_matches(c)) {
    if (se.tid == e.tid) se.history[part] |= kCoveredButVmid;
    return;
  }
  if (cov == Cover::kTtl) {
    se.history[part] |= kCoveredButTtl;
    return;
  }
  const CpuMask asked = targets & se.holders[part];
  const PerClass again = rederivable(c, key, se, part, asked, s);
  CpuMask doomed = 0;
  for_each_class(asked, [&](CpuMask p, int i) {
    if (again[i]) {
      se.history[part] |= *again[i];
    } else {
      doomed |= p;
    }
  });
  if (doomed == 0) return;
  pt.dooms.push_back(Doom{ci, key, se.serial, part, doomed});
  ++se.dooms[part];
  if (pt.local) se.history[part] |= kDoomedLocally;
}

// For each class of `classes` (PerClass index i: class 1 << i): can it fill part `part` of `key`
// again once the TLBI `s` has removed what it covers? If so, the history bits that say why. A
// Combined twin is re-derived from its stage-2 Leaf while the class keeps that (TLB-MODEL.md §3).
TlbPass::PerClass TlbPass::rederivable(const Context& c, const EntryKey& key, const StaleEntry& se, int part,
                                       CpuMask classes, const TlbiScope& s) const {
  PerClass out = rederivable_main(c, key, classes, &s);
  if (part == 0) return out;
  const bool twin = s.covers(key, c.size(key.level), 0) != Cover::kYes;
  for_each_class(classes, [&](CpuMask p, int i) {
    if (!out[i] && twin && (se.holders[0] & p) != 0) out[i] = uint8_t{0};
  });
  return out;
}

// Can a walk from c's root, through visible values, fill `key` now? The answer is the same for
// every class (classes differ only in the stale Walks they hold), so a loop over the classes keeps
// it in `root`, empty until first asked, and walks once.
bool TlbPass::root_fills(const Context& c, const EntryKey& key, std::optional<bool>& root) const {
  if (!root) root = !c.dormant && walker().reaches(c, c.top_level(), c.root, key);
  return *root;
}

// For each class of `classes`: from the root through visible values (the overwrite is not visible
// yet: kCoveredBeforeDsb), or from the first stale Walk above `key` (in `walks` order) the class
// holds that `s` (when given) does not cover (that Walk's history). The root's walk and each Walk's
// reach are the same for every class, so they are found once for all of them.
TlbPass::PerClass TlbPass::rederivable_main(const Context& c, const EntryKey& key, CpuMask classes,
                                            const TlbiScope* s) const {
  PerClass out{};
  if (classes == 0) return out;
  std::optional<bool> root;
  if (root_fills(c, key, root)) {
    for_each_class(classes, [&](CpuMask, int i) { out[i] = uint8_t{kCoveredBeforeDsb}; });
    return out;
  }
  const Walker w = walker();
  CpuMask open = classes;
  c.walks_above(key.ia, key.level, [&](const EntryKey& wk) {
    const StaleEntry& ws = c.stale.at(wk);
    const CpuMask m = ws.holders[0] & open;
    if (m == 0) return false;
    if (s != nullptr && s->vmid_matches(c) && s->covers(wk, c.size(wk.level), 0) == Cover::kYes) return false;
    if (!w.reaches(c, wk.level + 1, c.g.table_address(wk.desc), key)) return false;
    for_each_class(m, [&](CpuMask, int i) { out[i] = ws.history[0]; });
    open &= static_cast<CpuMask>(~m);
    return open == 0;
  });
  return out;
}

// An entry class p first caches through the stale Walk `walk` (`added`: the classes new to each
// part) while a pending TLBI dooms that Walk for p was cached after that TLBI ran, only through what
// it removes. If the TLBI covers the entry too and p cannot fill it without what the TLBI dooms for
// p (fills_past()), the TLBI removes it with the Walk: wherever the TLBI is performed on p between its execution and
// its completion, it removes the entry if p cached it before, and p cannot fill it after (Arm ARM
// RDDMVT; TLBI IPAS2E1IS, RIPAS2E1IS: every entry, leaf or walk, for an address in the range).
void TlbPass::doom_new(Context& c, const EntryKey& key, StaleEntry& se, std::array<CpuMask, 2> added,
                       const StaleEntry& walk) {
  if ((added[0] | added[1]) == 0) return;
  size_t ci = 0;
  while (&ctxs_[ci] != &c) ++ci;
  for (Thread& t : threads_) {
    for (PendingTlbi& pt : t.tlbis) {
      CpuMask via = 0;
      for (const Doom& d : pt.dooms) {
        if (d.serial == walk.serial && d.part == 0 && d.key.kind == EntryKind::kWalk) via |= d.classes;
      }
      if (via == 0 || !pt.scope.vmid_matches(c)) continue;
      for (int part = 0; part < 2; ++part) {
        if (pt.scope.covers(key, c.size(key.level), part) != Cover::kYes) continue;
        CpuMask doomed = 0;
        std::optional<bool> root;  // root_fills(), walked once for every class
        for (CpuMask p = 1; p <= kTopClass; p = static_cast<CpuMask>(p << 1)) {
          if ((added[part] & via & p) != 0 && !fills_past(c, key, se, part, p, pt, root)) doomed |= p;
        }
        if (doomed == 0) continue;
        pt.dooms.push_back(Doom{ci, key, se.serial, part, doomed});
        ++se.dooms[part];
        if (pt.local) se.history[part] |= kDoomedLocally;
      }
    }
  }
}

// Can class `p` fill part `part` of `key` without what the pending TLBI `pt` removes from it: from
// the root through visible values, through a stale Walk `p` holds that `pt` does not doom for it,
// or (a Combined twin) from its Leaf while `pt` does not doom that for `p`?
bool TlbPass::fills_past(const Context& c, const EntryKey& key, const StaleEntry& se, int part, CpuMask p,
                         const PendingTlbi& pt, std::optional<bool>& root) const {
  const auto doomed = [&](uint64_t serial, int of) {
    return std::any_of(pt.dooms.begin(), pt.dooms.end(),
                       [&](const Doom& d) { return d.serial == serial && d.part == of && (d.classes & p) != 0; });
  };
  if (root_fills(c, key, root)) return true;
  const Walker w = walker();
  if (c.walks_above(key.ia, key.level, [&](const EntryKey& wk) {
        const StaleEntry& ws = c.stale.at(wk);
        if ((ws.holders[0] & p) == 0 || doomed(ws.serial, 0)) return false;
        return w.reaches(c, wk.level + 1, c.g.table_address(wk.desc), key);
      })) {
    return true;
  }
  return part == 1 && (se.holders[0] & p) != 0 && !doomed(se.serial, 0);
}

// DSB ISH completes the tid's TLBIs and publishes its writes; DSB NSH completes its local TLBIs;
// DSB ISHST publishes its writes only (TLB-MODEL.md §3 "Completion"; herd dsb.full); DSB NSHST
// (ptx's dialect) neither completes a TLBI nor publishes a write to other PEs.
void TlbPass::on_dsb(const Event& e) {
  if (e.barrier != armtrace::BarrierType::kDsb) return;
  Thread& t = threads_[e.tid];
  if (t.tlbis.empty() && t.writes.empty()) return;  // nothing of the tid's to complete or publish
  const bool ish = e.dsb_kind == armtrace::DsbKind::kIsh;
  if (ish || e.dsb_kind == armtrace::DsbKind::kNsh) {  // the pending ones stay in place: doom_new sees them
    for (PendingTlbi& pt : t.tlbis) {
      if (ish || pt.local) complete(pt, e);
    }
    std::vector<PendingTlbi> keep;
    for (PendingTlbi& pt : t.tlbis) {
      if (!ish && !pt.local) keep.push_back(std::move(pt));
    }
    t.tlbis = std::move(keep);
    if (t.tlbis.empty()) tlbi_threads_ &= ~(uint32_t{1} << e.tid);
  }
  if (ish || e.dsb_kind == armtrace::DsbKind::kIshst) commit(t);
}

// Removes a completed TLBI's doomed parts from their classes. A Walk leaving a class first leaves
// it, explicitly, everything it led to. A class that can fill a removed part again at once (from
// the root through visible values, or through a stale Walk it keeps) keeps it: an overwrite made
// visible only after the TLBI ran, or a relink below a still-visible old value, makes the entry
// readable again between the TLBI and its DSB (decision (d): the TLBI removes nothing a walk can
// still read). Without this the entry would be forgotten and later re-reported as new.
void TlbPass::complete(PendingTlbi& pt, const Event& e) {
  for (size_t i = 0; i < pt.dooms.size(); ++i) {  // expanding may doom more (doom_new): by index
    const Doom d = pt.dooms[i];
    if (d.part != 0 || d.key.kind != EntryKind::kWalk) continue;
    Context& c = ctxs_[d.ctx];
    const auto it = c.stale.find(d.key);
    if (it != c.stale.end() && it->second.serial == d.serial) {
      expand_walk(c, d.key, d.classes & it->second.holders[0], e);
    }
  }
  std::vector<const Doom*> removed;
  for (const Doom& d : pt.dooms) {
    const auto it = ctxs_[d.ctx].stale.find(d.key);
    if (d.classes == 0 || it == ctxs_[d.ctx].stale.end() || it->second.serial != d.serial) continue;
    it->second.holders[d.part] &= static_cast<CpuMask>(~d.classes);
    --it->second.dooms[d.part];
    removed.push_back(&d);
  }
  for (int part = 0; part < 2; ++part) {  // Leaves and Walks first: a Combined twin refills from its Leaf
    for (const Doom* d : removed) {
      if (d->part == part) refill(*d);
    }
  }
  for (const Doom* d : removed) {
    Context& c = ctxs_[d->ctx];
    const auto it = c.stale.find(d->key);
    if (it != c.stale.end() && it->second.serial == d->serial && !it->second.held()) erase(c, it);
  }
  for (const auto& [ci, classes] : pt.frozen) ctxs_[ci].frozen &= static_cast<CpuMask>(~classes);
}

// The classes of the completed doom `d` that can fill its part again keep it, with the history
// bits that say why (as at the TLBI's execution, rederivable()).
void TlbPass::refill(const Doom& d) {
  const Context& c = ctxs_[d.ctx];
  StaleEntry& se = ctxs_[d.ctx].stale.find(d.key)->second;
  PerClass again = rederivable_main(c, d.key, d.classes, nullptr);
  for_each_class(d.classes, [&](CpuMask p, int i) {
    if (!again[i] && d.part == 1 && (se.holders[0] & p) != 0) again[i] = uint8_t{0};
    if (!again[i]) return;
    se.holders[d.part] |= p;
    se.history[d.part] |= *again[i];
  });
}

// A write of a valid value or a root bind may make a doomed part readable again before its TLBI
// completes: a class that can now fill it without what the TLBI covers (as at its execution,
// rederivable()) caches it anew after the TLBI ran, so that TLBI no longer removes it from that
// class (decision (d): a TLBI removes only entries whose overwrite was visible before it; Arm ARM
// RDDMVT). The entry stays the same entry, with the history bits that say why.
void TlbPass::rescue() {
  if (tlbi_threads_ == 0) return;  // no TLBI pending: nothing doomed to rescue
  for (Thread& t : threads_) {
    for (PendingTlbi& pt : t.tlbis) {
      for (Doom& d : pt.dooms) {
        Context& c = ctxs_[d.ctx];
        const auto it = c.stale.find(d.key);
        if (d.classes == 0 || it == c.stale.end() || it->second.serial != d.serial) continue;
        StaleEntry& se = it->second;
        const PerClass again = rederivable(c, d.key, se, d.part, d.classes, pt.scope);
        for_each_class(d.classes, [&](CpuMask p, int i) {
          if (!again[i]) return;
          d.classes &= static_cast<CpuMask>(~p);
          se.history[d.part] |= *again[i];
        });
        if (d.classes == 0) --se.dooms[d.part];
      }
    }
  }
}

// The tid's writes since its last DSB ISH/ISHST are visible to every walker: their old values no
// longer are.
void TlbPass::commit(Thread& t) {
  for (const auto& [word, old] : t.writes) {
    const auto it = olds_.find(word);
    if (it == olds_.end()) continue;
    const auto v = std::find(it->second.begin(), it->second.end(), old);
    if (v != it->second.end()) it->second.erase(v);
    if (it->second.empty()) olds_.erase(it);
  }
  t.writes.clear();
}

}  // namespace ptx::tlb
