// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/explorer.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>
#include <boost/container/static_vector.hpp>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "explorer/address_classes.h"
#include "explorer/class_parallelism.h"
#include "explorer/entry_history.h"
#include "explorer/one_write.h"
#include "explorer/reference.h"

namespace ptx {

namespace {

// The value each written entry is fixed to along one branch of the search.
struct Choice {
  const EntryHistory* entry;
  uint64_t value;
};

// The choices of one branch, in the order its walk read the entries, and what the leaves ask of
// them, tallied as the choices are made rather than at every leaf below: how many change their
// entry, do not give it its last written value, or are not `plain` (an entry written once, with a
// value other than its before-value). A walk reads one entry per level, so a branch holds at most
// kMaxLevels: a fixed array, cheap to copy when a leaf or a branch is kept (ClassSearch).
class Assignment {
 public:
  void push_back(const Choice& c) {
    c_[n_++] = c;
    tally(c, 1);
  }
  void pop_back() { tally(c_[--n_], -1); }
  const Choice* begin() const { return c_.data(); }
  const Choice* end() const { return c_.data() + n_; }
  size_t size() const { return n_; }
  // Written entries whose value differs from the before-state: the writes a witness needs.
  size_t changed() const { return changed_; }
  // Does every choice give its entry its last written value (the leaf walks as the after-state)?
  bool all_last() const { return not_last_ == 0; }
  bool all_plain() const { return not_plain_ == 0; }

 private:
  void tally(const Choice& c, int d) {
    const EntryHistory& e = *c.entry;
    changed_ += d * (c.value != e.before);
    not_last_ += d * (c.value != e.writes.back().second);
    not_plain_ += d * !(e.writes.size() == 1 && e.values.size() == 2);
  }

  std::array<Choice, kMaxLevels> c_{};
  uint8_t n_ = 0, changed_ = 0, not_last_ = 0, not_plain_ = 0;
};

// Number of lists of sample_and_shuffle_updates (n updates) whose state gives each entry of `a`
// its chosen value. See explorer.h: with m writes to an entry, c of them of value v, its sub-lists
// have EGF [v = before] + (c/m)((1+x)^m - 1); unconstrained entries contribute (1+x)^m_e and
// sum_K K! [x^K] (1+x)^N = a(N). Multiplying through by prod m keeps the arithmetic in integers.
// A leaf's count depends only on n and the multiset of its entries' (m, c, [v = before]): its
// Signature.
struct Factor {
  uint32_t m;      // writes to the entry
  uint32_t c;      // of them, writes of the chosen value
  uint32_t alpha;  // 1 when the chosen value is the before-value
  friend auto operator<=>(const Factor&, const Factor&) = default;
};
using Signature = boost::container::static_vector<Factor, kMaxLevels>;

// The leaf's factors in the order of `a` (the count does not depend on the order).
Signature factors_of(const Assignment& a) {
  Signature sig;
  for (const Choice& ch : a) {
    uint32_t c = 0;
    for (const auto& w : ch.entry->writes) c += w.second == ch.value;
    sig.push_back(Factor{static_cast<uint32_t>(ch.entry->writes.size()), c, ch.value == ch.entry->before ? 1u : 0u});
  }
  return sig;
}

// The leaf's signature: its factors sorted (the count is symmetric in the entries).
Signature signature_of(const Assignment& a) {
  Signature sig = factors_of(a);
  std::sort(sig.begin(), sig.end());
  return sig;
}

// a(n) for n <= kSmallN in 128 bits: a(30) < 2^109.3.
constexpr size_t kSmallN = 30;
const __int128& small_sequence_count(size_t n) {
  static const std::array<__int128, kSmallN + 1> table = [] {
    std::array<__int128, kSmallN + 1> t{};
    t[0] = 1;
    for (size_t k = 1; k < t.size(); ++k) t[k] = static_cast<__int128>(k) * t[k - 1] + 1;
    return t;
  }();
  return table[n];
}

template <class Int>
Int count_lists_in(size_t n, const Signature& sig, const Int& (*a_of)(size_t)) {
  const size_t r = sig.size();
  size_t m_total = 0;
  Int denominator = 1;
  for (const Factor& f : sig) {
    m_total += f.m;
    denominator *= static_cast<long long>(f.m);
  }
  // Only subsets T whose every factor is non-zero contribute: T holds every entry whose factor
  // outside T is 0 and only entries whose factor inside T is not 0.
  uint32_t in_nonzero = 0, out_nonzero = 0;
  for (size_t i = 0; i < r; ++i) {
    in_nonzero |= sig[i].c != 0 ? 1u << i : 0;
    out_nonzero |= sig[i].alpha * sig[i].m != sig[i].c ? 1u << i : 0;
  }
  const uint32_t forced = ((1u << r) - 1) & ~out_nonzero, free = in_nonzero & out_nonzero;
  Int sum = 0;
  if ((forced & ~in_nonzero) != 0) return sum;  // an entry no value of T can satisfy
  for (uint32_t s = free;; s = (s - 1) & free) {  // every subset of `free`
    const uint32_t t = forced | s;
    // |coef| <= prod m_e: 64 bits while n <= kSmallN, the count's own type beyond.
    std::conditional_t<std::is_same_v<Int, BigCount>, BigCount, long long> coef = 1;
    size_t extra = 0;
    for (size_t i = 0; i < r; ++i) {
      const Factor& f = sig[i];
      if (t & (1u << i)) {
        coef *= static_cast<long long>(f.c);
        extra += f.m;
      } else {
        coef *= static_cast<long long>(f.alpha * f.m) - static_cast<long long>(f.c);
      }
    }
    sum += coef * a_of(n - m_total + extra);
    if (s == 0) break;
  }
  if (denominator == 1) return sum;  // every entry written once: SeKVM sections
  return sum / denominator;          // exact
}

// 128-bit arithmetic is exact up to n = kSmallN: a term's coefficient is a product over the
// r <= 4 read entries of factors of size <= m_e with sum m_e <= n, so |coef| <= (30/4)^4 < 2^11.7,
// and there are 2^r <= 16 terms: every partial sum stays below 2^125.
__int128 count_small(size_t n, const Assignment& a) {
  return count_lists_in<__int128>(n, factors_of(a), &small_sequence_count);
}

// Counts for sections of at most kSmallN updates. A leaf whose every read entry is written once,
// with a value other than its before-value (every leaf of a SeKVM section), is counted by the sum
// of explorer.h with every m = c = 1: the w entries read at their written value are free (+1 in T,
// -1 outside), the r - w at their before-value are outside T, so the leaf has
// sum_j C(w,j) (-1)^(w-j) a(n-r+j) lists, which depends on (n, r, w) only: a table made once per
// process, looked up instead of the 2^w-term sum and the leaf's factors. Other leaves are counted
// term by term (count_small).
class SmallCounts {
 public:
  explicit SmallCounts(size_t n)
      : n_(n),
        rows_(n <= kSmallN ? std::min<size_t>(n, kMaxLevels) + 1 : 0),
        once_(n <= kSmallN ? &table()[n] : nullptr) {}
  __int128 count(const Assignment& a) const {
    return a.all_plain() && a.size() < rows_ ? (*once_)[a.size()][a.changed()] : count_small(n_, a);
  }

