// SPDX-License-Identifier: BSD-2-Clause
#include "tests/support/random_sections.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "pagetable/constants.h"

namespace ptx::test {

std::string_view case_style_name(CaseStyle s) {
  switch (s) {
    case CaseStyle::kRandom: return "random";
    case CaseStyle::kSetNpt: return "set_npt";
    case CaseStyle::kSetNptBatched: return "set_npt_batched";
    case CaseStyle::kDirtyFreshPage: return "dirty_fresh_page";
    case CaseStyle::kDuplicateWrite: return "duplicate_write";
    case CaseStyle::kBlockTable: return "block_table";
    case CaseStyle::kUnmapRemap: return "unmap_remap";
    case CaseStyle::kRepoint: return "repoint";
    case CaseStyle::kAlias: return "alias";
    case CaseStyle::kCount: break;
  }
  return "?";
}

std::string SectionCase::describe() const {
  const Geometry& g = before.geometry();
  std::string s = fmt::format("style={} seed={} geometry={}x{} root={:#x} n={}\n",
                              case_style_name(style), seed, g.levels, g.bits_per_level,
                              before.root(), updates.size());
  std::vector<std::pair<std::pair<int, uint64_t>, const uint64_t*>> pages;
  before.for_each_page([&](int level, uint64_t page, const uint64_t* e) {
    pages.push_back({{level, page}, e});
  });
  std::sort(pages.begin(), pages.end());
  s += "before (non-zero entries):\n";
  for (const auto& [lp, e] : pages) {
    for (uint64_t i = 0; i < g.page_size() / 8; ++i) {
      if (e[i] != 0) s += fmt::format("  L{} {:#x} = {:#x}\n", lp.first, lp.second + i * 8, e[i]);
    }
  }
  s += "updates (program order):\n";
  for (size_t i = 0; i < updates.size(); ++i) {
    const Update& u = updates[i];
    s += fmt::format("  #{} {} L{} {:#x}: {:#x} -> {:#x}\n", i, update_kind_name(u.kind),
                     level_of_kind(u.kind, g.levels), u.entry, u.old_value, u.new_value);
  }
  return s;
}

namespace {

uint64_t below(std::mt19937_64& rng, uint64_t n) { return n == 0 ? 0 : rng() % n; }
bool chance(std::mt19937_64& rng, int percent) { return static_cast<int>(rng() % 100) < percent; }
template <class T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& v) { return v[below(rng, v.size())]; }

constexpr std::array<uint64_t, 4> kAttrs = {0x0, 0x40, 0x4c0, 0x400};

uint64_t table_descriptor(uint64_t page) { return page | 3; }

// An IPA whose index at each level is drawn from a small set, so that random IPAs share tables.
uint64_t clustered_ipa(const Geometry& g, std::mt19937_64& rng) {
  const uint64_t last = g.entries_per_table() - 1;
  uint64_t ipa = 0;
  for (int level = 0; level < g.levels; ++level) {
    uint64_t idx;
    if (g.bits_per_level <= 2 || chance(rng, 20)) {
      idx = below(rng, g.entries_per_table());
    } else {
      const std::array<uint64_t, 3> common = {0, 1, last};
      idx = common[below(rng, common.size())];
    }
    ipa |= idx << (g.page_shift + (g.leaf_level() - level) * g.bits_per_level);
  }
  return ipa;
}

}  // namespace

uint64_t random_page_descriptor(std::mt19937_64& rng) {
  const uint64_t oa = 0x40000000 + below(rng, 6) * 0x1000;
  const uint64_t low = chance(rng, 90) ? 3 : 1;
  return oa | kAttrs[below(rng, kAttrs.size())] | low;
}

uint64_t random_block_descriptor(const Geometry& g, std::mt19937_64& rng, int level) {
  const uint64_t granule = g.granule_size(level < 0 ? g.block_level() : level);
  uint64_t oa = 0x80000000 + below(rng, 4) * granule;
  if (chance(rng, 10)) oa += g.page_size();  // OA bits below the granule set (RES0 on Arm)
  return oa | kAttrs[below(rng, kAttrs.size())] | 1;
}

