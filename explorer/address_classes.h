// SPDX-License-Identifier: BSD-2-Clause
// AddressClasses: a finite set of representative IPAs that covers every IPA whose walk can differ
// between any two states a section's updates can produce (see entry_history.h for the states).
//
// The argument. Fix the before-state B and the written entries W (with their histories).
//  1. If the before-walk of an IPA reads no entry of W, every state's walk reads the same entries
//     with the same values (induction on the level), so every state maps it as B does: the IPA is
//     unaffected and needs no check.
//  2. Otherwise let F be the first entry of W on its before-walk, at level l. Above F all states
//     agree (same argument), so every IPA sharing the before-walk's index prefix down to F is read
//     through F in every state. These prefixes ("roots") are found from W upwards through the
//     image's reverse index of table pointers (NptImage::referrers), never by scanning the table.
//  3. Below a root, let P_k be the set of table pages that some state's walk can be reading at
//     level k: P_{l+1} = the tables named by F's history values, and P_{k+1} = the tables named by
//     the history values of the entries at the chosen index in each page of P_k. At level k an
//     index i matters when some page of P_k has a non-zero before-entry or a written entry at i.
//     Every other index reads 0 in every page of P_k in every state, so every state ends its walk
//     there with 0 or ended it above, independently of i: all such indexes behave alike and one
//     representative (the smallest) stands for them. In translation mode a block translation
//     depends on the IPA's lower bits, but only through an offset that is the same on both sides
//     of every comparison, so the equalities, hence the verdicts, are the same across the set.
//  4. When no page of P_{k+1} exists (no state's walk goes deeper), the lower indexes do not matter
//     and are set to 0.
// Both descriptor rule sets (geometry.h) satisfy what the argument uses: classify() of an entry
// depends on its value and level only, and an entry that is not a table ends the walk. Under the
// SeKVM rules the zero entries of step 3 are the only invalid ones; under the Arm rules any entry
// with bit 0 clear is invalid, and a non-zero invalid entry is "relevant" (kept as its own index)
// exactly like a valid one, so the zero indexes still all behave alike. In a flat memory a page
// may be reached at several levels and from several roots (a page linked at two levels, tables
// shared between roots): step 2 then finds, for each written entry, the prefixes of every level
// at which a before-walk from this root reaches its page (the reverse index holds every word that
// may be a table, and each referrer is checked at the level it is read), and each is a root.
// So every IPA is either unaffected (1) or belongs to exactly one class whose every IPA gives, in
// every state, the same descriptor (descriptor mode) or the same verdict (translation mode) as its
// representative. tests/explorer/address_classes_test.cc checks this by brute force over every
// address of reduced geometries on thousands of random and adversarial states and sections.
//
// Cost: the number of classes is at most the number of non-zero or written entries in the pages
// some state can reach below the roots, plus one zero representative per visited node; for a
// SeKVM section (fresh zero pages) that is one class per written leaf.
#ifndef PTX_EXPLORER_ADDRESS_CLASSES_H_
#define PTX_EXPLORER_ADDRESS_CLASSES_H_

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <boost/container/flat_map.hpp>
#include <boost/container/small_vector.hpp>

#include "explorer/entry_history.h"
#include "explorer/tables.h"

namespace ptx {

// The index prefix of every before-walk of `t` (from t.root) that reaches the table page `page`
// at `level`, as the IPA bits above `level`, appended to *out: {0} for page == t.root at level 0.
// Found upwards through the image's reverse index (NptImage::referrers), each referrer checked at
// the level it is read; one prefix per chain of table entries, in no particular order.
using TablePrefixes = boost::container::small_vector<uint64_t, 4>;
void table_prefixes(const Tables& t, int level, uint64_t page, TablePrefixes* out);

// ClassRoots: the reads the class search makes of the before-state and the written entries: the
// roots (the argument's step 2) and the relevant indexes of a set of table pages (step 3). Shared
// by AddressClasses and the fast explorer's search of small sections (explorer.cc), which
// evaluates each class as it finds it instead of listing the representatives first.
class ClassRoots {
 public:
  using Pages = boost::container::small_vector<uint64_t, 4>;
  using Indexes = boost::container::small_vector<uint32_t, 8>;
  // Where the walks through a written entry first meet a written entry F (argument, step 2).
  struct Root {
    int level;              // level of F
    uint64_t ipa;           // IPA bits down to F's index
    const EntryHistory* f;  // F
    bool operator<(const Root& o) const { return std::pair(level, ipa) < std::pair(o.level, o.ipa); }
    bool operator==(const Root& o) const { return level == o.level && ipa == o.ipa; }
  };
  using Roots = boost::container::small_vector<Root, 8>;

  // REQUIRES: t.memory and `h` outlive this object; h was built from `t`.
  ClassRoots(const Tables& t, const EntryHistories& h);

  // Every root, sorted by (level, ipa), each once.
  const Roots& roots() const { return roots_; }
  // Indexes at `level` where some page of `pages` has a non-zero before-entry or a written entry,
  // ascending, and the smallest other index (entries_per_table() when there is none).
  void relevant(int level, const Pages& pages, Indexes* out, uint32_t* zero_rep) const;
  // The first written entry on the before-walk of `ipa` and its level, or nullptr when the walk
  // reads none (the IPA is unaffected). Reads no deeper than `max_level`.
  const EntryHistory* first_written(uint64_t ipa, int max_level, int* level) const;

 private:
  void find_roots(Roots* roots) const;

  const Tables t_;
  const NptImage& before_;
  const EntryHistories& h_;
  const Geometry g_;
  // (table page as the key of its first entry, slot) of every entry the section writes, sorted
  boost::container::small_vector<std::pair<EntryKey, uint32_t>, 8> written_;
  Roots roots_;
};

class AddressClasses {
 public:
  // REQUIRES: t.memory and `h` outlive this object; h was built from `t`.
  AddressClasses(const Tables& t, const EntryHistories& h);

  // Representative IPAs (page aligned), ascending, one per class.
  const std::vector<uint64_t>& representatives() const { return reps_; }
  // The number of page-aligned IPAs (pages of the geometry) in each class, aligned with
  // representatives(): the class's size, for reports that count the IPAs a violation affects.
  const std::vector<uint64_t>& class_pages() const { return pages_; }

  // The representative of the class containing `ipa`, or nullopt when `ipa` is unaffected.
  // REQUIRES: ipa < geometry().ipa_limit().
  std::optional<uint64_t> class_of(uint64_t ipa) const;

 private:
  using Pages = ClassRoots::Pages;
  using Indexes = ClassRoots::Indexes;
  // Tables some state's walk reaches from the entries at `index` of `pages` at `level`.
  Pages next_pages(int level, const Pages& pages, uint64_t index) const;
  // The tables reachable below the written entry `f`, read at `level` (the first one on a
  // before-walk).
  Pages below(const EntryHistory& f, int level) const;
  // `mult`: how many index combinations above `level` the prefix stands for.
  void expand(int level, uint64_t prefix, const Pages& pages, uint64_t mult);
  void add_rep(uint64_t ipa, uint64_t pages);

  const NptImage& before_;
  const EntryHistories& h_;
  const Geometry g_;
  const ClassRoots roots_;
  std::vector<uint64_t> reps_;
  std::vector<uint64_t> pages_;
  // (representative, pages) while building
  boost::container::small_vector<std::pair<uint64_t, uint64_t>, 8> found_;
};

}  // namespace ptx

#endif  // PTX_EXPLORER_ADDRESS_CLASSES_H_