 private:
  using Table = std::array<std::array<__int128, kMaxLevels + 1>, kMaxLevels + 1>;  // [r][w]
  // Every section size's table, made once: [n][r][w] for r <= min(n, kMaxLevels), w <= r.
  static const std::array<Table, kSmallN + 1>& table() {
    static_assert(kMaxLevels == 4, "kBinomial holds C(w, j) for w <= kMaxLevels");
    static constexpr long long kBinomial[kMaxLevels + 1][kMaxLevels + 1] = {
        {1}, {1, 1}, {1, 2, 1}, {1, 3, 3, 1}, {1, 4, 6, 4, 1}};
    static const std::array<Table, kSmallN + 1> t = [] {
      std::array<Table, kSmallN + 1> all{};
      for (size_t n = 0; n <= kSmallN; ++n) {
        for (size_t r = 0; r <= std::min<size_t>(n, kMaxLevels); ++r) {
          for (size_t w = 0; w <= r; ++w) {
            for (size_t j = 0; j <= w; ++j) {
              const __int128 term = kBinomial[w][j] * small_sequence_count(n - r + j);
              all[n][r][w] += (w - j) % 2 == 0 ? term : -term;
            }
          }
        }
      }
      return all;
    }();
    return t;
  }

  size_t n_;
  size_t rows_;         // leaves of at most rows_ - 1 read entries are in the table
  const Table* once_;  // table()[n_]
};

// Arbitrary precision, memoised per signature: a batched section's leaves share a few
// signatures, and each count is a sum of products of numbers of ~n log n bits.
class BigCounts {
 public:
  // The per-thread caches are made only for sections past kSmallN (small ones never ask).
  explicit BigCounts(size_t n)
      : n_(n), caches_(n > kSmallN ? std::make_unique<tbb::enumerable_thread_specific<Cache>>() : nullptr) {}
  // Shared by every leaf of this signature (ExactCount): no per-class copy of its digits.
  const ExactCount& count(const Assignment& a) const {
    Cache& cache = caches_->local();
    const Signature sig = signature_of(a);
    for (const auto& [s, c] : cache) {
      if (s == sig) return c;
    }
    if (cache.size() >= kMaxCached) cache.erase(cache.begin());
    cache.emplace_back(sig, ExactCount(count_lists_in<BigCount>(n_, sig, &sequence_count)));
    return cache.back().second;
  }

