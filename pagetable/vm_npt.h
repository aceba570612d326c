// SPDX-License-Identifier: BSD-2-Clause
// VmNpt: everything the engine keeps for one VM (SPEC §2, §4): its 32 MiB page-table pool, the
// bump pointers `pt_pgd_next`/`pt_pud_next`/`pt_pmd_next`, the parent records `pt_pgd_par`/
// `pt_pud_par`/`pt_pmd_par`, `tstate`, the open critical section's `pt_updates`, and the lock
// NPT_ID + vmid.
//
// Memory: the pool [pool_start, pool_end) is one anonymous MAP_NORESERVE mapping, committed
// lazily (untouched pages cost no RSS, so 17 VMs cost what they use), read and written as
// std::atomic<uint64_t> through std::atomic_ref: stores are releases, loads acquires (see
// engine.h for why that is the right order). Everything else is guarded by the VM's lock and
// touched only by the thread holding it (Stage2Engine enforces that), except `owner`, which any
// thread may read to ask "do I hold it?".
#ifndef PTX_PAGETABLE_VM_NPT_H_
#define PTX_PAGETABLE_VM_NPT_H_

#include <atomic>
#include <bitset>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "pagetable/constants.h"
#include "pagetable/pool_memory.h"
#include "pagetable/pool_reader.h"
#include "pagetable/section.h"

namespace ptx {

class VmNpt {
 public:
  static constexpr uint64_t kPoolPages = PT_POOL_PER_VM / PAGE_SIZE;

  // Maps the pool. Throws std::bad_alloc when the address space cannot be reserved.
  explicit VmNpt(uint32_t vmid);
  ~VmNpt();
  VmNpt(const VmNpt&) = delete;
  VmNpt& operator=(const VmNpt&) = delete;

  uint32_t vmid() const { return vmid_; }

  // --- memory (any thread) ---------------------------------------------------------------
  // The word at byte address `addr`. REQUIRES: pool_start <= addr < pool_end, 8-byte aligned.
  uint64_t load(uint64_t addr) const {
    return std::atomic_ref<uint64_t>(mem_[word(addr)]).load(std::memory_order_acquire);
  }
  // Is `addr` inside the pool the walk reads at `level`? (level_pool_lo/hi)
  bool in_pool(int level, uint64_t addr) const {
    return addr >= level_pool_lo(vmid_, level) && addr < level_pool_hi(vmid_, level);
  }
  // Coq pool read: the entry at `addr` of the pool the walk reads at `level`, 0 outside it.
  uint64_t read(int level, uint64_t addr) const { return in_pool(level, addr) ? load(addr) : 0; }

  // The same reads, for lock-free walkers (pool_reader.h).
  PoolReader reader() const { return PoolReader(mem_, vmid_); }
  // The pool's words, lent (Stage2Engine::pool_memory).
  PoolMemory memory() const { return PoolMemory{pool_start(vmid_), pool_end(vmid_), mem_}; }

  // --- state guarded by the lock (the holder only) ----------------------------------------
  // Publishes `value` at `addr` (release) and notes the page as written.
  void store(uint64_t addr, uint64_t value) {
    written_.set(page_index(addr & ~(PAGE_SIZE - 1)));
    std::atomic_ref<uint64_t>(mem_[word(addr)]).store(value, std::memory_order_release);
  }
  // Index of a pool page (by its byte address) in [0, kPoolPages).
  uint64_t page_index(uint64_t page) const { return (page - pool_start(vmid_)) / PAGE_SIZE; }
  // Has any store touched the page? (Never-written pages are zero by mmap.)
  bool page_written(uint64_t page) const { return written_.test(page_index(page)); }
  // Bytes of the pool resident in RAM (mincore: pages the kernel has committed, which a store
  // commits), plus the parent records: the memory the VM's page tables cost.
  uint64_t resident_bytes() const;

  // Bump pointer of the pool of level-`level` tables (1: pt_pgd_next, 2: pt_pud_next,
  // 3: pt_pmd_next). REQUIRES: 1 <= level <= 3.
  uint64_t next(int level) const { return next_[level]; }
  void set_next(int level, uint64_t page) { next_[level] = page; }
  // Parent entry recorded for the pool page at byte address `page` (0: none).
  uint64_t parent(uint64_t page) const { return par_[page_index(page)]; }
  void set_parent(uint64_t page, uint64_t entry) { par_[page_index(page)] = entry; }

  int tstate = 0;          // 1 once the open section made its leaf op
  Section open;            // the open section: ops, pt_updates (program order) and barriers
  // What the open section removed or replaced and has not flushed yet (Stage2Engine::flush): the
  // IPA and leaf level of each, `range` for the PTEs of a whole level-3 table.
  struct Unflushed {
    uint64_t ipa;
    int level;
    bool range;
  };
  std::vector<Unflushed> unflushed;
  uint64_t completed = 0;  // sections completed so far
  // `completed`, published after each section's writes (release) for lock-free readers: a walker
  // that reads n (acquire) sees every write of sections 0..n-1.
  std::atomic<uint64_t> published{0};
  // Level-3 table pages freed with their entries still set (the dirty-reuse engine variant only;
  // SeKVM never frees table pages): handed out again, last freed first, before the bump pointer.
  std::vector<uint64_t> free_tables;

  // --- the lock --------------------------------------------------------------------------
  void lock();    // blocks; records this thread as the owner
  void unlock();  // REQUIRES: held_by_me()
  // Relaxed is enough: a thread only ever compares the owner with its own id, and the only
  // store of its own id it can observe is one it made itself (sequenced before, so visible);
  // any other value, stale or not, is "not me", which is the right answer for a non-holder.
  bool held_by_me() const {
    return owner_.load(std::memory_order_relaxed) == std::this_thread::get_id();
  }

 private:
  uint64_t word(uint64_t addr) const { return (addr - pool_start(vmid_)) / 8; }

  const uint32_t vmid_;
  uint64_t* mem_ = nullptr;
  std::bitset<kPoolPages> written_;   // pages with any store, for check_valid_lnpt's zero scan
  uint64_t next_[4] = {0, 0, 0, 0};   // next_[l]: bump pointer of the pool of level-l tables
  std::vector<uint64_t> par_;         // parent entry of each pool page, by page_index
  // The lock on a cache line of its own: VMs are separate heap objects, often adjacent, and
  // another thread locking the next VM must not pull this VM's hot fields (or this lock) away
  // from the thread working on it (false sharing: 2 threads ran slower than 1 without it).
  alignas(64) std::mutex mu_;
  std::atomic<std::thread::id> owner_{};
};

// Holds vm's lock for the scope unless this thread already does (introspection from inside a
// section must not self-deadlock).
class MaybeLock {
 public:
  explicit MaybeLock(VmNpt& vm) : vm_(vm), taken_(!vm.held_by_me()) {
    if (taken_) vm_.lock();
  }
  ~MaybeLock() {
    if (taken_) vm_.unlock();
  }
  MaybeLock(const MaybeLock&) = delete;
  MaybeLock& operator=(const MaybeLock&) = delete;

 private:
  VmNpt& vm_;
  bool taken_;
};

}  // namespace ptx

#endif  // PTX_PAGETABLE_VM_NPT_H_
