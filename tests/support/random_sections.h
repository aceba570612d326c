// SPDX-License-Identifier: BSD-2-Clause
// Test support: deterministic generators of (before-state, section updates) for the explorer tests.
//
// A case is an NptImage `before` (the VM's tables when the critical section starts) and the
// section's writes in program order. Every generated update is consistent: `old_value` is the
// entry's value just before that write in program order (its value in `before`, or the value of
// the previous write to it in the section), and every kind is a level of the geometry.
//
// Two families:
//  * set_npt-like (SetNptModel): the SeKVM allocation discipline of SPEC §4 on any geometry:
//    fresh table pages from per-level bump pointers, links written top-down, then the leaf. The
//    result satisfies the invariants the Coq proof relies on (fresh pages all zero, entries change
//    only from 0), unless a style deliberately breaks one (a dirty fresh page, two leaf writes).
//  * free-form random images (hand-built tables with sharing, stale pages, blocks at the block
//    level) with random or adversarial writes: duplicate writes to one entry, block <-> table
//    changes, unmaps (writing 0) and remaps, re-pointing a table entry to an existing table,
//    aliasing (two entries pointing at one page), writes into freshly linked dirty pages, writes
//    at every level from the root to the leaf, no-op writes.
// Everything is a pure function of (geometry, style, n, seed).
#ifndef PTX_TESTS_SUPPORT_RANDOM_SECTIONS_H_
#define PTX_TESTS_SUPPORT_RANDOM_SECTIONS_H_

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "pagetable/geometry.h"
#include "pagetable/npt_image.h"
#include "pagetable/update.h"

namespace ptx::test {

// The brute-forceable geometries the differential tests use.
inline constexpr Geometry kReduced4x2 = Geometry::reduced(4, 2);  // 256 pages of IPA space
inline constexpr Geometry kReduced3x2 = Geometry::reduced(3, 2);  // 64 pages
inline constexpr Geometry kReduced4x3 = Geometry::reduced(4, 3);  // 4096 pages
// The same shapes under the Arm descriptor rules in a flat memory (geometry.h): valid bits,
// blocks at two levels (Arm L1 and L2), invalid entries with stale table bits, pages reached at
// two levels.
inline constexpr Geometry kArm4x2 = Geometry::arm_reduced(4, 2);
inline constexpr Geometry kArm3x2 = Geometry::arm_reduced(3, 2);
inline constexpr Geometry kArm4x3 = Geometry::arm_reduced(4, 3);

enum class CaseStyle : uint8_t {
  kRandom,          // free-form image, a random mix of every kind of write below
  kSetNpt,          // set_npt-like state and a section of one set_npt (SeKVM discipline)
  kSetNptBatched,   // set_npt-like state and a section of several set_npt (several leaf writes)
  kDirtyFreshPage,  // set_npt-like, but the next fresh table page already holds stale entries
  kDuplicateWrite,  // one entry written twice or more in the section
  kBlockTable,      // block <-> table changes at the block level (huge-page split / collapse)
  kUnmapRemap,      // writes of 0 (unmap) and re-maps of the same entries
  kRepoint,         // table entries re-pointed to an existing table
  kAlias,           // two entries pointing to one page, then writes into that page
  kCount
};
std::string_view case_style_name(CaseStyle s);

struct SectionCase {
  NptImage before;
  std::vector<Update> updates;  // program order, old_value consistent
  CaseStyle style = CaseStyle::kRandom;
  uint64_t seed = 0;

  // "style=..., seed=..., n=..." plus every non-zero entry of `before` and every update, for
  // failure messages (a case is small).
  std::string describe() const;
};

// The root table page of the images built here (vmid 0's pool_start, as in SetNptModel).
inline constexpr uint64_t kTestRoot = 0x10000;  // pool_start(0)

// A case of `style` on geometry `g` with `n` updates (0..10): exactly n for the free-form styles,
// at most n for the set_npt styles (whole set_npt calls that fit; possibly none).
// REQUIRES: g.validate() is empty; n <= 10.
SectionCase make_case(const Geometry& g, CaseStyle style, size_t n, uint64_t seed);

// A case of a style and size chosen from the seed: sizes 0..max_updates, mostly <= 5.
SectionCase random_case(const Geometry& g, uint64_t seed, size_t max_updates = 7);

// The set_npt discipline of SPEC §4 on an NptImage of any geometry (the default: the SeKVM
// geometry and vmid 0's pools, exactly the Coq layout: root page at pool_start, level-k table
// pages from the pool of level k with a bump pointer each, parents written as page | 3).
// Ops are refused (false, nothing written) as Coq/SeKVM refuses them: a zero descriptor, a level
// other than the block or leaf level, an IPA outside the geometry, a table descriptor at the block
// level, a block over an existing table, a page under an existing block, a pool running out.
class SetNptModel {
 public:
  explicit SetNptModel(const Geometry& g = Geometry::sekvm(), uint32_t vmid = 0);

  const NptImage& image() const { return image_; }
  const Geometry& geometry() const { return image_.geometry(); }

  // Coq `set_npt vmid ipa level descriptor`; `level` is geometry().block_level() (a block, Coq
  // level 2) or geometry().leaf_level() (a page, Coq level 3). Appends each write, in program
  // order with its old value, to *log when log != nullptr, and applies it to image().
  bool set_npt(uint64_t ipa, int level, uint64_t descriptor, std::vector<Update>* log);

  // The next table page set_npt would allocate for a table read at `level` (1..leaf_level()).
  uint64_t next_page(int level) const { return next_[level]; }

  // Breaks the fresh-page invariant: writes `value` at index `index` of the next fresh page of
  // `level` (before it is allocated). REQUIRES: value != 0 to have an effect.
  void dirty_next_page(int level, uint64_t index, uint64_t value);

 private:
  NptImage image_;
  uint64_t next_[kMaxLevels] = {};   // bump pointer per table level (index 0 unused: the root)
  uint64_t limit_[kMaxLevels] = {};  // end of each level's pool
};

// A valid SeKVM-like state built by `maps` random set_npt calls (4 KiB pages and 2 MiB blocks) on
// a few clustered IPAs of the geometry, so that tables are shared. Deterministic in `seed`.
SetNptModel make_sekvm_like_state(const Geometry& g, uint64_t seed, int maps);

// Random page / block descriptors (output addresses from a small set, so that values collide).
// A block maps the granule of `level` (default: the block level).
uint64_t random_page_descriptor(std::mt19937_64& rng);
uint64_t random_block_descriptor(const Geometry& g, std::mt19937_64& rng, int level = -1);

// Equality of two images as memories: every entry of every level reads the same. Returns the
// first difference as text in *diff when they differ.
bool images_equal(const NptImage& a, const NptImage& b, std::string* diff = nullptr);

}  // namespace ptx::test

#endif  // PTX_TESTS_SUPPORT_RANDOM_SECTIONS_H_
