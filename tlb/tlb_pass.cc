// SPDX-License-Identifier: BSD-2-Clause
// TlbPass: events, writes (what becomes stale) and contexts. TLBIs and DSBs are in
// tlb_pass_tlbi.cc, the verdicts in tlb_pass_verdicts.cc.
#include "tlb/tlb_pass.h"

#include <algorithm>
#include <iterator>
#include <limits>

#include "armcheck/memory_range.h"

namespace ptx::tlb {

using armtrace::Event;
using armtrace::EventKind;

namespace {
constexpr uint64_t kPage = 4096;
}  // namespace

TlbPass::TlbPass(TlbOptions options) : options_(options) {}

TlbSummary TlbPass::summary() const {
  TlbSummary s = summarize(findings_);
  s.tlbis = tlbis_;
  s.max_stale = max_stale_;
  return s;
}

// The old values of a mem-init's or mem-set's words, read before the checker applies it (on_writes
// alone reads changes_; a mem-write's old value comes with it, EventFacts::old_word).
void TlbPass::before(const Event& e, const NptImage& memory, const armcheck::Roots&) {
  if (e.kind != EventKind::kMemInit && e.kind != EventKind::kMemSet) return;
  memory_ = &memory;
  collect_changes(e);
}

void TlbPass::after(const Event& e, const NptImage& memory, const armcheck::Roots& roots,
                    const armcheck::EventFacts& facts) {
  memory_ = &memory;
  ++events_;
  switch (e.kind) {
    case EventKind::kMemWrite:  // the checker's facts hold for its word, during this event only
      fact_word_ = e.address & ~uint64_t{7};
      fact_distance_ = facts.live_root_distance;
      collect_write(e, facts);
      on_writes(e);
      fact_word_ = kNoWord;
      break;
    case EventKind::kMemInit:
    case EventKind::kMemSet: on_writes(e); break;
    case EventKind::kMemFree: freed(e.address, e.address + e.size, e, "mem-free"); break;
    case EventKind::kBarrier: on_dsb(e); break;
    case EventKind::kTlbi: on_tlbi(e); break;
    case EventKind::kSysregWrite: on_sysreg(e, roots); break;
    case EventKind::kHint: on_hint(e); break;
    case EventKind::kUnlock:
    case EventKind::kReadUnlock: on_unlock(e); break;  // a lock taken shared closes its section too
    case EventKind::kReadLock:
    case EventKind::kLock:
    case EventKind::kTrylock: on_lock(e); break;
    case EventKind::kMemRead: break;
  }
  max_stale_ = std::max(max_stale_, stale_entries_);
}

bool TlbPass::quiet() const {
  // stale_entries_ counts every context's stale entries; a context is live (in live_) or dormant.
  if (stale_entries_ != 0 || !olds_.empty() || live_.size() > 1) return false;
  // Asked once a section (SectionTlb), so the few threads are looked at here rather than kept
  // up to date on every event.
  if (std::any_of(threads_.begin(), threads_.end(), [](const Thread& t) {
        return !t.writes.empty() || !t.tlbis.empty() || !t.sections.empty();
      })) {
    return false;
  }
  if (ctxs_.size() == live_.size()) return true;
  return std::none_of(ctxs_.begin(), ctxs_.end(), [](const Context& c) { return c.dormant && c.frozen != 0; });
}

// What after() does with those events at rest: on_lock's section serial, on_tlbi's count (it dooms
// nothing, so nothing is pending), and nothing else (on_writes: no valid old value, nothing stale,
// no old value visible, relinked needs two live contexts, rescue() a pending TLBI; on_dsb: nothing
// to complete or publish; on_unlock: nothing stale to judge).
void TlbPass::fold_quiet(uint64_t events, uint64_t tlbis) {
  ++sections_;
  tlbis_ += tlbis;
  events_ += events;
}

void TlbPass::on_lock(const Event& e) { threads_[e.tid].sections.emplace_back(e.address, ++sections_); }

// The tid's innermost section of the lock closes; the deadline judges what it made stale (and
// what other sections that closed before made stale), not what sections still open did.
void TlbPass::on_unlock(const Event& e) {
  std::vector<std::pair<uint64_t, uint64_t>>& held = threads_[e.tid].sections;
  const auto it = std::find_if(held.rbegin(), held.rend(), [&](const auto& s) { return s.first == e.address; });
  if (it != held.rend()) held.erase(std::next(it).base());
  if (options_.deadline == Deadline::kUnlock && stale_entries_ != 0) deadline(e, &e.address);  // else: none to judge
}

// Has the section that made `se` stale closed (or was there none)?
bool TlbPass::due(const StaleEntry& se) const {
  const auto& held = threads_[se.section_tid].sections;
  return se.section == 0 ||
         std::none_of(held.begin(), held.end(), [&](const auto& s) { return s.second == se.section; });
}

void TlbPass::finish(uint64_t last_line, const NptImage& memory, const armcheck::Roots&) {
  memory_ = &memory;
  Event end;
  end.line = last_line;
  deadline(end, nullptr);
}

// A mem-write's change, if it changes its word: the old value is the caller's (a caller that broke
// after()'s REQUIRES would give none, and the write would read as no change).
void TlbPass::collect_write(const Event& e, const armcheck::EventFacts& facts) {
  changes_.clear();
  const uint64_t w = e.address & ~uint64_t{7};
  const uint64_t old = facts.old_word.value_or(e.value);
  if (old != e.value) changes_.push_back(Change{w, old, e.value});
}

// The words a mem-init or mem-set changes, with their old values (as EventChecker::write_range).
void TlbPass::collect_changes(const Event& e) {
  changes_.clear();
  const uint64_t value = e.kind == EventKind::kMemSet ? e.value : 0;
  if (value != 0 && e.size > armcheck::kMaxNonZeroSet) return;
  armcheck::for_each_changed_word(*memory_, e, value,
                                  [&](uint64_t word, uint64_t old) { changes_.push_back(Change{word, old, value}); });
}

// A write: its old values stay visible until the writer's DSB; what a walk could read through them
// at each position of the word becomes explicit stale entries; the new values may conflict.
void TlbPass::on_writes(const Event& e) {
  Thread& t = threads_[e.tid];
  bool valid_old = false;
  for (const Change& ch : changes_) {
    if ((ch.old & 1) == 0) continue;
    olds_[ch.word].push_back(ch.old);
    t.writes.emplace_back(ch.word, ch.old);
    valid_old = true;
  }
  event_olds_ = EventOlds(changes_);
  if (valid_old || stale_entries_ > 0 || !olds_.empty()) {
    for (const Change& ch : changes_) {
      if ((ch.old & 1) == 0) continue;
      positions(ch.word, positions_, true);
      for (const Position& p : positions_) kill(p, ch, e);
    }
    if (!olds_.empty()) {  // a new link reaches words whose old values are still visible
      for (const Change& ch : changes_) {
        if ((ch.now & 3) != 3) continue;
        positions(ch.word, positions_);
        for (const Position& p : positions_) link(p, ch, e);
      }
    }
    conflict_.reset();
    for (const Change& ch : changes_) {
      if ((ch.now & 1) == 0) continue;
      positions(ch.word, positions_);
      for (const Position& p : positions_) conflicts(p, ch);
    }
    if (conflict_) {
      conflict_->line = e.line;
      conflict_->src = e.src;
      add(std::move(*conflict_));
    }
  }
  for (const Change& ch : changes_) {
    if ((ch.now & 3) == 3) relinked(ch, e);
  }
  if (stale_entries_ != 0) restamp(e);
  event_olds_ = EventOlds();
  if (std::any_of(changes_.begin(), changes_.end(), [](const Change& ch) { return (ch.now & 1) != 0; })) rescue();
}

// A write in a critical section that changes a word the walk of a stale leaf's IA read from the
// root before it: what memory gives that IA is being changed by this section (a break-before-make
// of the table above it, say), so a leaf made stale by a section that has closed is judged from
// this section's unlock on, as its own writes are. Judged at another thread's unlock in between,
// a leaf left stale but harmless by a local TLBI (a permission relaxed) read as a stale mapping
// while the break that unmapped it had its TLBI still to come. REQUIRES: a stale entry is held.
void TlbPass::restamp(const Event& e) {
  const std::vector<std::pair<uint64_t, uint64_t>>& held = threads_[e.tid].sections;
  if (held.empty()) return;
  std::vector<Position> from_root;
  for (const Change& ch : changes_) {
    positions(ch.word, positions_, true);
    std::copy_if(positions_.begin(), positions_.end(), std::back_inserter(from_root),
                 [](const Position& p) { return p.from_root; });
  }
  for (const Position& p : from_root) {
    Context& c = ctxs_[p.ctx];
    const uint64_t end = p.ia + c.size(p.level);
    // What the held stale Walks lead to is made explicit at deadlines; the leaves under them whose
    // walk this write changed must be explicit now, to take this section.
    if (!c.walks.empty()) expand_held_walks(c, e, p.ia, end);
    for (auto it = c.stale.lower_bound(EntryKey{p.ia, std::numeric_limits<int>::min(), EntryKind::kWalk, 0});
         it != c.stale.end() && it->first.ia < end; ++it) {
      if (it->first.kind != EntryKind::kLeaf || !due(it->second)) continue;
      it->second.section_tid = e.tid;
      it->second.section = held.back().second;
    }
  }
}

// `before`: the positions the word had before the current event (the chain's table descriptors
// read with their values before it).
void TlbPass::positions(uint64_t word, std::vector<Position>& out, bool before) const {
  out.clear();
  if (out_of_reach(word, kMaxLevels)) return;
  Chain chain{word};
  ascend(chain, out, before, kMaxLevels);
}

// The positions at which the word may be read as a table descriptor (not at its context's last
// level), and perhaps some others: a walk reads a table descriptor within kMaxLevels - 1 words of
// its start, so the climb stops one word short of positions().
void TlbPass::table_positions(uint64_t word, std::vector<Position>& out) const {
  out.clear();
  if (out_of_reach(word, kMaxLevels - 1)) return;
  Chain chain{word};
  ascend(chain, out, false, kMaxLevels - 1);
}

// Would ascend() find no position for `word` within chains of `longest` words? It would when no
// stale Walk is held (the only other starts of a chain) and the checker's climb from the word's
// page, through the same referrers, found no live root within longest - 1 tables above it
// (EventFacts): every context in live_ is a registered root of the checker's Roots::live. A trace
// of two VMs writes most words at a leaf page three tables below its root, which relinked() would
// otherwise climb for each write of a value ending in 0b11 (a page descriptor looks like a table
// descriptor).
bool TlbPass::out_of_reach(uint64_t word, size_t longest) const {
  return stale_entries_ == 0 && word == fact_word_ && static_cast<size_t>(fact_distance_) >= longest;
}

// chain[0] is the word, chain[k] a table descriptor pointing at chain[k-1]'s page. Each live root
// at the top page, and each held stale Walk pointing at it, gives a position.
void TlbPass::ascend(Chain& chain, std::vector<Position>& out, bool before, size_t longest) const {
  const uint64_t page = chain.back() & ~(kPage - 1);
  if (const auto it = live_.find(page); it != live_.end()) {
    const Context& c = ctxs_[it->second];
    chain_position(c, it->second, c.top_level(), 0, nullptr, chain, out, before);
  }
  if (stale_entries_ > 0) {
    const Walker w = walker();
    for (size_t ci = 0; ci < ctxs_.size(); ++ci) {
      const Context& c = ctxs_[ci];
      if (c.dormant) continue;
      for (const EntryKey& key : c.walks) {
        const StaleEntry& se = c.stale.at(key);
        if (se.holders[0] == 0 || c.g.table_address(key.desc) != page) continue;
        if (!w.live(c, key)) chain_position(c, ci, key.level + 1, key.ia, &se, chain, out, before);
      }
    }
  }
  if (chain.size() >= longest) return;
  for (const uint64_t r : memory_->referrers(1, page)) {  // a word may repeat: a table may point to itself
    chain.push_back(r);
    ascend(chain, out, before, longest);
    chain.pop_back();
  }
}

// The position of chain[0] when chain.back()'s page is read at Arm level `top` for the range
// starting at `ia` — from the root, or `through` a stale Walk (its holders); false (nothing added)
// when the chain is not a walk of `c`.
bool TlbPass::chain_position(const Context& c, size_t ci, int top, uint64_t ia, const StaleEntry* through,
                             const Chain& chain, std::vector<Position>& out, bool before) const {
  const int depth = static_cast<int>(chain.size()) - 1;
  if (c.walk_level(top + depth) >= c.g.levels) return false;
  uint64_t base = ia;
  for (int k = depth; k >= 0; --k) {
    const int wl = c.walk_level(top + depth - k);
    base += c.g.ipa_of_index(wl, c.g.slot_of(chain[k]));
    if (k == 0) continue;
    const uint64_t* old = before ? event_olds_.find(chain[k]) : nullptr;
    const uint64_t v = old != nullptr ? *old : memory_->read(0, chain[k]);
    if (!c.g.is_table(wl, v) || c.g.table_address(v) != (chain[k - 1] & ~(kPage - 1))) return false;
  }
  out.push_back(Position{ci, top + depth, base, through != nullptr ? through->holders[0] : kEveryClass,
                         through == nullptr, through});
  return true;
}

// What walks could read through `ch.old` at `p` — its entry and, for a table, its old subtree —
// is no longer read through memory: explicit stale entries held by the position's classes.
void TlbPass::kill(const Position& p, const Change& ch, const Event& e) {
  Context& c = ctxs_[p.ctx];
  const Cacheable k = cacheable(c.g, c.walk_level(p.level), ch.old, c.ha, options_.bbm_level);
  if (!k.cached) return;
  materialize(c, EntryKey{p.ia, p.level, k.kind, ch.old}, ch.word, p.holders, p.from_root, e, 0, p.through);
  if (k.kind != EntryKind::kWalk) return;
  std::vector<Walker::Found> below;
  walker().derive(c, p.level + 1, c.g.table_address(ch.old), p.ia, p.ia, p.ia + c.size(p.level), p.from_root,
                  [&](const Walker::Found& f) { below.push_back(f); });
  for (const Walker::Found& f : below) materialize(c, f.key, f.word, p.holders, f.before, e, 0, p.through);
}

// A table value `ch.now` at `p`: what walks through it can read only through old values still
// visible (pending writes below it) is cached but not live: explicit stale entries.
void TlbPass::link(const Position& p, const Change& ch, const Event& e) {
  Context& c = ctxs_[p.ctx];
  if (!c.g.is_table(c.walk_level(p.level), ch.now)) return;
  std::vector<Walker::Found> below;
  walker().derive(c, p.level + 1, c.g.table_address(ch.now), p.ia, p.ia, p.ia + c.size(p.level), false,
                  [&](const Walker::Found& f) { below.push_back(f); });
  for (const Walker::Found& f : below) materialize(c, f.key, f.word, p.holders, false, e, 0, p.through);
}

// Adds `holders` to the stale entry `key` (made at `e`), unless memory gives it now. `reset`: it
// was live before `e`, so any earlier record of it is from a former life and starts over. A new
// record starts with `history` (what happened to the stale Walk it is cached through) and the
// section of the stale Walk it is reached `through` (null: from the root, e's tid's section).
void TlbPass::materialize(Context& c, const EntryKey& key, uint64_t word, CpuMask holders, bool reset,
                          const Event& e, uint8_t history, const StaleEntry* through) {
  if (holders == 0 || walker().live(c, key)) return;
  const CpuMask combined = c.stage == 2 && key.kind == EntryKind::kLeaf ? holders : 0;
  const auto [it, inserted] = c.stale.try_emplace(key);
  StaleEntry& se = it->second;
  if (inserted) {
    ++stale_entries_;
    if (key.kind == EntryKind::kWalk) c.walks.insert(key);
  }
  if (se.touched != events_) se.held_before = inserted ? 0 : se.holders[0];
  se.touched = events_;
  if (inserted || reset) {
    const std::vector<std::pair<uint64_t, uint64_t>>& held = threads_[e.tid].sections;
    se = StaleEntry{++serial_, {holders, combined}, {history, history}, {}, word, e.line, e.src, e.tid, -1, events_,
                    se.held_before};
    se.section_tid = through != nullptr ? through->section_tid : e.tid;
    se.section = through != nullptr ? through->section : held.empty() ? 0 : held.back().second;
    if (through != nullptr && !reset) doom_new(c, key, se, se.holders, *through);
    return;
  }
  const std::array<CpuMask, 2> added{static_cast<CpuMask>(holders & ~se.holders[0]),
                                     static_cast<CpuMask>(combined & ~se.holders[1])};
  se.holders[0] |= holders;
  se.holders[1] |= combined;
  if (through != nullptr && !reset) doom_new(c, key, se, added, *through);
}

// Everything the stale Walk `walk` leads to, made explicit for `holders`.
void TlbPass::expand_walk(Context& c, const EntryKey& walk, CpuMask holders, const Event& e) {
  const auto it = c.stale.find(walk);
  const StaleEntry* through = it == c.stale.end() ? nullptr : &it->second;  // a std::map's: stays valid
  std::vector<Walker::Found> below;
  walker().derive(c, walk.level + 1, c.g.table_address(walk.desc), walk.ia, walk.ia, walk.ia + c.size(walk.level),
                  false, [&](const Walker::Found& f) { below.push_back(f); });
  for (const Walker::Found& f : below) {
    materialize(c, f.key, f.word, holders, false, e, through != nullptr ? through->history[0] : 0, through);
  }
}

void TlbPass::erase(Context& c, std::map<EntryKey, StaleEntry>::iterator it) {
  if (it->first.kind == EntryKind::kWalk) c.walks.erase(it->first);
  c.stale.erase(it);
  --stale_entries_;
}

// --- contexts -----------------------------------------------------------------------------------

void TlbPass::on_sysreg(const Event& e, const armcheck::Roots& roots) {
  Thread& t = threads_[e.tid];
  using armtrace::Sysreg;
  const uint64_t base = armtrace::decode_table_base(e.value).baddr & ~(kPage - 1);
  uint64_t root = 0;  // the root this write may have made live (EventChecker::sysreg)
  switch (e.sysreg) {
    case Sysreg::kVtcrEl2:
      t.vtcr_ha = ((e.value >> 21) & 1) != 0;
      t.vtcr_ds = ((e.value >> 32) & 1) != 0;  // FEAT_LPA2: range TLBIs' BaseADDR is IPA[52:16]
      return;
    case Sysreg::kTcrEl2: t.tcr_ha = ((e.value >> 21) & 1) != 0; return;
    case Sysreg::kVttbrEl2:
      t.vmid = armtrace::decode_table_base(e.value).id;
      root = t.vttbr_root = base;
      break;
    case Sysreg::kTtbr0El2: root = t.ttbr0_root = base; break;
    case Sysreg::kHcrEl2: root = t.vttbr_root; break;
    case Sysreg::kSctlrEl2: root = t.ttbr0_root; break;
    case Sysreg::kMairEl2: return;
  }
  for (const armcheck::Root& r : roots.live()) {
    if (r.registered && r.base == root) bind(r, e);
  }
}

// Root `r` is live with its id: its context (a new one, or a dormant one revived).
void TlbPass::bind(const armcheck::Root& r, const Event& e) {
  if (const auto it = live_.find(r.base); it != live_.end()) {
    Context& c = ctxs_[it->second];
    if (c.stage == r.stage && c.id == r.id) {
      c.g = r.geometry;
      return;
    }
    make_dormant(c);
    live_.erase(it);
  }
  size_t ci = 0;
  while (ci < ctxs_.size() && !(ctxs_[ci].root == r.base && ctxs_[ci].stage == r.stage && ctxs_[ci].id == r.id)) ++ci;
  if (ci == ctxs_.size()) ctxs_.emplace_back();
  Context& c = ctxs_[ci];
  c.root = r.base;
  c.stage = r.stage;
  c.id = r.id;
  c.g = r.geometry;
  c.ha = r.stage == 2 ? threads_[e.tid].vtcr_ha : threads_[e.tid].tcr_ha;
  c.dormant = false;
  c.frozen = 0;
  live_[r.base] = ci;
  vmid_reuse(ci, e);
  if (!olds_.empty()) {  // what its walks read only through old values still visible: cached, not live
    std::vector<Walker::Found> below;
    walker().derive(c, c.top_level(), c.root, 0, 0, ~uint64_t{0}, false,
                    [&](const Walker::Found& f) { below.push_back(f); });
    for (const Walker::Found& f : below) materialize(c, f.key, f.word, kEveryClass, false, e);
  }
  rescue();
}

// No walk starts at `c` any more; what its tree maps may stay cached on every class.
void TlbPass::make_dormant(Context& c) {
  c.dormant = true;
  c.frozen = 0;
  for (uint64_t s = 0; s < c.g.entries_per_table() && c.frozen == 0; ++s) {
    if (cacheable(c.g, 0, memory_->read(0, c.root + 8 * s), c.ha, options_.bbm_level).cached) c.frozen = kEveryClass;
  }
}

void TlbPass::on_hint(const Event& e) {
  const uint64_t page = e.location & ~(kPage - 1);
  if (e.hint_kind == armtrace::HintKind::kSetRootLock) root_lock_[page] = e.value;
  if (e.hint_kind != armtrace::HintKind::kReleaseTable) return;
  if (const auto it = live_.find(page); it != live_.end()) {
    make_dormant(ctxs_[it->second]);
    live_.erase(it);
    return;
  }
  freed(page, page + kPage, e, "release_table");
}

}  // namespace ptx::tlb
