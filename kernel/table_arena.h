// SPDX-License-Identifier: BSD-2-Clause
// TableArena: the memory a kernel engine's page tables live in: 4 KiB pages at fixed physical
// addresses [base, base + capacity * 4 KiB), handed out lowest-free-first, so that a run on one
// thread places every table at the same address every time (the trace is then the same on every
// run). Each page carries the reference count the kernel keeps in its struct page (get_page /
// put_page / page_count); at 0 the page is free again.
//
// The memory is reserved, not committed: a VM costs the pages it touches. Small arenas' memory is
// kept for the next arena (zeroed: an arena starts all zeros whatever ran before it). Physical addresses
// outside the arena (guest data pages, which the code only names, for cache maintenance) map to
// one zeroed scratch page, so that even a bug that follows a leaf as a table reads zeros, never
// outside the arena. Thread safety: every member may be called from any thread.
#ifndef PTX_KERNEL_TABLE_ARENA_H_
#define PTX_KERNEL_TABLE_ARENA_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <queue>
#include <vector>

namespace ptx::kernel {

class TableArena {
 public:
  static constexpr uint64_t kPage = 4096;

  // REQUIRES: base 4 KiB-aligned, base + capacity * 4 KiB <= 2^48, capacity >= 1.
  TableArena(uint64_t base, size_t capacity);
  ~TableArena();
  TableArena(const TableArena&) = delete;
  TableArena& operator=(const TableArena&) = delete;

  // A zeroed page with reference count 1, or nullptr when all `capacity` pages are in use.
  void* alloc();
  // Adds `delta` to the count of the page holding `virt` and returns the new count; at 0 the page
  // is free (*freed set). A count that would go below 0, or a pointer outside the arena, returns
  // -1 and changes nothing (the caller reports it).
  int ref(const void* virt, int delta, bool* freed);

  // Quarantine on: a freed page is never handed out again, so that an access through a stale
  // pointer finds it free (live() false) rather than reused.
  void set_quarantine(bool on);
  // Is the page holding `virt` allocated (count > 0)? False outside the arena.
  bool live(const void* virt) const;

  bool contains(const void* virt) const;
  // The physical address of `virt` (any byte of a page). REQUIRES: contains(virt).
  uint64_t phys(const void* virt) const;
  // The page holding `phys`, or the scratch page for an address outside the arena.
  void* virt(uint64_t phys);
  uint64_t base() const { return base_; }
  size_t in_use() const;
  size_t peak() const;

 private:
  uint64_t base_;
  size_t capacity_;
  unsigned char* mem_ = nullptr;
  mutable std::mutex mu_;
  std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<>> free_;  // lowest first
  uint32_t next_ = 0;                                                         // never used yet
  std::vector<int> refs_;
  size_t in_use_ = 0, peak_ = 0;
  bool quarantine_ = false;
  alignas(4096) unsigned char scratch_[kPage] = {};
};

}  // namespace ptx::kernel

#endif  // PTX_KERNEL_TABLE_ARENA_H_
