#include "explorer/address_classes.h"

#include <algorithm>

namespace ptx {

namespace {

uint64_t page_key(int level, uint64_t page) { return page | static_cast<uint64_t>(level); }

}  // namespace

AddressClasses::AddressClasses(const NptImage& before, const EntryHistories& h)
    : before_(before), h_(h), g_(before.geometry()) {
  for (const EntryHistory& e : h_.all()) {
    const uint64_t page = e.entry & ~(g_.page_size() - 1);
    const uint64_t slot = (e.entry & (g_.page_size() - 1)) >> 3;
    if (slot < g_.entries_per_table()) {
      written_[page_key(e.level, page)].push_back(static_cast<uint32_t>(slot));
    }
  }
  // Roots: for every written entry, every before-walk prefix reaching its table; the root of a
  // prefix is cut at the first written entry on it.
  std::vector<std::pair<int, uint64_t>> roots;  // (level of F, IPA bits down to F's index)
  std::vector<uint64_t> pre;
  for (const EntryHistory& w : h_.all()) {
    const uint64_t page = w.entry & ~(g_.page_size() - 1);
    const uint64_t slot = (w.entry & (g_.page_size() - 1)) >> 3;
    if (slot >= g_.entries_per_table()) continue;  // no walk reads it
    pre.clear();
    prefixes(w.level, page, &pre);
    for (uint64_t p : pre) {
      const uint64_t ipa = p | (slot << (g_.page_shift + (g_.leaf_level() - w.level) * g_.bits_per_level));
      // Re-walk the prefix in the before-state to find the first written entry on it.
      uint64_t table = g_.phys_page(before_.root());
      for (int l = 0; l <= w.level; ++l) {
        const uint64_t entry = g_.entry_address(table, l, ipa);
        if (h_.find(l, entry) != nullptr) {
          const uint64_t above = g_.granule_size(l) - 1;  // IPA bits below level l's index
          roots.emplace_back(l, ipa & ~above);
          break;
        }
        table = g_.phys_page(before_.read(l, entry));  // a table by construction of `prefixes`
      }
    }
  }
  std::sort(roots.begin(), roots.end());
  roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
  for (const auto& [level, ipa] : roots) {
    const WalkResult w = before_.walk(ipa);  // reads F at `level`
    const EntryHistory* f = h_.find(level, w.path[level].entry);
    const Pages pages = below(*f);
    if (pages.empty() || level == g_.leaf_level()) {
      reps_.push_back(ipa);
    } else {
      expand(level + 1, ipa, pages);
    }
  }
  std::sort(reps_.begin(), reps_.end());
  reps_.erase(std::unique(reps_.begin(), reps_.end()), reps_.end());
}

void AddressClasses::prefixes(int level, uint64_t page, std::vector<uint64_t>* out) const {
  if (level == 0) {
    if (page == g_.phys_page(before_.root())) out->push_back(0);
    return;
  }
  const int shift = g_.page_shift + (g_.leaf_level() - (level - 1)) * g_.bits_per_level;
  for (uint64_t r : before_.referrers(level, page)) {
    const uint64_t rpage = r & ~(g_.page_size() - 1);
    const uint64_t slot = (r & (g_.page_size() - 1)) >> 3;
    if (slot >= g_.entries_per_table()) continue;
    const size_t first = out->size();
    prefixes(level - 1, rpage, out);
    for (size_t i = first; i < out->size(); ++i) (*out)[i] |= slot << shift;
  }
}

void AddressClasses::relevant(int level, const Pages& pages, Indexes* out, uint32_t* zero_rep) const {
  out->clear();
  const uint64_t n = g_.entries_per_table();
  for (uint64_t page : pages) {
    if (const uint64_t* t = before_.table(level, page)) {
      for (uint32_t i = 0; i < n; ++i) {
        if (t[i] != 0) out->push_back(i);
      }
    }
    auto it = written_.find(page_key(level, page));
    if (it != written_.end()) out->insert(out->end(), it->second.begin(), it->second.end());
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  uint32_t z = 0;
  for (uint32_t i : *out) {
    if (i != z) break;
    ++z;
  }
  *zero_rep = z;  // == n when every index is relevant
}

AddressClasses::Pages AddressClasses::next_pages(int level, const Pages& pages, uint64_t index) const {
  Pages next;
  auto add = [&](uint64_t v) {
    if (!g_.is_table(level, v)) return;
    const uint64_t p = g_.phys_page(v);
    if (std::find(next.begin(), next.end(), p) == next.end()) next.push_back(p);
  };
  for (uint64_t page : pages) {
    const uint64_t entry = page | (index * 8);
    if (const EntryHistory* h = h_.find(level, entry)) {
      for (uint64_t v : h->values) add(v);
    } else {
      add(before_.read(level, entry));
    }
  }
  return next;
}

AddressClasses::Pages AddressClasses::below(const EntryHistory& f) const {
  Pages next;
  for (uint64_t v : f.values) {
    if (!g_.is_table(f.level, v)) continue;
    const uint64_t p = g_.phys_page(v);
    if (std::find(next.begin(), next.end(), p) == next.end()) next.push_back(p);
  }
  return next;
}

void AddressClasses::expand(int level, uint64_t prefix, const Pages& pages) {
  Indexes rel;
  uint32_t zero_rep = 0;
  relevant(level, pages, &rel, &zero_rep);
  if (zero_rep < g_.entries_per_table()) rel.push_back(zero_rep);  // stands for every zero index
  const int shift = g_.page_shift + (g_.leaf_level() - level) * g_.bits_per_level;
  for (uint32_t i : rel) {
    const uint64_t ipa = prefix | (uint64_t{i} << shift);
    if (level == g_.leaf_level()) {
      reps_.push_back(ipa);
      continue;
    }
    const Pages next = next_pages(level, pages, i);
    if (next.empty()) {
      reps_.push_back(ipa);
    } else {
      expand(level + 1, ipa, next);
    }
  }
}

std::optional<uint64_t> AddressClasses::class_of(uint64_t ipa) const {
  // The first written entry F on the before-walk.
  uint64_t table = g_.phys_page(before_.root());
  const EntryHistory* f = nullptr;
  int level = 0;
  for (; level < g_.levels; ++level) {
    const uint64_t entry = g_.entry_address(table, level, ipa);
    f = h_.find(level, entry);
    if (f != nullptr) break;
    const uint64_t v = before_.read(level, entry);
    if (!g_.is_table(level, v)) return std::nullopt;  // the walk ends above every written entry
    table = g_.phys_page(v);
  }
  if (f == nullptr) return std::nullopt;
  uint64_t rep = ipa & ~(g_.granule_size(level) - 1);
  if (level == g_.leaf_level()) return rep;
  Pages pages = below(*f);
  Indexes rel;
  uint32_t zero_rep = 0;
  for (int l = level + 1; l < g_.levels && !pages.empty(); ++l) {
    relevant(l, pages, &rel, &zero_rep);
    uint64_t i = g_.index(l, ipa);
    if (!std::binary_search(rel.begin(), rel.end(), static_cast<uint32_t>(i))) i = zero_rep;
    rep |= i << (g_.page_shift + (g_.leaf_level() - l) * g_.bits_per_level);
    if (l == g_.leaf_level()) break;
    pages = next_pages(l, pages, i);
  }
  return rep;
}

}  // namespace ptx