 private:
  static constexpr size_t kMaxCached = 64;
  using Cache = std::vector<std::pair<Signature, ExactCount>>;
  size_t n_;
  // Per thread (evaluate() runs in parallel); the pointer is const, the caches are not.
  std::unique_ptr<tbb::enumerable_thread_specific<Cache>> caches_;
};

// Counts of one address while it is evaluated: Int is __int128 while n <= kSmallN (every count
// is at most a(n)), ExactCount beyond (a sum of one leaf's count shares that count's digits).
template <class Int>
struct ObservedAgg {
  Int sequences = 0;
  std::vector<uint32_t> witness;
  size_t witness_len = SIZE_MAX;
  bool fault = true;  // every walk giving this mapping ended at an invalid entry
};

template <class Int>
struct Tally {
  uint64_t before = 0;
  uint64_t after = 0;
  std::vector<uint64_t> allowed;  // the reference's cut mappings (reference.h), judged as `after`
  Int in_before = 0, in_after = 0, in_other = 0;
  std::map<uint64_t, ObservedAgg<Int>> others;  // observed mapping -> lists and shortest witness
};

[[gnu::noinline]] ExactCount to_big_count(const __int128& v) {
  return BigCount(static_cast<uint64_t>(v >> 64)) << 64 | BigCount(static_cast<uint64_t>(v));
}
// Inline for counts below 2^64 (every count of a section of at most 20 updates: a(20) < 2^63).
inline ExactCount to_count(const __int128& v) {
  if (v >= 0 && v <= static_cast<__int128>(UINT64_MAX)) [[likely]] return ExactCount(static_cast<uint64_t>(v));
  return to_big_count(v);
}
ExactCount to_count(ExactCount&& v) { return std::move(v); }

// An evaluated address's counts; its violations, in the order of their observed mappings, are
// appended to *out.
template <class Int>
Counts counts_of(Tally<Int>&& t, uint64_t ipa, std::vector<Violation>* out) {
  for (auto& [m, o] : t.others) {
    out->push_back(Violation{ipa, t.before, t.after, m, to_count(std::move(o.sequences)).value(), std::move(o.witness),
                             o.fault ? ViolationClass::kTransientFault : ViolationClass::kWrongTranslation});
  }
  return Counts{to_count(std::move(t.in_before)), to_count(std::move(t.in_after)), to_count(std::move(t.in_other))};
}

// The class of an evaluated address (`pages`: its size, AddressClass::pages), built in place at
// the end of *classes (a class is large: no move of it); its violations are appended to *out.
template <class Int>
void emit(Tally<Int>&& t, uint64_t ipa, uint64_t pages, std::vector<AddressClass>* classes,
          std::vector<Violation>* out) {
  const uint64_t before = t.before, after = t.after;
  AddressClass& c = classes->emplace_back();  // fields assigned: clang 14 has no parenthesised aggregate init
  c.ipa = ipa;
  c.before = before;
  c.after = after;
  c.counts = counts_of(std::move(t), ipa, out);
  c.pages = pages;
}

// The shortest witness of a leaf: one write of its value for each entry off its before-value.
std::vector<uint32_t> witness_of(const Assignment& a) {
  std::vector<uint32_t> w;
  w.reserve(a.changed());
  for (const Choice& ch : a) {
    if (ch.value == ch.entry->before) continue;
    for (const auto& [idx, val] : ch.entry->writes) {
      if (val == ch.value) {
        w.push_back(idx);
        break;
      }
    }
  }
  std::sort(w.begin(), w.end());
  return w;
}

// A leaf of the search kept for later: its branch, its final descriptor `v` (read at `level`)
// and its lists.
struct KeptLeaf {
  Assignment a;
  uint64_t v;
  int level;
  __int128 lists;
};

// The state after every update of a section, as walk memory (pagetable/walk.h): each written
// entry reads its last written value, every other entry its before-value.
struct AfterState {
  const Tables& before;
  const EntryHistories& h;
  uint64_t read(int level, uint64_t entry) const {
    const EntryHistory* e = h.find(level, entry);
    return e != nullptr ? e->writes.back().second : before.read(level, entry);
  }
};

class Evaluator {
 public:
  Evaluator(const Tables& before, const EntryHistories& h, CompareMode compare, const Reference* reference)
      : before_(before), h_(h), g_(before.geometry), flat_(g_.memory == MemoryModel::kFlat), compare_(compare),
        raw_descriptor_(compare == CompareMode::kDescriptor && g_.rules == DescriptorRules::kSekvm), reference_(reference),
        small_(h.update_count()), big_(h.update_count()) {}

