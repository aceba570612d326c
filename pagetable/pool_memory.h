// SPDX-License-Identifier: BSD-2-Clause
// PoolMemory: page-table memory that someone else owns, lent to an NptImage as the storage of its
// table pages (NptImage::set_backing). The engine lends each VM's pool (Stage2Engine::pool_memory)
// so that a checker keeps its before-state in the engine's own tables, not in a copy as large as
// them (explorer/section_checker.h, tlb/section_tlb.h).
//
// A plain view: a byte-address range and the words behind it. Copyable; valid while the owner
// keeps the memory mapped (the engine: its lifetime).
#ifndef PTX_PAGETABLE_POOL_MEMORY_H_
#define PTX_PAGETABLE_POOL_MEMORY_H_

#include <cstdint>

namespace ptx {

struct PoolMemory {
  uint64_t begin = 0;          // byte address of words[0]; page aligned
  uint64_t end = 0;            // one past the last byte address lent
  uint64_t* words = nullptr;   // null: nothing lent

  explicit operator bool() const { return words != nullptr; }
  // Is the byte address inside the lent range?
  bool contains(uint64_t addr) const { return addr >= begin && addr < end; }
  // The word holding byte address `addr`. REQUIRES: contains(addr), addr 8-byte aligned.
  uint64_t* word(uint64_t addr) const { return words + (addr - begin) / 8; }
};

}  // namespace ptx

#endif  // PTX_PAGETABLE_POOL_MEMORY_H_
