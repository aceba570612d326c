// SPDX-License-Identifier: BSD-2-Clause
#include "tests/tlb/brute_tlb.h"

#include <algorithm>

namespace ptx::tlb::testing {

using armtrace::Event;
using armtrace::EventKind;

namespace {
constexpr uint64_t kOa = 0x0000'ffff'ffff'f000;
constexpr int kClasses = 5;
uint64_t bit(uint64_t v, int b) { return (v >> b) & 1; }
// The word of `table` (a level-`level` table, Arm levels 0..3, 4 KiB granule) a walk of `ia` reads.
uint64_t entry_word(uint64_t table, uint64_t ia, int level) { return table + 8 * ((ia >> (39 - 9 * level)) & 511); }
}  // namespace

uint64_t BruteTlb::read(uint64_t w) const {
  const auto it = mem_.find(w);
  return it == mem_.end() ? 0 : it->second;
}

std::vector<uint64_t> BruteTlb::values(uint64_t w, bool memory_only) const {
  std::vector<uint64_t> out{read(w)};
  for (size_t t = 0; t < pending_.size() && !memory_only; ++t) {
    for (const auto& [word, old] : pending_[t]) {
      if (word == w && std::find(out.begin(), out.end(), old) == out.end()) out.push_back(old);
    }
  }
  return out;
}

// Arm levels 0..3 (4 KiB granule, start level 0): bits[1:0] 0b11 is a table above level 3 and a
// page at 3; 0b01 a block at levels 1 and 2.
int BruteTlb::type(int level, uint64_t v) const {
  if (bit(v, 0) == 0) return -1;
  const bool b1 = bit(v, 1) != 0;
  if (level < 3 && b1) return kWalk;
  const bool leaf = level == 3 ? b1 : (level == 1 || level == 2);
  if (!leaf || bit(v, 10) == 0) return -1;
  if (!b1 && o_.bbm_level >= 1 && bit(v, 16) != 0) return -1;
  return kLeaf;
}

void BruteTlb::derive(uint64_t root, int level, uint64_t table, uint64_t ia, bool memory_only, Set& out) const {
  for (uint64_t slot = 0; slot < 4; ++slot) {
    const uint64_t x = ia + slot * size(level);
    for (const uint64_t v : values(table + 8 * slot, memory_only)) {
      const int t = type(level, v);
      if (t < 0) continue;
      out.insert(Entry{root, t, level, x, v});
      if (t == kLeaf) out.insert(Entry{root, kCombined, level, x, v});
      if (t == kWalk) derive(root, level + 1, v & kOa, x, memory_only, out);
    }
  }
}

// What a class caching `from` fills: from the root (when `with_root`), from each Walk in `from`,
// and the Combined twin of each Leaf in `from`.
BruteTlb::Set BruteTlb::fill(uint64_t root, const Set& from, bool with_root) const {
  Set out;
  if (with_root) derive(root, 0, root, 0, false, out);
  for (const Entry& e : from) {
    if (e.root != root) continue;
    if (e.kind == kWalk) derive(root, e.level + 1, e.desc & kOa, e.ia, false, out);
    if (e.kind == kLeaf) out.insert(Entry{root, kCombined, e.level, e.ia, e.desc});
  }
  return out;
}

bool BruteTlb::live(const Entry& e) const {
  Set now;
  derive(e.root, 0, e.root, 0, true, now);
  return now.contains(e);
}

void BruteTlb::refill() {
  for (Set& c : cached_) {
    for (size_t before = c.size() + 1; before != c.size();) {
      before = c.size();
      for (const auto& [root, vmid] : roots_) {
        const Set more = fill(root, c, true);
        c.insert(more.begin(), more.end());
      }
    }
  }
}

bool BruteTlb::covers(const Event& e, uint32_t vmid, const Entry& x) const {
  const auto it = std::find_if(roots_.begin(), roots_.end(), [&](const auto& r) { return r.first == x.root; });
  const bool mine = it != roots_.end() && it->second == vmid;
  using armtrace::TlbiOp;
  switch (e.tlbi_op) {
    case TlbiOp::kVmalls12e1: case TlbiOp::kVmalls12e1is: return mine;
    case TlbiOp::kVmalle1: case TlbiOp::kVmalle1is: return mine && x.kind == kCombined;
    case TlbiOp::kAlle1: case TlbiOp::kAlle1is: return true;
    case TlbiOp::kAlle2: case TlbiOp::kAlle2is: case TlbiOp::kVae2is: case TlbiOp::kVale2is: return false;
    case TlbiOp::kIpas2e1is: case TlbiOp::kIpas2e1: break;
    case TlbiOp::kRipas2e1is: case TlbiOp::kRipas2e1: {  // BaseADDR [36:0], TTL [38:37], NUM [43:39], SCALE [45:44]
      const uint64_t begin = (e.value & ((uint64_t{1} << 37) - 1)) << 12;
      const uint64_t pages = (((e.value >> 39) & 0x1f) + 1) << (5 * ((e.value >> 44) & 3) + 1);
      const uint64_t level = (e.value >> 37) & 3;
      if (!mine || x.kind == kCombined || begin >= x.ia + size(x.level) || x.ia >= begin + pages * 4096) return false;
      if (o_.ttl == TtlMode::kIgnore || level == 0) return true;
      return x.kind == kLeaf && x.level == static_cast<int>(level);
    }
  }
  const uint64_t ipa = (e.value & ((uint64_t{1} << 44) - 1)) << 12;
  const uint64_t ttl = (e.value >> 44) & 0xf;
  if (!mine || x.kind == kCombined || ipa < x.ia || ipa >= x.ia + size(x.level)) return false;
  if (o_.ttl == TtlMode::kIgnore || (ttl & 0xc) != 4) return true;
  return x.kind == kLeaf && x.level == static_cast<int>(ttl & 3);
}

// What a class caching `cached` fills without the entries the TLBI `e` (issued with `vmid`) covers.
BruteTlb::Set BruteTlb::again(const Event& e, uint32_t vmid, const Set& cached) const {
  Set kept, out;
  for (const Entry& x : cached) {
    if (!covers(e, vmid, x)) kept.insert(x);
  }
  for (const auto& [root, id] : roots_) {
    const Set f = fill(root, kept, true);
    out.insert(f.begin(), f.end());
  }
  return out;
}

void BruteTlb::tlbi(const Event& e) {
  const bool local = !armtrace::tlbi_op_info(e.tlbi_op).broadcast;
  Tlbi t{local, {}, e, vmid_[e.tid]};
  for (int p = 0; p < kClasses; ++p) {
    if (local && p != static_cast<int>(e.tid)) continue;
    const Set a = again(e, t.vmid, cached_[p]);
    for (const Entry& x : cached_[p]) {
      if (covers(e, t.vmid, x) && !a.contains(x)) t.doomed[p].insert(x);
    }
  }
  tlbis_[e.tid].push_back(std::move(t));
}

// A doomed entry its class can fill again before the TLBI completes is filled after the TLBI ran:
// the TLBI no longer removes it.
void BruteTlb::rescue() {
  for (std::vector<Tlbi>& ts : tlbis_) {
    for (Tlbi& t : ts) {
      for (int p = 0; p < kClasses; ++p) {
        if (t.doomed[p].empty()) continue;
        const Set a = again(t.op, t.vmid, cached_[p]);
        std::erase_if(t.doomed[p], [&](const Entry& x) { return a.contains(x); });
      }
    }
  }
}

// An entry a class caches anew while a TLBI is pending, that the TLBI covers and the class cannot
// fill without what the TLBI removes from it (from a root, or from the cached entries the TLBI does
// not doom, entries new at this event excepted), was cached after the TLBI ran only through what
// it removes: the TLBI removes it too, wherever it is performed on that class before it completes.
void BruteTlb::doom_new(const std::array<Set, 5>& before) {
  for (std::vector<Tlbi>& ts : tlbis_) {
    for (Tlbi& t : ts) {
      for (int p = 0; p < kClasses; ++p) {
        if (t.local && p != static_cast<int>(t.op.tid)) continue;
        Set fresh;
        for (const Entry& x : cached_[p]) {
          if (!before[p].contains(x) && covers(t.op, t.vmid, x)) fresh.insert(x);
        }
        if (fresh.empty()) continue;
        Set kept, a;  // what the class fills without what the TLBI removes from it
        for (const Entry& x : cached_[p]) {
          if (!fresh.contains(x) && !t.doomed[p].contains(x)) kept.insert(x);
        }
        for (const auto& [root, id] : roots_) {
          const Set f = fill(root, kept, true);
          a.insert(f.begin(), f.end());
        }
        for (const Entry& x : fresh) {
          if (!a.contains(x)) t.doomed[p].insert(x);
        }
      }
    }
  }
}

void BruteTlb::dsb(const Event& e) {
  if (e.barrier != armtrace::BarrierType::kDsb) return;
  const bool completes = e.dsb_kind == armtrace::DsbKind::kIsh || e.dsb_kind == armtrace::DsbKind::kNsh;
  if (completes) {
    std::vector<Tlbi> keep;
    for (Tlbi& t : tlbis_[e.tid]) {
      if (e.dsb_kind == armtrace::DsbKind::kNsh && !t.local) {
        keep.push_back(std::move(t));
        continue;
      }
      for (int p = 0; p < kClasses; ++p) {
        for (const Entry& x : t.doomed[p]) cached_[p].erase(x);
      }
    }
    tlbis_[e.tid] = std::move(keep);
  }
  if (e.dsb_kind == armtrace::DsbKind::kIsh || e.dsb_kind == armtrace::DsbKind::kIshst) pending_[e.tid].clear();
}

void BruteTlb::write(const Event& e) {
  std::vector<std::pair<uint64_t, uint64_t>> words;  // (word, new value)
  if (e.kind == EventKind::kMemWrite) words.emplace_back(e.address & ~uint64_t{7}, e.value);
  if (e.kind == EventKind::kMemInit) {
    for (const auto& [w, v] : mem_) {
      if (w >= e.address && w < e.address + e.size && v != 0) words.emplace_back(w, 0);
    }
  }
  for (const auto& [w, v] : words) {
    if (read(w) == v) continue;
    pending_[e.tid].emplace_back(w, read(w));
    mem_[w] = v;
  }
}

}  // namespace ptx::tlb::testing