  // Appends the class of the address `ipa` (`pages`: its size, AddressClass::pages) to *classes
  // and its violations, by observed mapping, to *out.
  void evaluate(uint64_t ipa, uint64_t pages, std::vector<AddressClass>* classes, std::vector<Violation>* out) const {
    if (h_.update_count() <= kSmallN) return emit(evaluate_as<__int128>(ipa), ipa, pages, classes, out);
    emit(evaluate_as<ExactCount>(ipa), ipa, pages, classes, out);
  }
  // Only the counts of `ipa` (a target that is no representative).
  Counts counts(uint64_t ipa) const {
    std::vector<Violation> unused;  // reported by the target's class, if any
    if (h_.update_count() <= kSmallN) return counts_of(evaluate_as<__int128>(ipa), ipa, &unused);
    return counts_of(evaluate_as<ExactCount>(ipa), ipa, &unused);
  }

  // The same class from every leaf of its search, in any order (ClassSearch finds them without
  // walking from the root): the before-mapping is the leaf that changes no entry, the
  // after-mapping the one that gives each entry its last written value (evaluate_as).
  // REQUIRES: no reference; at most kSmallN updates.
  void evaluate_leaves(uint64_t ipa, uint64_t pages, std::span<const KeptLeaf> leaves,
                       std::vector<AddressClass>* classes, std::vector<Violation>* out) const {
    Tally<__int128> r;
    for (const KeptLeaf& l : leaves) {
      if (l.a.changed() == 0) r.before = mapping(ipa, l.v, l.level);
      if (l.a.all_last()) r.after = mapping(ipa, l.v, l.level);
    }
    for (const KeptLeaf& l : leaves) tally(Leaf{l.a, l.v, l.level, mapping(ipa, l.v, l.level)}, l.lists, r);
    emit(std::move(r), ipa, pages, classes, out);
  }

  // mapping_of() of a leaf's descriptor: in descriptor mode under the SeKVM rules the descriptor
  // itself (mapping.h), without a call per leaf.
  uint64_t mapping(uint64_t ipa, uint64_t v, int level) const {
    return raw_descriptor_ ? v : mapping_of(compare_, g_, ipa, v, level);
  }

  // A leaf's lists: 128-bit up to kSmallN updates, shared arbitrary precision beyond.
  template <class Int>
  Int count(const Assignment& a) const {
    if constexpr (std::is_same_v<Int, ExactCount>) {
      return big_.count(a);
    } else {
      return small_.count(a);
    }
  }

 private:
  // One leaf of the search: the written entries' values it fixed and the walk's final entry.
  struct Leaf {
    const Assignment& a;
    uint64_t v;       // the final descriptor
    int level;        // read at this level
    uint64_t mapping;
  };

  // Leaves are tallied as the search reaches them. With a reference its before- and after-mapping
  // are known first. Without one both are leaves of the search, so no walk of its own is needed:
  // the first leaf of the depth-first search gives every written entry its before-value (a
  // history's values start with it) and walks as the before-state does; the leaf giving every
  // written entry it read its last written value walks as the after-state does. A leaf showing the
  // before-mapping is tallied at once (tally() tests `before` first); the others wait for the
  // after-mapping, which the search may reach last.
  template <class Int>
  Tally<Int> evaluate_as(uint64_t ipa) const {
    Tally<Int> r;
    Assignment a;
    if (reference_ != nullptr) {
      r.before = reference_->before_mapping(before_, compare_, ipa);
      r.after = reference_->after_mapping(before_, compare_, ipa);
      r.allowed = reference_->cut_mappings(before_, compare_, ipa);
      auto sink = [&](const Leaf& l) { tally(l, count<Int>(l.a), r); };
      search(ipa, 0, before_.root, a, sink);
      return r;
    }
    bool first = true;
    boost::container::small_vector<Pending<Int>, 2> pending;
    auto sink = [&](const Leaf& l) {
      if (first) r.before = l.mapping;
      first = false;
      if (l.a.all_last()) r.after = l.mapping;
      Int lists = count<Int>(l.a);
      if (l.mapping == r.before) {
        r.in_before += lists;
      } else if (lists != 0) {
        pending.push_back(Pending<Int>{l.a, l.v, l.level, l.mapping, std::move(lists)});
      }
    };
    search(ipa, 0, before_.root, a, sink);
    for (const Pending<Int>& p : pending) tally(Leaf{p.a, p.v, p.level, p.mapping}, p.lists, r);
    return r;
  }

