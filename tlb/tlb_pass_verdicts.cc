// SPDX-License-Identifier: BSD-2-Clause
// TlbPass: the verdicts (TLB-MODEL.md §4): the deadline's stale-mapping / stale-permission /
// stale-benign, tlb-conflict / bbml2-multihit, freed-while-cached, vmid-reuse.
#include <fmt/format.h>

#include "tlb/tlb_pass.h"

namespace ptx::tlb {

using armtrace::Event;

namespace {

constexpr uint64_t kPage = 4096;
constexpr int kWorstRank = 2;  // judge()'s rank of a stale-mapping: nothing worse is reported

std::string classes_text(CpuMask m) {
  if (m == kEveryClass) return "every PE";
  std::string s;
  for (uint32_t t = 0; t <= armtrace::kMaxTid; ++t) {
    if (m & class_of(t)) s += fmt::format("{}{}", s.empty() ? "tid " : ",", t);
  }
  if (m & kTopClass) s += s.empty() ? "every other PE" : " and every other PE";
  return s.empty() ? "no PE" : s;
}

// Why `se` is still held (TLB-MODEL.md §4 `cause`; the order is the header's choice).
Cause cause_of(const StaleEntry& se) {
  const int part = se.holders[0] != 0 ? 0 : 1;
  const uint8_t h = se.history[part];
  if (se.dooms[part] > 0) return Cause::kNotCompleted;
  if (h & kDoomedLocally) return Cause::kLocalTlbi;
  if (part == 1) return (h & kCoveredButVmid) ? Cause::kWrongVmid : Cause::kNoStage1Tlbi;
  if (h & kCoveredBeforeDsb) return Cause::kTlbiBeforeDsb;
  if (h & kCoveredButTtl) return Cause::kTtlMismatch;
  if (h & kCoveredButVmid) return Cause::kWrongVmid;
  return Cause::kNoTlbi;
}

const char* ia_name(const Context& c) { return c.stage == 2 ? "IPA" : "VA"; }

bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size) { return a < b + b_size && b < a + a_size; }

}  // namespace

void TlbPass::add(TlbFinding f) { findings_.push_back(std::move(f)); }

// Judges the held stale leaves of the live contexts the unlock of `*lock` closes (all when null),
// those made stale by sections still open excepted (at the end, every one).
void TlbPass::deadline(const Event& e, const uint64_t* lock) {
  if (stale_entries_ == 0) return;  // every context's stale map is empty
  for (Context& c : ctxs_) {
    if (c.dormant || c.stale.empty()) continue;
    if (lock != nullptr) {
      const auto it = root_lock_.find(c.root);
      if (it != root_lock_.end() && it->second != *lock) continue;
    }
    expand_held_walks(c, e);
    const Walker w = walker();
    for (auto& [key, se] : c.stale) {
      // A leaf already reported as a stale-mapping has nothing worse to report: judge() would return.
      if (key.kind != EntryKind::kLeaf || !se.held() || se.reported >= kWorstRank || w.live(c, key)) continue;
      if (lock == nullptr || due(se)) judge(c, key, se, e.line, e.src);
    }
  }
}

// What the held stale Walks of `c` lead to is cached too: explicit entries (of the Walks whose
// range meets [begin, end), IAs).
void TlbPass::expand_held_walks(Context& c, const Event& e, uint64_t begin, uint64_t end) {
  std::vector<std::pair<EntryKey, CpuMask>> walks;
  const Walker w = walker();
  for (const EntryKey& key : c.walks) {
    if (key.ia >= end || key.ia + c.size(key.level) <= begin) continue;
    const StaleEntry& se = c.stale.at(key);
    if (se.holders[0] != 0 && !w.live(c, key)) walks.emplace_back(key, se.holders[0]);
  }
  for (const auto& [key, holders] : walks) expand_walk(c, key, holders, e);
}

