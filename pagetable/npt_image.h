// SPDX-License-Identifier: BSD-2-Clause
// NptImage: a sparse, single-threaded image of page-table memory: a map from byte address to
// 64-bit entry, zero where never written, with a root table. Its geometry's memory model says how
// levels relate to memory (geometry.h):
//   * kPerLevelPools (SeKVM): shaped like the Coq `NPT` record, one map per pool
//     (`pt_vttbr_pool`, `pt_pgd_pool`, `pt_pud_pool`, `pt_pmd_pool`), indexed by the walk level
//     that reads it: the SeKVM pools are one layout of the image;
//   * kFlat (any layout, e.g. a hypervisor's memory from a casemate trace): one memory; the level
//     passed to read/write is ignored, and any number of roots may walk it (the explorer takes the
//     root to walk from, and a geometry of the same memory model and page size, per call).
//
// It is what the explorer walks: hand-built in tests (any geometry, any addresses, stale or
// aliased tables allowed), or a shadow of an engine VM kept up to date by applying each completed
// section's updates (`apply`). It also keeps a reverse index, for each table page, of the entries
// that currently point to it as a table (the generalisation of Coq's `pt_pgd_par`/`pt_pud_par`/
// `pt_pmd_par`, which may have several or zero members in a hand-built image). In a flat memory
// the index holds every word that may be a table descriptor at some level (may_be_table); callers
// check the level they need.
//
// Storage: each table page is a record (its entries, allocated at its first non-zero write, and
// its referrers) in a vector, found through a PageIndex (page_index.h) rather than a hash map:
// a read is an index load and an array load. A backed image (set_backing) keeps the entries of
// the pages inside a lent PoolMemory there instead: in the memory of their owner, the engine,
// whose writes the image then follows (rewind_backing), holding only the page records and the
// reverse index itself.
//
// Not thread-safe: one writer, or any number of readers with no writer (the backing memory
// included: its owner must not touch it while the image is read or written).
#ifndef PTX_PAGETABLE_NPT_IMAGE_H_
#define PTX_PAGETABLE_NPT_IMAGE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "pagetable/geometry.h"
#include "pagetable/page_index.h"
#include "pagetable/pool_memory.h"
#include "pagetable/update.h"
#include "pagetable/walk.h"

namespace ptx {

class NptImage {
 public:
  // An empty image (every entry 0) of geometry `g`, whose walks start at the table page `root`
  // (a byte address; only phys_page(root) is used, as for a VTTBR).
  // REQUIRES: g.validate().ok().
  explicit NptImage(const Geometry& g = Geometry::sekvm(), uint64_t root = pool_start(0));
  // A copy owns its pages, a backed image's too: it is independent of the backing memory.
  NptImage(const NptImage& other);
  NptImage& operator=(const NptImage& other);
  NptImage(NptImage&&) noexcept = default;
  NptImage& operator=(NptImage&&) noexcept = default;

  const Geometry& geometry() const { return g_; }
  uint64_t root() const { return root_; }

  // The entry at byte address `entry` of the pool the walk reads at `level`; 0 if never written.
  // A flat image backed by `entry`'s memory reads the word there, without its page records: the
  // same value, since every page it has no record of reads as zero (set_backing).
  // REQUIRES: 0 <= level < geometry().levels.
  uint64_t read(int level, uint64_t entry) const {
    if (flat_backed_ && backing_.contains(entry)) return *backing_.word(entry & ~uint64_t{7});
    const Page* p = find(page_key(level, entry));
    return p == nullptr || !p->entries ? 0 : p->entries[g_.slot_of(entry)];
  }

  // A hint, no effect on the contents: write(level, entry, value) or read(level, entry) comes
  // soon. Fetches into the cache the next step of the lookups they make — `step` 0: the index
  // slots of entry's page and (when the value may be linked) of the page the value points at;
  // 1: those pages' records; 2: the entry's word — each step reading only what the step before
  // fetched. A caller that knows its writes ahead (a trace's next records) calls steps 0, 1, 2
  // for one write at decreasing distances, so that its misses overlap other work.
  void prefetch_write(int level, uint64_t entry, uint64_t value, int step) const;

  // Sets that entry to `value` and updates the reverse index. `entry` is rounded down to 8 bytes.
  // REQUIRES: 0 <= level < geometry().levels.
  void write(int level, uint64_t entry, uint64_t value);

  // Writes u.new_value at u.entry of the pool of u.kind (cumulative application of one Coq
  // `update_npt` step). REQUIRES: the kind is a level of this geometry.
  void apply(const Update& u) { write(level_of_kind(u.kind, g_.levels), u.entry, u.new_value); }
  // Writes u.old_value back: undoes apply(u) when u was the last write of its entry (undo a list
  // of updates newest first). REQUIRES: as apply.
  void revert(const Update& u) { write(level_of_kind(u.kind, g_.levels), u.entry, u.old_value); }