  // A leaf waiting for the after-mapping (evaluate_as).
  template <class Int>
  struct Pending {
    Assignment a;
    uint64_t v;
    int level;
    uint64_t mapping;
    Int lists;
  };

  // Depth-first walk of `ipa` from `table` at `level`, branching over the history values of each
  // written entry read (before-value first); calls sink(Leaf) at each leaf. Entries the section
  // does not write are read in a loop, without a branch. An entry read again deeper on the same
  // walk (a flat memory: a page reached at two levels) has the value this branch already gave it:
  // one state, one value. (With per-level pools a walk never reads an entry twice.)
  template <class Sink>
  void search(uint64_t ipa, int level, uint64_t table, Assignment& a, Sink& sink) const {
    for (;; ++level) {
      const uint64_t entry = g_.entry_address(table, level, ipa);
      const EntryHistory* h = h_.find(level, entry);
      uint64_t v = 0;
      if (h == nullptr) {
        v = before_.read(level, entry);
      } else if (const Choice* ch = flat_ ? chosen(a, h) : nullptr) {
        v = ch->value;
      } else {
        for (uint64_t value : h->values) {
          a.push_back(Choice{h, value});
          step(ipa, level, value, a, sink);
          a.pop_back();
        }
        return;
      }
      if (!g_.is_table(level, v)) {
        sink(Leaf{a, v, level, mapping(ipa, v, level)});
        return;
      }
      table = g_.table_address(v);
    }
  }

  template <class Sink>
  void step(uint64_t ipa, int level, uint64_t v, Assignment& a, Sink& sink) const {
    if (g_.is_table(level, v)) {
      search(ipa, level + 1, g_.table_address(v), a, sink);
      return;
    }
    sink(Leaf{a, v, level, mapping(ipa, v, level)});
  }

  // The branch's choice for the written entry `h`, or nullptr when the branch has not read it.
  static const Choice* chosen(const Assignment& a, const EntryHistory* h) {
    for (const Choice& ch : a) {
      if (ch.entry == h) return &ch;
    }
    return nullptr;
  }

  // Adds a leaf's `lists` to the mapping it gives.
  template <class Int>
  void tally(const Leaf& l, const Int& lists, Tally<Int>& r) const {
    if (lists == 0) return;
    if (l.mapping == r.before) {
      r.in_before += lists;
    } else if (l.mapping == r.after || std::find(r.allowed.begin(), r.allowed.end(), l.mapping) != r.allowed.end()) {
      r.in_after += lists;  // a cut of overlapping sections counts as their after-state (reference.h)
    } else {
      tally_other(l, lists, r);
    }
  }
  // A leaf showing a third mapping (rare: kept out of the inlined tally above).
  template <class Int>
  [[gnu::noinline]] void tally_other(const Leaf& l, const Int& lists, Tally<Int>& r) const {
    r.in_other += lists;
    ObservedAgg<Int>& o = r.others[l.mapping];
    o.sequences += lists;
    o.fault = o.fault && maps_nothing(g_, l.v, l.level);
    const size_t len = l.a.changed();
    std::vector<uint32_t> w = witness_of(l.a);
    if (len < o.witness_len || (len == o.witness_len && w < o.witness)) {
      o.witness_len = len;
      o.witness = std::move(w);
    }
  }

  const Tables& before_;
  const EntryHistories& h_;
  const Geometry g_;
  const bool flat_;  // a flat memory: a walk may read an entry twice
  const CompareMode compare_;
  const bool raw_descriptor_;  // mapping_of(compare_, g_, ...) is the descriptor
  const Reference* reference_;
  const SmallCounts small_;
  const BigCounts big_;
};

// The classes of a small section, each evaluated as the class search reaches it (per-level pools,
// no reference, at most kSmallN updates). AddressClasses lists the representatives, and the
// Evaluator then walks each one from the root, reading again the entries its siblings read. Here
// one search does both: below each root (address_classes.h, step 2) it keeps the branches of the
// evaluation alive (the written entries' values fixed so far and the table each reaches) instead
// of the set of table pages that AddressClasses keeps; those pages are the branches' tables, so the
// relevant indexes and the classes are AddressClasses' own (step 3: a written entry's branches
// reach exactly the tables of its history values, and with per-level pools a walk never reads an
// entry twice). A branch that ends at an index is a leaf of every class below that index: the
// leaves stay on a stack while the search is below it, and a class is evaluated from the leaves
// on the stack (Evaluator::evaluate_leaves), which are the leaves of its own search.
class ClassSearch {
 public:
  ClassSearch(const Tables& before, const EntryHistories& h, const Evaluator& ev)
      : before_(before.memory), h_(h), g_(before.geometry), roots_(before, h), ev_(ev) {}