bool images_equal(const NptImage& a, const NptImage& b, std::string* diff) {
  const Geometry& g = a.geometry();
  if (!(g == b.geometry()) || a.root() != b.root()) {
    if (diff) *diff = "geometry or root differ";
    return false;
  }
  std::set<std::pair<int, uint64_t>> pages;
  auto collect = [&](int level, uint64_t page, const uint64_t*) { pages.insert({level, page}); };
  a.for_each_page(collect);
  b.for_each_page(collect);
  for (const auto& [level, page] : pages) {
    for (uint64_t i = 0; i < g.page_size() / 8; ++i) {
      const uint64_t e = page + i * 8;
      if (a.read(level, e) != b.read(level, e)) {
        if (diff) {
          *diff = fmt::format("L{} {:#x}: {:#x} vs {:#x}", level, e, a.read(level, e), b.read(level, e));
        }
        return false;
      }
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// SetNptModel

SetNptModel::SetNptModel(const Geometry& g, uint32_t vmid) : image_(g, pool_start(vmid)) {
  // Level-k table pages come from the SeKVM pool of the same kind (aligned at the leaf: level
  // leaf_level()'s tables from the PMD pool [pmd_start, pool_end), the level above from the PUD
  // pool, ...), as in Coq for the 4-level geometry.
  const std::array<uint64_t, 4> starts = {pool_start(vmid), pgd_start(vmid), pud_start(vmid),
                                          pmd_start(vmid)};
  const std::array<uint64_t, 4> ends = {pgd_start(vmid), pud_start(vmid), pmd_start(vmid),
                                        pool_end(vmid)};
  const uint64_t ps = g.page_size();
  for (int level = 1; level < g.levels; ++level) {
    const int kind = static_cast<int>(kind_at_level(level, g.levels));
    next_[level] = (starts[kind] + ps - 1) & ~(ps - 1);
    limit_[level] = ends[kind];
  }
}

void SetNptModel::dirty_next_page(int level, uint64_t index, uint64_t value) {
  image_.write(level, next_[level] + (index % geometry().entries_per_table()) * 8, value);
}

bool SetNptModel::set_npt(uint64_t ipa, int level, uint64_t descriptor, std::vector<Update>* log) {
  const Geometry& g = geometry();
  if (descriptor == 0 || ipa >= g.ipa_limit()) return false;
  if (level != g.block_level() && level != g.leaf_level()) return false;
  if (level == g.block_level() && pmd_table(descriptor) == PMD_TYPE_TABLE) return false;

  // Dry run: find the writes (walk_pgd/walk_pud/walk_pmd with alloc=1, then set_pmd/set_pte),
  // refusing before any write.
  struct Write {
    int level;
    uint64_t entry;
    uint64_t value;
  };
  std::vector<Write> writes;
  uint64_t next[kMaxLevels];
  std::copy(std::begin(next_), std::end(next_), next);
  uint64_t table = image_.root();
  for (int lv = 0; lv < level; ++lv) {
    const uint64_t entry = g.entry_address(table, lv, ipa);
    const uint64_t e = image_.read(lv, entry);
    if (e == 0) {
      const int child = lv + 1;
      if (next[child] + g.page_size() > limit_[child]) return false;  // pool exhausted: halt
      const uint64_t page = next[child];
      next[child] += g.page_size();
      writes.push_back({lv, entry, table_descriptor(page)});
      table = page;
    } else {
      if (!g.is_table(lv, e)) return false;  // a page under an existing block
      table = g.phys_page(e);
    }
  }
  const uint64_t entry = g.entry_address(table, level, ipa);
  if (level == g.block_level() && g.is_table(level, image_.read(level, entry))) return false;
  writes.push_back({level, entry, descriptor});

  std::copy(std::begin(next), std::end(next), next_);
  for (const Write& w : writes) {
    const uint64_t old = image_.read(w.level, w.entry);
    if (log) log->push_back(Update{kind_at_level(w.level, g.levels), w.entry, old, w.value});
    image_.write(w.level, w.entry, w.value);
  }
  return true;
}

namespace {

// One random set_npt call on `ipa`, by default a clustered IPA: mostly a page, else a block.
bool random_set_npt(SetNptModel& m, std::mt19937_64& rng, std::vector<Update>* log,
                    std::optional<uint64_t> at = std::nullopt) {
  const Geometry& g = m.geometry();
  const uint64_t ipa = at ? *at : clustered_ipa(g, rng);
  if (chance(rng, 75)) return m.set_npt(ipa, g.leaf_level(), random_page_descriptor(rng), log);
  return m.set_npt(ipa & ~(g.granule_size(g.block_level()) - 1), g.block_level(),
                   random_block_descriptor(g, rng), log);
}

}  // namespace

SetNptModel make_sekvm_like_state(const Geometry& g, uint64_t seed, int maps) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + 17);
  SetNptModel m(g);
  for (int i = 0; i < maps; ++i) random_set_npt(m, rng, nullptr);
  return m;
}

namespace {

// Sections of set_npt calls with at most `n` updates in total: `ops` calls when they fit, the
// first ones (while they fit) at `first`.
std::vector<Update> set_npt_section(SetNptModel& m, std::mt19937_64& rng, size_t n, int ops,
                                    std::optional<uint64_t> first = std::nullopt) {
  std::vector<Update> updates;
  for (int attempt = 0; attempt < 40 && ops > 0; ++attempt) {
    SetNptModel trial = m;
    std::vector<Update> log;
    if (!random_set_npt(trial, rng, &log, attempt < 4 ? first : std::nullopt)) continue;
    if (updates.size() + log.size() > n) continue;
    m = std::move(trial);
    updates.insert(updates.end(), log.begin(), log.end());
    --ops;
  }
  return updates;
}

// ---------------------------------------------------------------------------------------------
// Free-form images and writes.

class FreeForm {
 public:
  FreeForm(const Geometry& g, uint64_t seed)
      : g_(g), rng_(seed * 0xD1B54A32D192ED03ULL + 5), before_(g, kTestRoot), work_(g, kTestRoot) {}

  // A random image: a tree from the root with shared subtables, blocks, and a few stale
  // unreachable pages.
  void build_image() {
    budget_ = g_.bits_per_level >= 3 ? 12 : 9;
    density_ = g_.bits_per_level >= 3 ? 30 : 45;
    fill(0, g_.phys_page(kTestRoot));
    if (before_.table(0, g_.phys_page(kTestRoot)) == nullptr) {  // at least one mapping
      write_before(0, g_.entry_address(g_.phys_page(kTestRoot), 0, clustered_ipa(g_, rng_)),
                   random_value(0));
    }
    const int stale = static_cast<int>(below(rng_, 3));
    for (int i = 0; i < stale; ++i) {
      const int level = 1 + static_cast<int>(below(rng_, g_.leaf_level()));
      const uint64_t p = fresh_page();
      pages_[level].push_back(p);
      dirty(level, p);
    }
  }

  // Appends one write chosen for `style`.
  void add_update(CaseStyle style) {
    const size_t i = updates_.size();
    // Opening moves of the adversarial styles.
    if (i == 0 || chance(rng_, 25)) {
      if (style == CaseStyle::kBlockTable && block_table_change()) return;
      if (style == CaseStyle::kRepoint && repoint()) return;
      if (style == CaseStyle::kAlias && alias()) return;
    }
    int level;
    uint64_t entry;
    pick_entry(style, &level, &entry);
    write(level, entry, pick_value(style, level, entry));
  }

  SectionCase take(CaseStyle style, uint64_t seed) {
    return SectionCase{std::move(before_), std::move(updates_), style, seed};
  }

 private:
  uint64_t fresh_page() {
    const uint64_t p = next_fresh_;
    next_fresh_ += g_.page_size();
    return p;
  }

  // Writes into the before-state (and the working state, which starts equal to it).
  void write_before(int level, uint64_t entry, uint64_t value) {
    before_.write(level, entry, value);
    work_.write(level, entry, value);
  }

  // Stale entries in a page (before and work alike; the page must be untouched by the section).
  void dirty(int level, uint64_t page) {
    const uint64_t n = 1 + below(rng_, std::min<uint64_t>(3, g_.entries_per_table()));
    for (uint64_t k = 0; k < n; ++k) {
      const uint64_t e = page + below(rng_, g_.entries_per_table()) * 8;
      const uint64_t v = level == g_.leaf_level() ? random_page_descriptor(rng_)
                         : block_capable(level)   ? (chance(rng_, 50) ? random_block_descriptor(g_, rng_, level)
                                                                      : existing_or_new_table(level))
                                                  : existing_or_new_table(level);
      write_before(level, e, v);
    }
  }

  // A pointer to a table page for an entry at `level`: an existing page of level+1 when there is
  // one (and by chance), else a new page (filled while budget lasts, else left empty/stale).
  uint64_t existing_or_new_table(int level) {
    const int child = level + 1;
    if (arm_ && chance(rng_, 12)) {  // a flat memory: a page also read at another level
      const int other = 1 + static_cast<int>(below(rng_, g_.leaf_level()));
      if (!pages_[other].empty()) return table_descriptor(pick(rng_, pages_[other]));
    }
    if (!pages_[child].empty() && (budget_ <= 0 || chance(rng_, 25))) {
      return table_descriptor(pick(rng_, pages_[child]));
    }
    const uint64_t p = fresh_page();
    pages_[child].push_back(p);
    if (budget_ > 0) {
      --budget_;
      fill(child, p);
    }
    return table_descriptor(p);
  }

  // Can an entry at `level` be a block? (SeKVM: the block level; Arm: Arm levels 1 and 2.)
  bool block_capable(int level) const {
    return level < g_.leaf_level() && g_.classify(level, 0x1) == EntryType::kBlock;
  }

  // Arm only: an invalid entry that keeps the bits of a table or block (bit 0 cleared), which
  // the walk must treat as invalid whatever its other bits.
  uint64_t stale_invalid(int level) {
    const uint64_t v = level < g_.leaf_level() && !pages_[level + 1].empty() && chance(rng_, 60)
                           ? table_descriptor(pick(rng_, pages_[level + 1]))
                           : random_page_descriptor(rng_);
    return v & ~uint64_t{1};
  }

  // A value of the image at `level` (building phase).
  uint64_t random_value(int level) {
    if (arm_ && chance(rng_, 8)) return stale_invalid(level);
    if (level == g_.leaf_level()) return random_page_descriptor(rng_);
    if (block_capable(level) && chance(rng_, 40)) return random_block_descriptor(g_, rng_, level);
    return existing_or_new_table(level);
  }

  void fill(int level, uint64_t page) {
    for (uint64_t i = 0; i < g_.entries_per_table(); ++i) {
      if (chance(rng_, density_)) write_before(level, page + i * 8, random_value(level));
    }
  }

  // The section's write, with a consistent old value.
  void write(int level, uint64_t entry, uint64_t value) {
    const uint64_t old = work_.read(level, entry);
    updates_.push_back(Update{kind_at_level(level, g_.levels), entry, old, value});
    work_.write(level, entry, value);
    written_.push_back({level, entry});
    if (g_.is_table(level, value)) linked_.push_back({level + 1, g_.phys_page(value)});
  }

  // A new table page linked in this section: fresh, and dirty (stale entries) by chance.
  uint64_t new_section_table(int level, int dirty_percent) {
    const uint64_t p = fresh_page();
    pages_[level + 1].push_back(p);
    if (chance(rng_, dirty_percent)) dirty(level + 1, p);
    return table_descriptor(p);
  }

  // The walk path of a random IPA in the current state (work).
  WalkResult random_walk() { return work_.walk(clustered_ipa(g_, rng_)); }

  void pick_entry(CaseStyle style, int* level, uint64_t* entry) {
    int w_path = 40, w_dup = 15, w_linked = 20;  // the rest: a random entry of a known page
    if (style == CaseStyle::kDuplicateWrite || style == CaseStyle::kUnmapRemap) w_dup = 45;
    if (style == CaseStyle::kBlockTable || style == CaseStyle::kAlias) w_linked = 35;
    const int r = static_cast<int>(below(rng_, 100));
    if (r < w_dup && !written_.empty()) {
      std::tie(*level, *entry) = pick(rng_, written_);
      return;
    }
    if (r < w_dup + w_linked && !linked_.empty()) {
      const auto [lv, page] = pick(rng_, linked_);
      if (lv < g_.levels) {
        *level = lv;
        *entry = page + below(rng_, g_.entries_per_table()) * 8;
        return;
      }
    }
    if (r < w_dup + w_linked + w_path) {
      const WalkResult w = random_walk();
      const int k = static_cast<int>(below(rng_, w.steps));
      *level = k;
      *entry = w.path[k].entry;
      return;
    }
    const int lv = static_cast<int>(below(rng_, g_.levels));
    const uint64_t page = lv == 0 || pages_[lv].empty() ? g_.phys_page(kTestRoot) : pick(rng_, pages_[lv]);
    *level = lv == 0 || pages_[lv].empty() ? 0 : lv;
    *entry = page + below(rng_, g_.entries_per_table()) * 8;
  }

  uint64_t pick_value(CaseStyle style, int level, uint64_t entry) {
    const uint64_t cur = work_.read(level, entry);
    int w_zero = 15, w_fresh = 20, w_existing = 15, w_same = 4;  // the rest: a descriptor
    if (style == CaseStyle::kUnmapRemap) w_zero = cur != 0 ? 45 : 10;
    if (style == CaseStyle::kRepoint) w_existing = 40;
    const int r = static_cast<int>(below(rng_, 100));
    if (r < w_same) return cur;
    if (r < w_same + w_zero) return arm_ && chance(rng_, 40) ? stale_invalid(level) : 0;
    if (level == g_.leaf_level()) return random_page_descriptor(rng_);
    if (r < w_same + w_zero + w_fresh) return new_section_table(level, 40);
    if (r < w_same + w_zero + w_fresh + w_existing && !pages_[level + 1].empty()) {
      return table_descriptor(pick(rng_, pages_[level + 1]));
    }
    if (block_capable(level) && (level == g_.block_level() || chance(rng_, 50))) {
      return random_block_descriptor(g_, rng_, level);
    }
    // Above the block level any non-zero value is followed as a table (SeKVM), and any 0b11
    // (Arm): sometimes a value that names no table page at all (a leaf-like descriptor).
    if (chance(rng_, 15)) return random_page_descriptor(rng_);
    return pages_[level + 1].empty() ? new_section_table(level, 40)
                                     : table_descriptor(pick(rng_, pages_[level + 1]));
  }

  // Block <-> table at a block-capable level on the path of a random IPA.
  bool block_table_change() {
    int bl = g_.block_level();
    if (arm_ && block_capable(bl - 1) && chance(rng_, 50)) --bl;  // Arm: also 1 GiB-style blocks
    for (int attempt = 0; attempt < 8; ++attempt) {
      const WalkResult w = random_walk();
      if (w.steps <= bl) continue;
      const uint64_t entry = w.path[bl].entry;
      const uint64_t cur = w.path[bl].value;
      if (g_.is_table(bl, cur)) {
        write(bl, entry, random_block_descriptor(g_, rng_, bl));  // collapse
      } else {
        // split (cur is a block) or a fresh table under an unmapped entry: new (maybe dirty)
        // or existing table
        uint64_t v = chance(rng_, 70) || pages_[bl + 1].empty() ? new_section_table(bl, 30)
                                                                : table_descriptor(pick(rng_, pages_[bl + 1]));
        write(bl, entry, v);
      }
      return true;
    }
    return false;
  }

  // A table entry re-pointed to another existing table of the same level.
  bool repoint() {
    for (int attempt = 0; attempt < 8; ++attempt) {
      const WalkResult w = random_walk();
      const int k = static_cast<int>(below(rng_, w.steps));
      const uint64_t cur = w.path[k].value;
      if (!g_.is_table(k, cur) || pages_[k + 1].size() < 2) continue;
      const std::vector<uint64_t>& candidates = pages_[k + 1];
      const size_t at = below(rng_, candidates.size());
      uint64_t target = candidates[at];
      if (target == g_.phys_page(cur)) target = candidates[(at + 1) % candidates.size()];
      write(k, w.path[k].entry, table_descriptor(target));
      return true;
    }
    return false;
  }

  // A second entry pointing at a table some walk reaches (aliasing), then (by later picks from
  // `linked_`) writes into that page.
  bool alias() {
    for (int attempt = 0; attempt < 8; ++attempt) {
      const WalkResult w = random_walk();
      const int k = static_cast<int>(below(rng_, w.steps));
      const uint64_t cur = w.path[k].value;
      if (!g_.is_table(k, cur)) continue;
      // another entry at level k: in the same table at another index, or in another known page
      const uint64_t own = w.path[k].entry;
      const uint64_t page = own & ~(g_.page_size() - 1);
      uint64_t entry = page + below(rng_, g_.entries_per_table()) * 8;
      if (entry == own) entry = page + ((entry - page) / 8 + 1) % g_.entries_per_table() * 8;
      if (k > 0 && !pages_[k].empty() && chance(rng_, 40)) {
        entry = pick(rng_, pages_[k]) + below(rng_, g_.entries_per_table()) * 8;
      }
      write(k, entry, cur | (chance(rng_, 20) ? 0x400 : 0));  // same table, maybe other attrs
      return true;
    }
    return false;
  }

  Geometry g_;
  bool arm_ = g_.rules == DescriptorRules::kArm;
  std::mt19937_64 rng_;
  NptImage before_;
  NptImage work_;
  std::vector<Update> updates_;
  std::vector<std::pair<int, uint64_t>> written_;  // (level, entry) written by the section
  std::vector<std::pair<int, uint64_t>> linked_;   // (level read, page) linked by the section
  std::vector<uint64_t> pages_[kMaxLevels + 1];     // known table pages per level that reads them
  uint64_t next_fresh_ = 0x100000;
  int budget_ = 0;
  int density_ = 40;
};

}  // namespace

SectionCase make_case(const Geometry& g, CaseStyle style, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed * 0xBF58476D1CE4E5B9ULL + static_cast<uint64_t>(style));
  switch (style) {
    case CaseStyle::kSetNpt:
    case CaseStyle::kSetNptBatched:
    case CaseStyle::kDirtyFreshPage: {
      SetNptModel m = make_sekvm_like_state(g, seed, static_cast<int>(below(rng, 7)));
      std::optional<uint64_t> first;
      if (style == CaseStyle::kDirtyFreshPage) {
        // Stale entries in the next fresh page of one or two table levels, mostly at the index
        // the section's first op will use, pointing somewhere (a table, a block or a page).
        first = clustered_ipa(g, rng);
        const int dirty_levels = 1 + static_cast<int>(below(rng, 2));
        for (int d = 0; d < dirty_levels; ++d) {
          const int level = 1 + static_cast<int>(below(rng, g.leaf_level()));
          const uint64_t idx = g.index(level, chance(rng, 75) ? *first : clustered_ipa(g, rng));
          uint64_t v;
          if (level == g.leaf_level()) {
            v = random_page_descriptor(rng);
          } else if (level == g.block_level() && chance(rng, 50)) {
            v = random_block_descriptor(g, rng);
          } else {
            // a table pointer to a page of the next level's pool: maybe allocated, maybe not
            v = table_descriptor(m.next_page(level + 1) + below(rng, 2) * g.page_size() -
                                 (chance(rng, 50) ? g.page_size() : 0));
          }
          m.dirty_next_page(level, idx, v);
        }
      }
      SetNptModel before = m;
      const int ops = style == CaseStyle::kSetNpt ? 1 : 1 + static_cast<int>(below(rng, 3));
      std::vector<Update> updates = set_npt_section(m, rng, n, ops, first);
      return SectionCase{before.image(), std::move(updates), style, seed};
    }
    default: {
      FreeForm f(g, seed ^ (static_cast<uint64_t>(style) << 56));
      f.build_image();
      for (size_t i = 0; i < n; ++i) f.add_update(style);
      return f.take(style, seed);
    }
  }
}

SectionCase random_case(const Geometry& g, uint64_t seed, size_t max_updates) {
  std::mt19937_64 rng(seed * 0x94D049BB133111EBULL + 99);
  const auto style = static_cast<CaseStyle>(below(rng, static_cast<uint64_t>(CaseStyle::kCount)));
  size_t n;
  if (max_updates <= 5 || chance(rng, 85)) {
    n = below(rng, std::min<size_t>(max_updates, 5) + 1);
  } else {
    n = 6 + below(rng, max_updates - 5);
  }
  return make_case(g, style, n, seed);
}

}  // namespace ptx::test