  // In a flat memory, only pages in [begin, end) (bytes) can be tables: a value pointing elsewhere
  // is not a referrer (referrers() of a page outside is empty). For inputs whose table pages all
  // come from a known region; call it before the first write. Default: all of memory.
  void set_table_pages(uint64_t begin, uint64_t end) {
    table_begin_ = begin;
    table_end_ = end;
  }

  // Keeps the entries of every table page inside `m` in m's words from now on, instead of on the
  // heap: the image reads and writes them there. The image trusts that a page it holds no record
  // of reads as zero in `m` whenever it is read (its owner has not written it, or rewind_backing
  // took those writes back). REQUIRES: page_count() == 0; m.begin page aligned; m's words stay
  // mapped while the image lives.
  void set_backing(PoolMemory m) {
    backing_ = m;
    flat_backed_ = m && g_.memory == MemoryModel::kFlat;
  }
  const PoolMemory& backing() const { return backing_; }

  // For a backed image whose backing memory is ahead of it by `updates` (made there by the memory's
  // owner, e.g. the engine's section, in program order; not through this image): writes their old
  // values back, newest first, straight into the backing memory (no page records, no reverse
  // index), so that memory and image agree again on the state before them. Updates outside the
  // backing, or unaligned, are skipped. replay_backing writes their new values in program order,
  // undoing rewind_backing (e.g. after a refused section, so that the owner's state is kept).
  void rewind_backing(std::span<const Update> updates);
  void replay_backing(std::span<const Update> updates);

  // The first geometry().entries_per_table() entries of the table page at byte address `page`
  // read at `level`, or nullptr when none of them was ever written (all zero).
  const uint64_t* table(int level, uint64_t page) const;

  // Entries (byte addresses, read at level-1) whose current value is a table descriptor pointing
  // at the page `page` read at `level`. Empty for level 0 and for unreferenced pages. In a flat
  // memory: every entry whose value may_be_table() and points at `page` (check the level).
  // The span is valid until the next write.
  std::span<const uint64_t> referrers(int level, uint64_t page) const;

  // Coq `pt_map` on this image. REQUIRES: ipa < geometry().ipa_limit().
  uint64_t pt_map(uint64_t ipa) const { return ptx::pt_map(g_, root_, ipa, *this); }
  WalkResult walk(uint64_t ipa) const { return ptx::walk(g_, root_, ipa, *this); }

  // Number of table pages that hold a written entry, over all levels.
  size_t page_count() const { return written_pages_; }

  // Calls f(level, page_address, const uint64_t* entries) for every page with a written entry.
  template <class F>
  void for_each_page(F&& f) const {
    for (const Page& p : pages_) {
      if (p.entries) f(p.key.level(), p.key.entry(), p.entries);
    }
  }

  // Bytes this image holds: its own pages' entries (not the backing memory's), their records and
  // the index (an estimate of the heap it uses, for memory reports).
  size_t memory_bytes() const;

 private:
  using Referrers = boost::container::small_vector<uint64_t, 2>;
  struct Page {
    EntryKey key;                       // the key of its first entry
    uint64_t* entries = nullptr;        // null until an entry is written non-zero: owned or backing_'s
    std::unique_ptr<uint64_t[]> owned;  // the entries, when the image owns them
    Referrers referrers;                // entries pointing at it as a table
  };
  // A table page read at `level`, named by the key of its first entry.
  EntryKey page_key(int level, uint64_t addr) const { return g_.key(level, g_.table_of(addr)); }
  const Page* find(EntryKey page) const {
    const uint32_t id = index_.find(page);
    return id == 0 ? nullptr : &pages_[id - 1];
  }
  Page& find_or_add(EntryKey page);
  void give_entries(Page& p);
  bool links(int level, uint64_t value) const;
  void unlink(int level, uint64_t entry, uint64_t value);
  void link(int level, uint64_t entry, uint64_t value);

  Geometry g_;
  uint64_t root_;
  std::vector<Page> pages_;  // every page written or referred to; id = index + 1
  PageIndex index_;          // page key -> id
  size_t written_pages_ = 0;
  size_t owned_pages_ = 0;            // written pages whose entries the image owns
  PoolMemory backing_;
  bool flat_backed_ = false;          // read() goes to the backing memory directly
  uint64_t table_begin_ = 0;          // set_table_pages
  uint64_t table_end_ = UINT64_MAX;
};

}  // namespace ptx

#endif  // PTX_PAGETABLE_NPT_IMAGE_H_