  // Appends every class, sorted by representative, to x->classes and their violations to
  // x->violations, as explore_classes does from AddressClasses and the Evaluator, and returns
  // true. The classes come out sorted: the roots are taken by IPA (their IPA ranges are disjoint:
  // a root's range holds no other root, whose walks would read its written entry F above their
  // own first one) and the indexes of a level in ascending order. Returns false, with x's classes
  // and violations as they were, if a class does not come after the last one (which the argument
  // rules out): the caller then takes the general path, which sorts them.
  bool run(Exploration* x) {
    x_ = x;
    first_class_ = x->classes.size();
    first_violation_ = x->violations.size();
    // Room for the classes of a small section, so that they are not moved as the vector grows.
    x->classes.reserve(x->classes.size() + kClassesReserved);
    ClassRoots::Roots roots = roots_.roots();
    std::sort(roots.begin(), roots.end(), [](const ClassRoots::Root& a, const ClassRoots::Root& b) { return a.ipa < b.ipa; });
    for (const ClassRoots::Root& r : roots) from_root(r);
    if (!sorted_) {
      x->classes.resize(first_class_);
      x->violations.resize(first_violation_);
    }
    return sorted_;
  }

 private:
  struct Branch {
    Assignment a;
    uint64_t table;
  };
  using Branches = boost::container::small_vector<Branch, 4>;

  // The written entry F of root `r` read by every walk below the root's prefix (step 2); the
  // classes below it, as AddressClasses' constructor finds them.
  void from_root(const ClassRoots::Root& r) {
    leaves_.clear();
    Branches next;
    read_written(r.level, *r.f, Assignment(), &next);
    if (next.empty() || r.level == g_.leaf_level()) {
      add_class(r.ipa, g_.granule_size(r.level) / g_.page_size());
    } else {
      expand(r.level + 1, r.ipa, next, 1);
    }
  }

  // AddressClasses::expand over the branches' tables.
  void expand(int level, uint64_t prefix, const Branches& branches, uint64_t mult) {
    ClassRoots::Pages pages;
    for (const Branch& b : branches) {
      if (std::find(pages.begin(), pages.end(), b.table) == pages.end()) pages.push_back(b.table);
    }
    ClassRoots::Indexes rel;
    uint32_t zero_rep = 0;
    roots_.relevant(level, pages, &rel, &zero_rep);
    const uint64_t n = g_.entries_per_table();
    const uint64_t zeros = n - rel.size();  // the indexes zero_rep stands for
    // Indexes ascending: zero_rep is the first index missing from rel, which holds every one below.
    if (zero_rep < n) rel.insert(rel.begin() + zero_rep, zero_rep);
    for (uint32_t i : rel) {
      const uint64_t ipa = prefix | g_.ipa_of_index(level, i);
      const uint64_t m = mult * (i == zero_rep ? zeros : 1);
      const size_t mark = leaves_.size();
      Branches next;
      for (const Branch& b : branches) read(level, b.table | (uint64_t{i} * 8), b.a, &next);
      if (next.empty()) {
        add_class(ipa, m * (g_.granule_size(level) / g_.page_size()));
      } else {
        expand(level + 1, ipa, next, m);
      }
      leaves_.erase(leaves_.begin() + static_cast<ptrdiff_t>(mark), leaves_.end());
    }
  }

  // The walk of branch `a` reads `entry` at `level`: a branch per value that is a table, a leaf
  // per other value.
  void read(int level, uint64_t entry, const Assignment& a, Branches* next) {
    if (const EntryHistory* h = h_.find(level, entry)) {
      read_written(level, *h, a, next);
    } else {
      add(level, before_.read(level, entry), a, nullptr, next);
    }
  }
  void read_written(int level, const EntryHistory& h, const Assignment& a, Branches* next) {
    for (uint64_t v : h.values) add(level, v, a, &h, next);
  }
  // The branch `a`, with the choice of `v` for `h` when h is set, read `v` at `level`. (The
  // choice is made in the kept copy: one copy of the branch per value.)
  void add(int level, uint64_t v, const Assignment& a, const EntryHistory* h, Branches* next) {
    if (g_.is_table(level, v)) {
      Branch& b = next->emplace_back(Branch{a, g_.table_address(v)});
      if (h != nullptr) b.a.push_back(Choice{h, v});
    } else {
      KeptLeaf& l = leaves_.emplace_back(KeptLeaf{a, v, level, 0});
      if (h != nullptr) l.a.push_back(Choice{h, v});
      l.lists = ev_.count<__int128>(l.a);
    }
  }

