// SPDX-License-Identifier: BSD-2-Clause
// PoolReader: how a lock-free walker reads one VM's page-table pool (walk.h's Memory).
//
// The engine keeps each VM's 32 MiB pool [pool_start, pool_end) at a fixed host address for the
// engine's lifetime (vm_npt.h). A PoolReader is that address and the pool's byte address, copied
// by value: a walk through it keeps both in registers instead of reloading the VM's fields after
// every acquire load, and tests each level's pool with one unsigned compare. read() is Coq's
// pool read, exactly VmNpt::read(): the entry at `addr` of the pool the walk reads at `level`
// (level 0 `pt_vttbr_pool` = [pool_start, pgd_start), 1 `pt_pgd_pool`, 2 `pt_pud_pool`,
// 3 `pt_pmd_pool` = [pmd_start, pool_end)), 0 outside it, loaded with an acquire load (engine.h
// says why). Copyable, trivially cheap; valid while the engine that made it lives.
#ifndef PTX_PAGETABLE_POOL_READER_H_
#define PTX_PAGETABLE_POOL_READER_H_

#include <atomic>
#include <cstdint>

#include "pagetable/constants.h"

namespace ptx {

class PoolReader {
 public:
  PoolReader() = default;  // no pool: only to be assigned a reader that has one
  // The pool of `vmid`, whose word at byte address pool_start(vmid) is mem[0].
  // REQUIRES: mem points at PT_POOL_PER_VM bytes, 8-byte aligned; valid_vmid(vmid).
  PoolReader(uint64_t* mem, uint32_t vmid)
      : mem_(reinterpret_cast<char*>(mem)), base_(pool_start(vmid)) {}

  // REQUIRES: the reader has a pool; 0 <= level <= 3; addr 8-byte aligned; at level 0, addr is
  // in the root table [pool_start, pgd_start), as every walk from the VM's root reads it (the
  // level-0 pool is that one page: read() then needs no pool test, and stays inside it anyway).
  uint64_t read(int level, uint64_t addr) const {
    uint64_t off = addr - base_;  // wraps for addr < base_: then outside every pool
    const uint64_t lo = level_pool_lo(0, level) - pool_start(0);  // the level's pool, from base_
    const uint64_t size = level_pool_hi(0, level) - level_pool_lo(0, level);
    if (level == 0) {
      off &= PGD_OFFSET - 1;
    } else if (off - lo >= size) {
      return 0;
    }
    uint64_t* word = reinterpret_cast<uint64_t*>(mem_ + off);
    return std::atomic_ref<uint64_t>(*word).load(std::memory_order_acquire);
  }

 private:
  char* mem_ = nullptr;  // byte pool_start(vmid) of the pool
  uint64_t base_ = 0;
};

}  // namespace ptx

#endif  // PTX_PAGETABLE_POOL_READER_H_
