#include "explorer/explorer.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include <boost/container/small_vector.hpp>
#include <tbb/parallel_for.h>

#include "explorer/address_classes.h"
#include "explorer/entry_history.h"
#include "explorer/reference.h"

namespace ptx {

namespace {

// The value each written entry is fixed to along one branch of the search.
struct Choice {
  const EntryHistory* entry;
  uint64_t value;
};
using Assignment = boost::container::small_vector<Choice, kMaxLevels>;

// Written entries whose value differs from the before-state: the writes a witness needs.
size_t changed(const Assignment& a) {
  size_t c = 0;
  for (const Choice& ch : a) c += ch.value != ch.entry->before;
  return c;
}

// Number of lists of sample_and_shuffle_updates (n updates) whose state gives each entry of `a`
// its chosen value. See explorer.h: with m writes to an entry, c of them of value v, its sub-lists
// have EGF [v = before] + (c/m)((1+x)^m - 1); unconstrained entries contribute (1+x)^m_e and
// sum_K K! [x^K] (1+x)^N = a(N). Multiplying through by prod m keeps the arithmetic in integers.
template <class Int>
Int count_lists_in(size_t n, const Assignment& a, const Int& (*a_of)(size_t));

const __int128& small_sequence_count(size_t n);

BigCount count_lists(size_t n, const Assignment& a) {
  // a(30) < 2^109.3; a term's coefficient is a product over the r <= 4 read entries of factors of
  // size <= m_e with sum m_e <= n, so |coef| <= (30/4)^4 < 2^11.7, and there are 2^r <= 16 terms:
  // every partial sum stays below 2^125, so 128-bit arithmetic is exact up to n = 30 (the common
  // case, and allocation-free).
  if (n <= 30) {
    const __int128 c = count_lists_in<__int128>(n, a, &small_sequence_count);
    return BigCount(static_cast<uint64_t>(c >> 64)) << 64 | BigCount(static_cast<uint64_t>(c));
  }
  return count_lists_in<BigCount>(n, a, &sequence_count);
}

const __int128& small_sequence_count(size_t n) {
  static const std::array<__int128, 31> table = [] {
    std::array<__int128, 31> t{};
    t[0] = 1;
    for (size_t k = 1; k < t.size(); ++k) t[k] = static_cast<__int128>(k) * t[k - 1] + 1;
    return t;
  }();
  return table[n];
}

template <class Int>
Int count_lists_in(size_t n, const Assignment& a, const Int& (*a_of)(size_t)) {
  const size_t r = a.size();
  size_t m_total = 0;
  Int denominator = 1;
  boost::container::small_vector<long long, kMaxLevels> in_t, out_t;  // coefficients x m
  boost::container::small_vector<size_t, kMaxLevels> m;
  for (const Choice& ch : a) {
    const size_t me = ch.entry->writes.size();
    size_t c = 0;
    for (const auto& w : ch.entry->writes) c += w.second == ch.value;
    const long long alpha = ch.value == ch.entry->before ? 1 : 0;
    in_t.push_back(static_cast<long long>(c));
    out_t.push_back(alpha * static_cast<long long>(me) - static_cast<long long>(c));
    m.push_back(me);
    m_total += me;
    denominator *= static_cast<long long>(me);
  }
  Int sum = 0;
  for (uint32_t t = 0; t < (1u << r); ++t) {
    Int coef = 1;
    size_t extra = 0;
    for (size_t i = 0; i < r; ++i) {
      if (t & (1u << i)) {
        coef *= in_t[i];
        extra += m[i];
      } else {
        coef *= out_t[i];
      }
      if (coef == 0) break;
    }
    if (coef != 0) sum += coef * a_of(n - m_total + extra);
  }
  return sum / denominator;  // exact
}

// Memory adapter: the after-state (each written entry at its last written value).
struct AfterMemory {
  const Tables& before;
  const EntryHistories& h;
  uint64_t read(int level, uint64_t entry) const {
    if (const EntryHistory* e = h.find(level, entry)) return e->writes.back().second;
    return before.read(level, entry);
  }
};

struct ObservedAgg {
  BigCount sequences = 0;
  std::vector<uint32_t> witness;
  size_t witness_len = SIZE_MAX;
  bool fault = true;  // every walk giving this mapping ended at an invalid entry
};

struct AddressResult {
  uint64_t before = 0;
  uint64_t after = 0;
  Counts counts;
  std::map<uint64_t, ObservedAgg> others;  // observed mapping -> lists and shortest witness
};

class Evaluator {
 public:
  Evaluator(const Tables& before, const EntryHistories& h, CompareMode compare, const Reference* reference)
      : before_(before), h_(h), g_(before.geometry), compare_(compare), reference_(reference) {}