void TlbPass::judge(const Context& c, const EntryKey& key, StaleEntry& se, uint64_t line, const std::string& src) {
  const Walker::Leaf now = walker().leaf_now(c, key.ia);
  const Staleness st = compare_leaf(c.stage, key.desc, key.level, now.desc, now.level, c.size(key.level));
  const int rank = kWorstRank - static_cast<int>(st);
  if (rank <= se.reported) return;
  se.reported = rank;
  const Verdict v = st == Staleness::kMapping      ? Verdict::kStaleMapping
                    : st == Staleness::kPermission ? Verdict::kStalePermission
                                                   : Verdict::kStaleBenign;
  const std::string now_text =
      now.level < 0 ? std::string("unmapped") : fmt::format("{:#x} at level {}", now.desc, now.level);
  add(TlbFinding{v, cause_of(se), "", line, src, c.root, key.ia, key.level,
                 fmt::format("leaf {:#x} at level {} for {} {:#x} (root {:#x}, id {}) went stale at line {} ({}, tid "
                             "{}, word {:#x}) and may still be used by {}{}; memory now: {}",
                             key.desc, key.level, ia_name(c), key.ia, c.root, c.id, se.line, se.src, se.tid, se.word,
                             classes_text(se.holders[0] | se.holders[1]),
                             se.holders[0] == 0 ? " (combined stage 1+2 entry only)" : "", now_text)});
}

// The new value `ch.now` at `p` — its entry and, for a table, what it leads to — against what the
// position's classes may hold: the worst clash goes to conflict_ (reported once per event).
void TlbPass::conflicts(const Position& p, const Change& ch) {
  Context& c = ctxs_[p.ctx];
  if (c.stale.empty()) return;
  const Cacheable k = cacheable(c.g, c.walk_level(p.level), ch.now, c.ha, options_.bbm_level);
  if (!k.cached) return;
  std::vector<Walker::Found> fresh{Walker::Found{EntryKey{p.ia, p.level, k.kind, ch.now}, ch.word, false}};
  if (k.kind == EntryKind::kWalk) {
    walker().derive(c, p.level + 1, c.g.table_address(ch.now), p.ia, p.ia, p.ia + c.size(p.level), false,
                    [&](const Walker::Found& f) { fresh.push_back(f); });
  }
  for (const Walker::Found& f : fresh) {
    const CpuMask holders = new_for(c, f.key, p.holders, p.from_root);
    if (holders != 0) conflict_at(c, f, holders);
  }
}

// The classes of `holders` that did not cache `key` before the current event: not the classes
// holding it as a stale entry, or holding a stale Walk it was reached through before the event; not
// anyone when memory gave it before the event, or gives it now and this position (reached through
// a stale Walk, not `from_root`) is not the root's path.
CpuMask TlbPass::new_for(const Context& c, const EntryKey& key, CpuMask holders, bool from_root) const {
  const Walker w = walker();
  if ((!from_root && w.live(c, key)) || w.live(c, key, true)) return 0;
  const auto before = [&](const StaleEntry& se) { return se.touched == events_ ? se.held_before : se.holders[0]; };
  CpuMask held = 0;
  if (const auto it = c.stale.find(key); it != c.stale.end()) held = before(it->second);
  c.walks_above(key.ia, key.level, [&](const EntryKey& wk) {
    const StaleEntry& ws = c.stale.at(wk);
    if ((before(ws) & ~held) != 0 && w.reaches(c, wk.level + 1, c.g.table_address(wk.desc), key, true)) {
      held |= before(ws);
    }
    return false;
  });
  return static_cast<CpuMask>(holders & ~held);
}