  void add_class(uint64_t ipa, uint64_t pages) {
    if (x_->classes.size() > first_class_ && x_->classes.back().ipa >= ipa) sorted_ = false;
    if (!sorted_) return;
    ev_.evaluate_leaves(ipa, pages, {leaves_.data(), leaves_.size()}, &x_->classes, &x_->violations);
  }

  const NptImage& before_;
  const EntryHistories& h_;
  const Geometry g_;
  const ClassRoots roots_;
  const Evaluator& ev_;
  static constexpr size_t kClassesReserved = 8;
  boost::container::small_vector<KeptLeaf, 16> leaves_;  // the leaves of the branches ended above
  Exploration* x_ = nullptr;
  size_t first_class_ = 0, first_violation_ = 0;  // x_'s sizes before run()
  bool sorted_ = true;
};

// A section of one update u (the Coq lists are [] and [u]: a(1) = 2) reaches two states, the
// before- and the after-state, by one list each. Every address therefore shows its before- or its
// after-mapping and no third one: per address the counts are before = after = 1, or before = 2 when
// both states map it alike. This is what the general search and count give for n = 1 (checked by
// tests/explorer/small_sections_test.cc), without their per-leaf and big-count machinery, so that
// the most common hypervisor section (one PTE or block write into an existing table) costs little
// more than making it.
class OneUpdate {
 public:
  OneUpdate(const Tables& before, const EntryHistories& h, CompareMode compare)
      : before_(before), h_(h), compare_(compare) {}

  // The walks of Evaluator::search along its all-before and its all-written branch (the before-
  // and the after-state's walks). They read the same entries down to the first written one, so
  // that part is read once; from there each goes on in its own state.
  AddressClass address(uint64_t ipa) const {
    const Geometry& g = before_.geometry;
    uint64_t table = g.phys_page(before_.root);
    for (int level = 0;; ++level) {
      const uint64_t entry = g.entry_address(table, level, ipa);
      const uint64_t v = before_.read(level, entry);
      if (const EntryHistory* e = h_.find(level, entry)) {
        return with(ipa, finish(ipa, level, v, before_), finish(ipa, level, e->writes.back().second, AfterState{before_, h_}));
      }
      if (!g.is_table(level, v)) {
        const uint64_t m = mapping_of(compare_, g, ipa, v, level);
        return with(ipa, m, m);
      }
      table = g.table_address(v);
    }
  }

 private:
  // The mapping of the walk of `ipa` in `memory` that reads `v` at `level` (pagetable/walk.h).
  template <class Memory>
  uint64_t finish(uint64_t ipa, int level, uint64_t v, const Memory& memory) const {
    const Geometry& g = before_.geometry;
    while (g.is_table(level, v)) {
      const uint64_t table = g.table_address(v);
      ++level;
      v = memory.read(level, g.entry_address(table, level, ipa));
    }
    return mapping_of(compare_, g, ipa, v, level);
  }
  static AddressClass with(uint64_t ipa, uint64_t before, uint64_t after) {
    return AddressClass{ipa, before, after, before == after ? Counts{2, 0, 0} : Counts{1, 1, 0}, 0, 0};
  }

