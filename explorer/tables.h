// SPDX-License-Identifier: BSD-2-Clause
// Tables: what the explorer walks — a page-table memory (an NptImage), the root table to walk
// from, and the walk's geometry. By default the image's own root and geometry; a flat memory
// (e.g. a hypervisor's memory from a casemate trace) is walked from each of its roots in turn,
// each with its own start level (so its own geometry), all sharing the one memory.
#ifndef PTX_EXPLORER_TABLES_H_
#define PTX_EXPLORER_TABLES_H_

#include <cstdint>

#include "pagetable/geometry.h"
#include "pagetable/npt_image.h"
#include "pagetable/walk.h"

namespace ptx {

struct Tables {
  // The image walked from its own root with its own geometry. Implicit: an NptImage is the
  // Tables of its own root. (Holders keep a Tables by value: it is three words and a geometry.)
  Tables(const NptImage& m) : memory(m), root(m.root()), geometry(m.geometry()) {}  // NOLINT
  // The image walked from `root_table` (a byte address; phys_page is used) with `g`.
  // REQUIRES: g has the image's memory model, page size and descriptor rules.
  Tables(const NptImage& m, uint64_t root_table, const Geometry& g)
      : memory(m), root(g.phys_page(root_table)), geometry(g) {}

  // The entry a walk reads at `level` (the Memory concept of walk.h).
  uint64_t read(int level, uint64_t entry) const { return memory.read(level, entry); }
  // The level a written entry (an update of kind `k`) has as a key: its kind's level in a
  // per-level-pool memory, 0 in a flat one (where the level a walk reads it at is not known
  // from the write).
  int key_level(UpdateKind k) const {
    return geometry.memory == MemoryModel::kFlat ? 0 : level_of_kind(k, geometry.levels);
  }
  uint64_t pt_map(uint64_t ipa) const { return ptx::pt_map(geometry, root, ipa, *this); }
  WalkResult walk(uint64_t ipa) const { return ptx::walk(geometry, root, ipa, *this); }

  const NptImage& memory;
  uint64_t root;
  Geometry geometry;
};

}  // namespace ptx

#endif  // PTX_EXPLORER_TABLES_H_