// The entries incompatible with `f` (clash()) that one of `holders` may hold — stale ones, what
// stale Walks they hold lead to, and what a walk from the root reads — into conflict_ when worse.
void TlbPass::conflict_at(const Context& c, const Walker::Found& f, CpuMask holders) {
  const uint64_t size = c.size(f.key.level);
  std::vector<std::pair<EntryKey, CpuMask>> held;
  const Walker w = walker();
  if (!c.dormant) {
    w.derive(c, c.top_level(), c.root, 0, f.key.ia, f.key.ia + size, false,
             [&](const Walker::Found& g) { held.emplace_back(g.key, holders); });
  }
  for (const auto& [key, se] : c.stale) {
    const CpuMask h = static_cast<CpuMask>((se.holders[0] | se.holders[1]) & holders);
    if (h == 0 || !overlaps(key.ia, c.size(key.level), f.key.ia, size)) continue;
    held.emplace_back(key, h);
    // A plain variable, not the structured binding: lambdas may not capture those before C++20's
    // P1091 (clang 14, which builds the fuzz targets).
    const CpuMask walk_holders = static_cast<CpuMask>(se.holders[0] & holders);
    if (key.kind != EntryKind::kWalk || walk_holders == 0) continue;
    w.derive(c, key.level + 1, c.g.table_address(key.desc), key.ia, f.key.ia, f.key.ia + size, false,
             [&](const Walker::Found& g) { held.emplace_back(g.key, walk_holders); });
  }
  for (const auto& [key, h] : held) {
    if (key == f.key) continue;
    const Clash x = clash(CachedView{f.key.kind, f.key.level, f.key.desc, size},
                          CachedView{key.kind, key.level, key.desc, c.size(key.level)});
    if (x == Clash::kNone) continue;
    const Verdict v = x == Clash::kSizeOnly && options_.bbm_level >= 2 ? Verdict::kBbml2Multihit : Verdict::kTlbConflict;
    if (conflict_ && (conflict_->verdict == Verdict::kTlbConflict || v == Verdict::kBbml2Multihit)) continue;
    conflict_ = TlbFinding{v, Cause::kNone, "", 0, "", c.root, f.key.ia, f.key.level,
                           fmt::format("new {} {:#x} at level {} for {} {:#x} (root {:#x}, id {}) while {} may still "
                                       "hold {} {:#x} at level {} for {} {:#x}{}",
                                       enum_name(kEntryKindNames, f.key.kind), f.key.desc, f.key.level, ia_name(c),
                                       f.key.ia, c.root, c.id, classes_text(h), enum_name(kEntryKindNames, key.kind),
                                       key.desc, key.level, ia_name(c), key.ia,
                                       x == Clash::kSizeOnly ? " (a size change)" : "")};
  }
}

// Pages [begin, end) freed (mem-free, release_table): a held Walk of a live context pointing into
// them or a held Leaf mapping them is freed-while-cached; a live table page is "still-linked".
void TlbPass::freed(uint64_t begin, uint64_t end, const Event& e, const char* what) {
  if (end <= begin) return;
  for (Context& c : ctxs_) {
    if (c.dormant) continue;
    expand_held_walks(c, e);
    const Walker w = walker();
    for (const auto& [key, se] : c.stale) {
      if (!se.held() || w.live(c, key)) continue;
      const bool walk = key.kind == EntryKind::kWalk;
      const uint64_t target = walk ? c.g.table_address(key.desc) : leaf_oa(key.desc, c.size(key.level));
      if (!overlaps(target, walk ? kPage : c.size(key.level), begin, end - begin)) continue;
      const uint64_t page = std::max(target, begin & ~(kPage - 1));
      add(TlbFinding{Verdict::kFreedWhileCached, Cause::kNone, still_linked(page) ? "still-linked" : "", e.line,
                     e.src, c.root, key.ia, key.level,
                     fmt::format("{} of {:#x}..{:#x} while {} may still hold the stale {} {:#x} at level {} for {} "
                                 "{:#x} (root {:#x}), which {} it",
                                 what, begin, end, classes_text(se.holders[0] | se.holders[1]),
                                 enum_name(kEntryKindNames, key.kind), key.desc, key.level, ia_name(c), key.ia, c.root,
                                 walk ? "points to" : "maps")});
      return;
    }
  }
  constexpr uint64_t kMaxLinkedScan = uint64_t{64} << 20;
  for (uint64_t p = begin & ~(kPage - 1); p < end && end - begin <= kMaxLinkedScan; p += kPage) {
    if (!still_linked(p)) continue;
    add(TlbFinding{Verdict::kFreedWhileCached, Cause::kNone, "still-linked", e.line, e.src, 0, 0, 0,
                   fmt::format("{} of {:#x}..{:#x}: page {:#x} is still a table of a live root, so every PE may hold "
                               "walk entries pointing to it", what, begin, end, p)});
    return;
  }
}

// Does a walk of a live context read `page` as a table now (through memory or a held stale Walk)?
bool TlbPass::still_linked(uint64_t page) const {
  if (live_.contains(page)) return true;
  std::vector<Position>& at = elsewhere_at_;
  for (const uint64_t r : memory_->referrers(1, page)) {
    table_positions(r, at);
    for (const Position& p : at) {
      if (ctxs_[p.ctx].g.is_table(ctxs_[p.ctx].walk_level(p.level), memory_->read(0, r))) return true;
    }
  }
  return false;
}

