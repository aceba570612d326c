// SPDX-License-Identifier: BSD-2-Clause
#include "pagetable/npt_image.h"

#include <algorithm>
#include <cstring>

namespace ptx {

NptImage::NptImage(const Geometry& g, uint64_t root) : g_(g), root_(g.phys_page(root)), index_(g.page_shift) {}

NptImage::NptImage(const NptImage& other)
    : g_(other.g_),
      root_(other.root_),
      index_(other.index_),
      written_pages_(other.written_pages_),
      owned_pages_(other.written_pages_),
      table_begin_(other.table_begin_),
      table_end_(other.table_end_) {
  const size_t words = g_.page_size() / 8;
  pages_.reserve(other.pages_.size());
  for (const Page& p : other.pages_) {
    Page& copy = pages_.emplace_back(Page{p.key, nullptr, nullptr, p.referrers});
    if (p.entries) {
      copy.owned = std::make_unique<uint64_t[]>(words);
      copy.entries = copy.owned.get();
      std::memcpy(copy.entries, p.entries, words * 8);
    }
  }
}

NptImage& NptImage::operator=(const NptImage& other) {
  if (this != &other) *this = NptImage(other);
  return *this;
}

const uint64_t* NptImage::table(int level, uint64_t page) const {
  const Page* p = find(page_key(level, page));
  return p == nullptr ? nullptr : p->entries;
}

std::span<const uint64_t> NptImage::referrers(int level, uint64_t page) const {
  const Page* p = find(page_key(level, page));
  if (p == nullptr) return {};
  return {p->referrers.data(), p->referrers.size()};
}

size_t NptImage::memory_bytes() const {
  return owned_pages_ * g_.page_size() + pages_.capacity() * sizeof(Page) + index_.memory_bytes();
}

NptImage::Page& NptImage::find_or_add(EntryKey page) {
  if (const uint32_t id = index_.find(page)) return pages_[id - 1];
  pages_.push_back(Page{page, nullptr, nullptr, {}});
  index_.insert(page, static_cast<uint32_t>(pages_.size()));
  return pages_.back();
}

// Does the reverse index link `value`, written at `level`?
bool NptImage::links(int level, uint64_t value) const {
  if (g_.memory != MemoryModel::kFlat) return g_.is_table(level, value);
  const uint64_t table = g_.table_address(value);
  return g_.may_be_table(value) && table >= table_begin_ && table < table_end_;
}

void NptImage::unlink(int level, uint64_t entry, uint64_t value) {
  if (!links(level, value)) return;
  const uint32_t id = index_.find(page_key(level + 1, g_.table_address(value)));
  if (id == 0) return;
  auto& v = pages_[id - 1].referrers;
  v.erase(std::remove(v.begin(), v.end(), entry), v.end());
}

void NptImage::link(int level, uint64_t entry, uint64_t value) {
  if (!links(level, value)) return;
  find_or_add(page_key(level + 1, g_.table_address(value))).referrers.push_back(entry);
}

// Gives a page its entries at its first non-zero write: the backing memory's words when the page
// lies inside it, else a zeroed array of its own.
void NptImage::give_entries(Page& p) {
  const uint64_t page = p.key.entry();
  if (backing_ && backing_.contains(page) && backing_.contains(page + g_.page_size() - 1)) {
    p.entries = backing_.word(page);
  } else {
    p.owned = std::make_unique<uint64_t[]>(g_.page_size() / 8);
    p.entries = p.owned.get();
    ++owned_pages_;
  }
  ++written_pages_;
}

void NptImage::rewind_backing(std::span<const Update> updates) {
  for (auto u = updates.rbegin(); u != updates.rend(); ++u) {
    if (backing_.contains(u->entry) && u->entry % 8 == 0) *backing_.word(u->entry) = u->old_value;
  }
}

void NptImage::replay_backing(std::span<const Update> updates) {
  for (const Update& u : updates) {
    if (backing_.contains(u.entry) && u.entry % 8 == 0) *backing_.word(u.entry) = u.new_value;
  }
}

void NptImage::prefetch_write(int level, uint64_t entry, uint64_t value, int step) const {
  const EntryKey word_page = page_key(level, entry);
  const bool linked = level + 1 < g_.levels && links(level, value);
  const EntryKey target = linked ? page_key(level + 1, g_.table_address(value)) : word_page;
  if (step == 0) {
    if (const uint32_t* slot = index_.window_slot(word_page)) __builtin_prefetch(slot);
    if (const uint32_t* slot = linked ? index_.window_slot(target) : nullptr) __builtin_prefetch(slot);
    return;
  }
  const uint32_t id = index_.find(word_page);
  if (step == 1) {
    if (id != 0) __builtin_prefetch(&pages_[id - 1]);
    if (const uint32_t t = linked ? index_.find(target) : 0) __builtin_prefetch(&pages_[t - 1]);
    return;
  }
  if (id != 0 && pages_[id - 1].entries) __builtin_prefetch(&pages_[id - 1].entries[g_.slot_of(entry)], 1);
}

void NptImage::write(int level, uint64_t entry, uint64_t value) {
  entry &= ~uint64_t{7};
  const EntryKey k = page_key(level, entry);
  uint32_t id = index_.find(k);
  if (id == 0 || !pages_[id - 1].entries) {
    if (value == 0) return;  // absent pages are all zero already
    give_entries(find_or_add(k));
    id = index_.find(k);
  }
  uint64_t& slot = pages_[id - 1].entries[g_.slot_of(entry)];
  if (slot == value) return;
  const uint64_t old = slot;
  slot = value;
  // link/unlink may add a page (pages_ may move), but the entries array stays where it is.
  unlink(level, entry, old);
  link(level, entry, value);
}

}  // namespace ptx