namespace ptx::tlb::testing {

void BruteTlb::add(const Event& e) {
  const std::array<Set, 5> before = cached_;
  const Set live_before = live_set();
  // restamp() needs memory before the write: copied only when a stale entry may take its section.
  const bool restamps = (e.kind == EventKind::kMemWrite || e.kind == EventKind::kMemInit) && !since_.empty() &&
                        !sections_[e.tid].empty();
  const std::map<uint64_t, uint64_t> mem_before = restamps ? mem_ : std::map<uint64_t, uint64_t>();
  switch (e.kind) {
    case EventKind::kMemWrite:
    case EventKind::kMemInit: write(e); break;
    case EventKind::kBarrier: dsb(e); break;
    case EventKind::kTlbi: tlbi(e); break;
    case EventKind::kSysregWrite: {
      if (e.sysreg != armtrace::Sysreg::kVttbrEl2) break;
      const uint64_t root = e.value & kOa;
      vmid_[e.tid] = static_cast<uint32_t>(e.value >> 48);
      if (std::none_of(roots_.begin(), roots_.end(), [&](const auto& r) { return r.first == root; })) {
        roots_.emplace_back(root, vmid_[e.tid]);
      }
      break;
    }
    case EventKind::kHint:
      if (e.hint_kind == armtrace::HintKind::kSetRootLock) lock_of_[e.location & kOa] = e.value;
      if (e.hint_kind == armtrace::HintKind::kReleaseTable) freed(e, e.location & kOa, (e.location & kOa) + 4096);
      break;
    case EventKind::kMemFree: freed(e, e.address, e.address + e.size); break;
    case EventKind::kLock:
    case EventKind::kTrylock:
    case EventKind::kReadLock: sections_[e.tid].emplace_back(e.address, ++opened_); break;
    default: break;
  }
  refill();
  doom_new(before);
  rescue();
  if (e.kind == EventKind::kMemWrite || e.kind == EventKind::kMemInit) conflicts(e, before);
  track_stale(e, live_before);
  if (restamps) restamp(e, mem_before);
  if (e.kind == EventKind::kUnlock || e.kind == EventKind::kReadUnlock) {
    auto& held = sections_[e.tid];
    const auto it = std::find_if(held.rbegin(), held.rend(), [&](const auto& x) { return x.first == e.address; });
    if (it != held.rend()) held.erase(std::next(it).base());
    if (o_.deadline == Deadline::kUnlock) deadline(e.line, &e.address);
  }
  forget_reports();
}

// What walks from the roots read through memory.
BruteTlb::Set BruteTlb::live_set() const {
  Set out;
  for (const auto& [root, vmid] : roots_) derive(root, 0, root, 0, true, out);
  return out;
}

// Each cached Leaf or Walk memory does not give: its section, fixed when it first becomes so.
void BruteTlb::track_stale(const Event& e, const Set& live_before) {
  Set now;
  for (const Set& c : cached_) {
    for (const Entry& x : c) {
      if (x.kind != kCombined) now.insert(x);
    }
    for (const Entry& x : c) {
      if (x.kind == kCombined) now.insert(Entry{x.root, kLeaf, x.level, x.ia, x.desc});
    }
  }
  std::erase_if(now, [&](const Entry& x) { return live(x); });
  std::erase_if(since_, [&](const auto& s) { return !now.contains(s.first); });
  const auto& held = sections_[e.tid];
  const std::pair<uint32_t, uint64_t> mine(e.tid, held.empty() ? 0 : held.back().second);
  const std::map<Entry, std::pair<uint32_t, uint64_t>> walks = since_;
  for (const Entry& x : now) {
    if (since_.contains(x)) continue;
    std::pair<uint32_t, uint64_t> section = mine;
    for (const auto& [w, ws] : walks) {
      if (live_before.contains(x)) break;
      Set below;
      if (w.kind == kWalk && w.root == x.root) derive(w.root, w.level + 1, w.desc & kOa, w.ia, false, below);
      if (!below.contains(x)) continue;
      section = ws;
      break;
    }
    since_.emplace(x, section);
  }
}

// Did the event change a word that the walk of `ia` from `root` read in memory `before` it?
bool BruteTlb::walk_changed(uint64_t root, uint64_t ia, const std::map<uint64_t, uint64_t>& before) const {
  uint64_t table = root;
  for (int level = 0; level < 4; ++level) {
    const uint64_t w = entry_word(table, ia, level);
    const auto it = before.find(w);
    const uint64_t v = it == before.end() ? 0 : it->second;
    if (v != read(w)) return true;
    if (level == 3 || (v & 3) != 3) return false;
    table = v & kOa;
  }
  return false;
}

// A write in a section that changes the walk of a stale Leaf's IA: the Leaf, if its own section
// has closed, is judged from this section's unlock on.
// REQUIRES: e's thread holds a section.
void BruteTlb::restamp(const Event& e, const std::map<uint64_t, uint64_t>& before) {
  const auto& held = sections_[e.tid];
  for (auto& [x, section] : since_) {
    if (x.kind == kLeaf && !open(section) && walk_changed(x.root, x.ia, before)) section = {e.tid, held.back().second};
  }
}

bool BruteTlb::open(const std::pair<uint32_t, uint64_t>& section) const {
  const auto& held = sections_[section.first];
  return std::any_of(held.begin(), held.end(), [&](const auto& x) { return x.second == section.second; });
}

void BruteTlb::finish(uint64_t last_line) {
  deadline(last_line, nullptr);
}

int BruteTlb::clash(const Entry& a, const Entry& b) const {
  const bool la = a.kind != kWalk, lb = b.kind != kWalk;
  if (la && lb) {
    if (a.level != b.level) return 2;
    const uint64_t m = kOa & ~(size(a.level) - 1);
    return ((a.desc ^ b.desc) & m) != 0 || ((a.desc ^ b.desc) & 0x33c) != 0 ? 1 : 0;
  }
  if (a.level != b.level) return 0;
  if (la != lb) return 2;
  return ((a.desc ^ b.desc) & kOa) != 0 ? 1 : 0;
}

// New cached entries of this write against the class's other, non-live entries; new Walks to a
// page another root's Walk points to.
void BruteTlb::conflicts(const Event& e, const std::array<Set, 5>& before) {
  int worst = 0;  // 1 conflict, 2 size only, as clash()
  bool relinked = false;
  for (int p = 0; p < kClasses; ++p) {
    for (const Entry& n : cached_[p]) {
      if (before[p].contains(n) || n.kind == kCombined) continue;
      for (const Entry& g : cached_[p]) {
        if (g.root != n.root || g.ia >= n.ia + size(n.level) || n.ia >= g.ia + size(g.level)) continue;
        const Entry gl{g.root, g.kind == kCombined ? int{kLeaf} : g.kind, g.level, g.ia, g.desc};
        if (gl == Entry{n.root, n.kind, n.level, n.ia, n.desc}) continue;
        const int c = clash(n, gl);
        if (c == 1 || (c == 2 && (worst == 0 || o_.bbm_level < 2))) worst = c == 2 && o_.bbm_level >= 2 ? 2 : 1;
      }
      if (n.kind != kWalk || relinked) continue;
      for (const Set& c : cached_) {
        for (const Entry& g : c) {
          if (g.kind == kWalk && g.root != n.root && (g.desc & kOa) == (n.desc & kOa)) relinked = true;
        }
      }
    }
  }
  if (worst != 0) found_.emplace(worst == 2 ? Verdict::kBbml2Multihit : Verdict::kTlbConflict, e.line, 0, 0, 0);
  if (relinked) found_.emplace(Verdict::kFreedWhileCached, e.line, 0, 0, 0);
}

void BruteTlb::freed(const Event& e, uint64_t begin, uint64_t end) {
  for (const Set& c : cached_) {
    for (const Entry& x : c) {
      const uint64_t target = x.kind == kWalk ? x.desc & kOa : x.desc & kOa & ~(size(x.level) - 1);
      const uint64_t span = x.kind == kWalk ? 4096 : size(x.level);
      if (target >= end || begin >= target + span) continue;
      if (x.kind != kWalk && live(Entry{x.root, kLeaf, x.level, x.ia, x.desc})) continue;
      found_.emplace(Verdict::kFreedWhileCached, e.line, 0, 0, 0);
      return;
    }
  }
}

int BruteTlb::judge(const Entry& x) const {
  uint64_t table = x.root;
  for (int level = 0; level < 4; ++level) {
    const uint64_t v = read(entry_word(table, x.ia, level));
    if (bit(v, 0) == 0) return 2;
    if (level < 3 && bit(v, 1)) {
      table = v & kOa;
      continue;
    }
    if (level == 0 || (level == 3 && !bit(v, 1))) return 2;  // invalid encodings
    const uint64_t m = kOa & ~(size(x.level) - 1);
    if (level != x.level || ((v ^ x.desc) & m) != 0 || ((v ^ x.desc) & 0x33c) != 0) return 2;
    const bool more_r = bit(x.desc, 6) && !bit(v, 6), more_w = bit(x.desc, 7) && !bit(v, 7);
    const bool more_x = !bit(x.desc, 54) && bit(v, 54);
    return more_r || more_w || more_x ? 1 : 0;
  }
  return 2;
}

void BruteTlb::deadline(uint64_t line, const uint64_t* lock) {
  for (const auto& [root, vmid] : roots_) {
    const auto l = lock_of_.find(root);
    if (lock != nullptr && l != lock_of_.end() && l->second != *lock) continue;
    std::set<std::tuple<int, uint64_t, uint64_t>> leaves;
    for (const Set& c : cached_) {
      for (const Entry& x : c) {
        if (x.root == root && x.kind != kWalk) leaves.emplace(x.level, x.ia, x.desc);
      }
    }
    for (const auto& [level, ia, desc] : leaves) {
      const Entry x{root, kLeaf, level, ia, desc};
      if (live(x)) continue;
      if (lock != nullptr && open(since_.at(x))) continue;
      const int rank = judge(x);
      const auto [it, inserted] = reported_.try_emplace(std::make_tuple(root, level, ia, desc), -1);
      if (rank <= it->second) continue;
      it->second = rank;
      if (rank > 0) found_.emplace(rank == 2 ? Verdict::kStaleMapping : Verdict::kStalePermission, line, root, ia, level);
    }
  }
}

// A report is forgotten once its entry is no longer cached, or memory gives it again.
void BruteTlb::forget_reports() {
  for (auto it = reported_.begin(); it != reported_.end();) {
    const auto& [root, level, ia, desc] = it->first;
    const Entry leaf{root, kLeaf, level, ia, desc}, twin{root, kCombined, level, ia, desc};
    const bool cached = std::any_of(cached_.begin(), cached_.end(), [&](const Set& c) {
      return c.contains(leaf) || c.contains(twin);
    });
    it = cached && !live(leaf) ? std::next(it) : reported_.erase(it);
  }
}

}  // namespace ptx::tlb::testing
