// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/table_arena.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace ptx::kernel {
namespace {

// Small arenas' memory, kept from one arena to the next: `ptx schedules` makes a VM (and an arena)
// per schedule, and mapping fresh memory each time cost a page fault (zero-fill, cgroup charge)
// for every page a schedule touched, a quarter of its time (bench_schedules). A kept mapping has
// its used pages zeroed before it is handed out again, so an arena always starts all zeros, as a
// fresh mapping does, whatever ran before it.
class MappingCache {
 public:
  static constexpr size_t kMaxPages = 4096;  // arenas up to 16 MiB (schedules'); larger are unmapped
  static constexpr size_t kKept = 8;

  static unsigned char* take(size_t capacity) {
    if (capacity <= kMaxPages) {
      std::lock_guard<std::mutex> l(mu());
      for (size_t i = kept().size(); i-- > 0;) {  // the last kept first: its pages are the warmest
        if (kept()[i].second != capacity) continue;
        unsigned char* mem = kept()[i].first;
        kept().erase(kept().begin() + static_cast<std::ptrdiff_t>(i));
        return mem;
      }
    }
    void* p = mmap(nullptr, capacity * TableArena::kPage, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<unsigned char*>(p);
  }
  // `used`: the pages that may have been written (the arena's high-water mark).
  static void give(unsigned char* mem, size_t capacity, size_t used) {
    if (capacity <= kMaxPages) {
      std::memset(mem, 0, used * TableArena::kPage);
      std::lock_guard<std::mutex> l(mu());
      if (kept().size() < kKept) {
        kept().emplace_back(mem, capacity);
        return;
      }
    }
    munmap(mem, capacity * TableArena::kPage);
  }

 private:
  static std::mutex& mu() {
    static std::mutex m;
    return m;
  }
  static std::vector<std::pair<unsigned char*, size_t>>& kept() {  // never destroyed: arenas outlive statics
    static auto* k = new std::vector<std::pair<unsigned char*, size_t>>();
    return *k;
  }
};

}  // namespace

TableArena::TableArena(uint64_t base, size_t capacity)
    : base_(base), capacity_(capacity), mem_(MappingCache::take(capacity)), refs_(capacity, 0) {}

TableArena::~TableArena() { MappingCache::give(mem_, capacity_, next_); }

void* TableArena::alloc() {
  std::lock_guard<std::mutex> l(mu_);
  uint32_t i;
  if (!free_.empty()) {
    i = free_.top();
    free_.pop();
  } else if (next_ < capacity_) {
    i = next_++;
  } else {
    return nullptr;
  }
  refs_[i] = 1;
  peak_ = std::max(peak_, ++in_use_);
  unsigned char* page = mem_ + uint64_t{i} * kPage;
  std::memset(page, 0, kPage);
  return page;
}

int TableArena::ref(const void* virt, int delta, bool* freed) {
  *freed = false;
  if (!contains(virt)) return -1;
  const size_t i = (static_cast<const unsigned char*>(virt) - mem_) / kPage;
  std::lock_guard<std::mutex> l(mu_);
  if (refs_[i] + delta < 0 || (refs_[i] == 0 && delta != 0)) return -1;
  refs_[i] += delta;
  if (refs_[i] == 0 && delta != 0) {
    if (!quarantine_) free_.push(static_cast<uint32_t>(i));
    --in_use_;
    *freed = true;
  }
  return refs_[i];
}

void TableArena::set_quarantine(bool on) {
  std::lock_guard<std::mutex> l(mu_);
  quarantine_ = on;
}

bool TableArena::live(const void* virt) const {
  if (!contains(virt)) return false;
  const size_t i = (static_cast<const unsigned char*>(virt) - mem_) / kPage;
  std::lock_guard<std::mutex> l(mu_);
  return refs_[i] > 0;
}

bool TableArena::contains(const void* virt) const {
  const auto* p = static_cast<const unsigned char*>(virt);
  return p >= mem_ && p < mem_ + capacity_ * kPage;
}

uint64_t TableArena::phys(const void* virt) const {
  return base_ + static_cast<uint64_t>(static_cast<const unsigned char*>(virt) - mem_);
}

void* TableArena::virt(uint64_t phys) {
  if (phys < base_ || phys - base_ >= capacity_ * kPage) return scratch_;
  return mem_ + (phys - base_);
}

size_t TableArena::in_use() const {
  std::lock_guard<std::mutex> l(mu_);
  return in_use_;
}

size_t TableArena::peak() const {
  std::lock_guard<std::mutex> l(mu_);
  return peak_;
}

}  // namespace ptx::kernel
