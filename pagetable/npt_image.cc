#include "pagetable/npt_image.h"

#include <algorithm>
#include <cstring>

namespace ptx {

NptImage::NptImage(const Geometry& g, uint64_t root) : g_(g), root_(g.phys_page(root)) {}

NptImage::NptImage(const NptImage& other)
    : g_(other.g_), root_(other.root_), referrers_(other.referrers_) {
  const size_t words = g_.page_size() / 8;
  pages_.reserve(other.pages_.size());
  for (const auto& [k, p] : other.pages_) {
    auto copy = std::make_unique<uint64_t[]>(words);
    std::memcpy(copy.get(), p.get(), words * 8);
    pages_.emplace(k, std::move(copy));
  }
}

NptImage& NptImage::operator=(const NptImage& other) {
  if (this != &other) *this = NptImage(other);
  return *this;
}

uint64_t NptImage::read(int level, uint64_t entry) const {
  auto it = pages_.find(page_key(level, entry));
  return it == pages_.end() ? 0 : it->second[g_.slot_of(entry)];
}

const uint64_t* NptImage::table(int level, uint64_t page) const {
  auto it = pages_.find(page_key(level, page));
  return it == pages_.end() ? nullptr : it->second.get();
}

std::span<const uint64_t> NptImage::referrers(int level, uint64_t page) const {
  auto it = referrers_.find(page_key(level, page));
  if (it == referrers_.end()) return {};
  return {it->second.data(), it->second.size()};
}

// Does the reverse index link `value`, written at `level`?
bool NptImage::links(int level, uint64_t value) const {
  return g_.memory == MemoryModel::kFlat ? g_.may_be_table(value) : g_.is_table(level, value);
}

void NptImage::unlink(int level, uint64_t entry, uint64_t value) {
  if (!links(level, value)) return;
  auto it = referrers_.find(page_key(level + 1, g_.table_address(value)));
  if (it == referrers_.end()) return;
  auto& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), entry), v.end());
  if (v.empty()) referrers_.erase(it);
}

void NptImage::link(int level, uint64_t entry, uint64_t value) {
  if (!links(level, value)) return;
  referrers_[page_key(level + 1, g_.table_address(value))].push_back(entry);
}

void NptImage::write(int level, uint64_t entry, uint64_t value) {
  entry &= ~uint64_t{7};
  const EntryKey k = page_key(level, entry);
  auto it = pages_.find(k);
  if (it == pages_.end()) {
    if (value == 0) return;  // absent pages are all zero already
    it = pages_.emplace(k, std::make_unique<uint64_t[]>(g_.page_size() / 8)).first;
  }
  uint64_t& slot = it->second[g_.slot_of(entry)];
  if (slot == value) return;
  unlink(level, entry, slot);
  slot = value;
  link(level, entry, value);
}

}  // namespace ptx
