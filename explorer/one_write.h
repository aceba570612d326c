// SPDX-License-Identifier: BSD-2-Clause
// The fast explorer's path for the most common hypervisor section: one write of a leaf (a page or
// block descriptor, or an invalid entry) over a leaf — every SeKVM section that maps, remaps or
// unmaps one page or block in an existing table, and every such casemate section (one mem-write
// in its lock) in a flat memory.
//
// Why it is exact. The section's lists are [] and [u] (a(1) = 2), so an address sees its
// before- or its after-mapping, never a third one. With one written entry E (level l, slot s), the
// argument of address_classes.h gives one root per before-walk prefix p that reaches E's table at
// level l, with representative p | ipa_of_index(l, s); since neither E's before- nor its new value
// is a table, no state's walk goes below E, so the class is the root's whole granule and its
// mappings are E's two values read at level l (mapping_of): no walk from the root is needed. The
// prefixes are those AddressClasses finds (table_prefixes, through the reverse index); a target
// that is no representative is walked on its own, as the general path does. In a flat memory a
// walk may reach E's table at several levels (AddressClasses then searches every level): the path
// takes the write when neither value is a table at any level at which a prefix reaches the table,
// and gives a class per prefix of each such level (a walk reads E at most once: it ends there, so
// no IPA is in two classes).
// tests/explorer/one_write_test.cc checks it against the faithful enumeration and against the
// general one-update path on random and adversarial images (aliased tables, unreachable slots,
// blocks, targets inside and outside the classes), in per-level pools and in flat memories.
#ifndef PTX_EXPLORER_ONE_WRITE_H_
#define PTX_EXPLORER_ONE_WRITE_H_

#include <cstdint>
#include <span>

#include "explorer/exploration.h"
#include "explorer/mapping.h"
#include "explorer/tables.h"
#include "pagetable/update.h"

namespace ptx {

// Is `updates` a section this path takes: one update, and neither the entry's value in `before` nor
// the written value a table at the update's level (per-level pools), or at any level at which a
// before-walk reaches the entry's table (a flat memory)?
bool is_one_leaf_write(const Tables& before, std::span<const Update> updates);

// When is_one_leaf_write(before, updates): sets *out to what explore(before, updates, targets,
// options) returns with options.compare == `compare` and no reference, reusing the storage of
// out's vectors (a caller exploring section after section keeps one Exploration), and returns
// true. Otherwise returns false and leaves *out untouched. REQUIRES: every target <
// before.geometry.ipa_limit().
bool explore_one_leaf_write(const Tables& before, std::span<const Update> updates, std::span<const uint64_t> targets,
                            CompareMode compare, Exploration* out);

}  // namespace ptx

#endif  // PTX_EXPLORER_ONE_WRITE_H_