// A table link (the written table and the tables below it) of a page that another live context
// may reach as a table — through memory or a stale Walk it holds: freed-while-cached (§3 "Free /
// reuse / owner").
void TlbPass::relinked(const Change& ch, const Event& e) {
  if (live_.size() < 2) return;
  std::vector<Position>& at = relinked_at_;
  table_positions(ch.word, at);
  std::vector<std::pair<size_t, Walker::Found>> walks;  // (context, new Walk)
  for (const Position& p : at) {
    Context& c = ctxs_[p.ctx];
    if (!c.g.is_table(c.walk_level(p.level), ch.now)) continue;
    const EntryKey key{p.ia, p.level, EntryKind::kWalk, ch.now};
    if (new_for(c, key, p.holders, p.from_root) != 0) walks.emplace_back(p.ctx, Walker::Found{key, ch.word, false});
    walker().derive(c, p.level + 1, c.g.table_address(ch.now), p.ia, p.ia, p.ia + c.size(p.level), false,
                    [&](const Walker::Found& f) {
                      if (f.key.kind == EntryKind::kWalk && new_for(c, f.key, p.holders, p.from_root) != 0) {
                        walks.emplace_back(p.ctx, f);
                      }
                    });
  }
  for (const auto& [ci, f] : walks) {
    const Context& c = ctxs_[ci];
    const uint64_t page = c.g.table_address(f.key.desc);
    const std::optional<std::string> other = table_elsewhere(page, ci);
    if (!other) continue;
    add(TlbFinding{Verdict::kFreedWhileCached, Cause::kNone, "still-linked", e.line, e.src, c.root, f.key.ia,
                   f.key.level,
                   fmt::format("page {:#x} becomes a table of root {:#x} (id {}) at {} {:#x} while {}", page, c.root,
                               c.id, ia_name(c), f.key.ia, *other)});
    return;
  }
}

// Does a live context other than `ci` reach `page` as a table (through memory or a held stale
// Walk)? What does, or nullopt.
std::optional<std::string> TlbPass::table_elsewhere(uint64_t page, size_t ci) const {
  std::vector<Position>& at = elsewhere_at_;
  for (const uint64_t r : memory_->referrers(1, page)) {
    table_positions(r, at);
    for (const Position& p : at) {
      const Context& c = ctxs_[p.ctx];
      if (p.ctx == ci || !c.g.is_table(c.walk_level(p.level), memory_->read(0, r))) continue;
      return fmt::format("root {:#x} (id {}) reaches it as a table at {} {:#x}", c.root, c.id, ia_name(c), p.ia);
    }
  }
  for (size_t di = 0; di < ctxs_.size(); ++di) {
    const Context& d = ctxs_[di];
    if (d.dormant || di == ci) continue;
    for (const EntryKey& key : d.walks) {
      const StaleEntry& se = d.stale.at(key);
      if (se.holders[0] != 0 && d.g.table_address(key.desc) == page) {
        return fmt::format("{} may still hold a stale walk entry of root {:#x} (id {}) pointing to it",
                           classes_text(se.holders[0]), d.root, d.id);
      }
    }
  }
  return std::nullopt;
}

// Context `ci` was just bound to its id: another context with that id may still be cached.
void TlbPass::vmid_reuse(size_t ci, const Event& e) {
  const Context& c = ctxs_[ci];
  for (size_t di = 0; di < ctxs_.size(); ++di) {
    const Context& d = ctxs_[di];
    if (di == ci || d.stage != c.stage || d.id != c.id || d.root == c.root) continue;
    size_t held = 0;
    const Walker w = walker();
    for (const auto& [key, se] : d.stale) held += se.held() && (d.dormant || !w.live(d, key)) ? 1 : 0;
    if (held == 0 && (!d.dormant || d.frozen == 0)) continue;
    add(TlbFinding{Verdict::kVmidReuse, Cause::kNone, "", e.line, e.src, c.root, 0, 0,
                   fmt::format("id {} bound to root {:#x} while entries of root {:#x} ({}) with that id may still be "
                               "cached ({} stale entries{})", c.id, c.root, d.root, d.dormant ? "released" : "live",
                               held, d.dormant && d.frozen ? ", and its tree when released" : "")});
    return;
  }
}

}  // namespace ptx::tlb