  const Tables& before_;
  const EntryHistories& h_;
  const CompareMode compare_;
};

Exploration explore_one_update(const Tables& before, std::span<const Update> updates,
                               std::span<const uint64_t> targets, CompareMode compare) {
  Exploration x;
  x.updates = 1;
  x.sequences = 2;
  const EntryHistories h(before, updates);
  const AddressClasses classes(before, h);
  const OneUpdate one(before, h, compare);
  const std::vector<uint64_t>& reps = classes.representatives();
  x.classes.reserve(reps.size());
  for (size_t i = 0; i < reps.size(); ++i) {
    x.classes.push_back(one.address(reps[i]));
    x.classes.back().pages = classes.class_pages()[i];
  }
  x.targets.reserve(targets.size());
  for (uint64_t t : targets) {
    auto it = std::lower_bound(reps.begin(), reps.end(), t);
    x.targets.push_back(it != reps.end() && *it == t ? x.classes[static_cast<size_t>(it - reps.begin())].counts
                                                     : one.address(t).counts);
  }
  return x;
}

}  // namespace

Exploration explore(const NptImage& before, std::span<const Update> updates,
                    std::span<const uint64_t> targets, const ExploreOptions& options) {
  return explore(Tables(before), updates, targets, options);
}

namespace {

// The counts of each target: a representative has its class's (the same evaluation), any other
// IPA is evaluated on its own. REQUIRES: x->classes sorted by representative.
void add_targets(const Evaluator& ev, std::span<const uint64_t> targets, Exploration* x) {
  x->targets.reserve(targets.size());
  for (uint64_t t : targets) {
    auto it = std::lower_bound(x->classes.begin(), x->classes.end(), t,
                               [](const AddressClass& c, uint64_t ipa) { return c.ipa < ipa; });
    if (it != x->classes.end() && it->ipa == t) {
      x->targets.push_back(it->counts);
    } else {
      x->targets.push_back(ev.counts(t));
    }
  }
}

// ClassSearch's domain: it keeps every class's leaves as 128-bit counts (kSmallN), relies on a
// walk reading each entry once (per-level pools) and on the section's own before and after (no
// reference). It evaluates the classes on the calling thread, so a section that may have many
// (more updates than the linear EntryHistories keeps) takes the general path, which can run them
// in parallel.
bool use_class_search(const Tables& before, size_t updates, const ExploreOptions& options) {
  return options.reference == nullptr && before.geometry.memory == MemoryModel::kPerLevelPools &&
         updates <= EntryHistories::kLinearEntries;
}

// Every other section: the address classes, each evaluated by the search and counted (explorer.h).
// Its own function, so that x is built in the caller's result (no move of it on return).
Exploration explore_classes(const Tables& before, std::span<const Update> updates,
                            std::span<const uint64_t> targets, const ExploreOptions& options) {
  Exploration x;
  x.updates = updates.size();
  // a(n) below 2^64 from the 128-bit table (no copy of a shared big number), else the memoised one.
  if (updates.size() <= kSmallN && small_sequence_count(updates.size()) <= UINT64_MAX) {
    x.sequences = static_cast<uint64_t>(small_sequence_count(updates.size()));
  } else {
    x.sequences = sequence_count(updates.size());
  }
  const EntryHistories h(before, updates);
  const std::optional<EntryHistories> with_reference =
      options.reference == nullptr
          ? std::nullopt
          : std::optional<EntryHistories>(std::in_place, before,
                                          Reference::class_updates(before, updates, *options.reference));
  const Evaluator ev(before, h, options.compare, options.reference);
  if (use_class_search(before, updates.size(), options) && ClassSearch(before, h, ev).run(&x)) {
    add_targets(ev, targets, &x);
    return x;
  }
  const AddressClasses classes(before, with_reference ? *with_reference : h);

  const std::vector<uint64_t>& reps = classes.representatives();
  const std::vector<uint64_t>& pages = classes.class_pages();
  // Violations come sorted by (ipa, observed): classes in representative order, each class's by
  // observed mapping; in parallel each class keeps its own until they are joined in that order.
  x.classes.reserve(reps.size());
  if (use_parallel_classes(options.parallel, reps.size())) {
    std::vector<std::vector<AddressClass>> one(reps.size());
    std::vector<std::vector<Violation>> per_class(reps.size());
    tbb::parallel_for(size_t{0}, reps.size(), [&](size_t i) { ev.evaluate(reps[i], pages[i], &one[i], &per_class[i]); });
    for (size_t i = 0; i < reps.size(); ++i) {
      x.classes.push_back(std::move(one[i].front()));
      for (Violation& v : per_class[i]) x.violations.push_back(std::move(v));
    }
  } else {
    for (size_t i = 0; i < reps.size(); ++i) ev.evaluate(reps[i], pages[i], &x.classes, &x.violations);
  }

  add_targets(ev, targets, &x);
  return x;
}

}  // namespace

Exploration explore(const Tables& before, std::span<const Update> updates,
                    std::span<const uint64_t> targets, const ExploreOptions& options) {
  if (updates.size() == 1 && options.reference == nullptr) {
    Exploration x;
    if (explore_one_leaf_write(before, updates, targets, options.compare, &x)) return x;
    return explore_one_update(before, updates, targets, options.compare);
  }
  return explore_classes(before, updates, targets, options);
}

void explore(const Tables& before, std::span<const Update> updates, std::span<const uint64_t> targets,
             const ExploreOptions& options, Exploration* out) {
  if (options.reference == nullptr && explore_one_leaf_write(before, updates, targets, options.compare, out)) return;
  *out = explore(before, updates, targets, options);
}

}  // namespace ptx