  AddressResult evaluate(uint64_t ipa) const {
    AddressResult r;
    if (reference_ != nullptr) {
      r.before = reference_->before_mapping(before_, compare_, ipa);
      r.after = reference_->after_mapping(before_, compare_, ipa);
    } else {
      r.before = mapping_of(compare_, g_, ipa, before_.walk(ipa));
      r.after = mapping_of(compare_, g_, ipa, ptx::walk(g_, before_.root, ipa, AfterMemory{before_, h_}));
    }
    Assignment a;
    search(ipa, 0, before_.root, a, r);
    return r;
  }

 private:
  // Depth-first walk of `ipa` from `table` at `level`, branching over the history values of each
  // written entry read. An entry read again deeper on the same walk (a flat memory: a page
  // reached at two levels) has the value this branch already gave it: one state, one value.
  void search(uint64_t ipa, int level, uint64_t table, Assignment& a, AddressResult& r) const {
    const uint64_t entry = g_.entry_address(table, level, ipa);
    const EntryHistory* h = h_.find(level, entry);
    if (h == nullptr) {
      step(ipa, level, before_.read(level, entry), a, r);
      return;
    }
    for (const Choice& ch : a) {
      if (ch.entry == h) {
        step(ipa, level, ch.value, a, r);
        return;
      }
    }
    for (uint64_t v : h->values) {
      a.push_back(Choice{h, v});
      step(ipa, level, v, a, r);
      a.pop_back();
    }
  }

  void step(uint64_t ipa, int level, uint64_t v, Assignment& a, AddressResult& r) const {
    if (g_.is_table(level, v)) {
      search(ipa, level + 1, g_.phys_page(v), a, r);
      return;
    }
    const BigCount lists = count_lists(h_.update_count(), a);
    if (lists == 0) return;
    const uint64_t m = mapping_of(compare_, g_, ipa, v, level);
    if (m == r.before) {
      r.counts.before += lists;
    } else if (m == r.after) {
      r.counts.after += lists;
    } else {
      r.counts.other += lists;
      ObservedAgg& o = r.others[m];
      o.sequences += lists;
      o.fault = o.fault && maps_nothing(g_, v, level);
      const size_t len = changed(a);
      std::vector<uint32_t> w;
      w.reserve(len);
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
      if (len < o.witness_len || (len == o.witness_len && w < o.witness)) {
        o.witness_len = len;
        o.witness = std::move(w);
      }
    }
  }

  const Tables& before_;
  const EntryHistories& h_;
  const Geometry g_;
  const CompareMode compare_;
  const Reference* reference_;
};

}  // namespace

Exploration explore(const NptImage& before, std::span<const Update> updates,
                    std::span<const uint64_t> targets, const ExploreOptions& options) {
  return explore(Tables(before), updates, targets, options);
}

Exploration explore(const Tables& before, std::span<const Update> updates,
                    std::span<const uint64_t> targets, const ExploreOptions& options) {
  Exploration x;
  x.updates = updates.size();
  x.sequences = sequence_count(updates.size());
  const EntryHistories h(before, updates);
  const std::optional<EntryHistories> with_reference =
      options.reference == nullptr
          ? std::nullopt
          : std::optional<EntryHistories>(std::in_place, before,
                                          Reference::class_updates(before, updates, *options.reference));
  const AddressClasses classes(before, with_reference ? *with_reference : h);
  const Evaluator ev(before, h, options.compare, options.reference);

  const std::vector<uint64_t>& reps = classes.representatives();
  std::vector<AddressResult> results(reps.size());
  auto run = [&](size_t i) { results[i] = ev.evaluate(reps[i]); };
  if (options.parallel && reps.size() >= 64) {
    tbb::parallel_for(size_t{0}, reps.size(), run);
  } else {
    for (size_t i = 0; i < reps.size(); ++i) run(i);
  }

  x.classes.reserve(reps.size());
  for (size_t i = 0; i < reps.size(); ++i) {
    AddressResult& r = results[i];
    x.classes.push_back(AddressClass{reps[i], r.before, r.after, r.counts, 0, classes.class_pages()[i]});
    for (auto& [observed, o] : r.others) {
      x.violations.push_back(Violation{reps[i], r.before, r.after, observed, std::move(o.sequences),
                                       std::move(o.witness),
                                       o.fault ? ViolationClass::kTransientFault : ViolationClass::kWrongTranslation});
    }
  }
  x.targets.reserve(targets.size());
  for (uint64_t t : targets) x.targets.push_back(ev.evaluate(t).counts);
  return x;
}

}  // namespace ptx
