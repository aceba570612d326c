// SPDX-License-Identifier: BSD-2-Clause
// Tests of the Coq list functions of Transactional.v (explorer/sample_and_shuffle.h), of
// sequence_count, and of the two readings of Coq `update_npt`.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <list>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "explorer/sample_and_shuffle.h"
#include "explorer/sequence_count.h"
#include "pagetable/npt_image.h"
#include "tests/support/random_sections.h"

namespace ptx {
namespace {

// ---------------------------------------------------------------------------------------------
// A second transliteration of the Coq Fixpoints, in another style: Coq lists as std::list, every
// function recursive on the list structure exactly as the Coq text (nil / cons), using only
// cons, head, tail and app. The library's std::vector version must produce the same lists in the
// same order.
namespace coq {

using list = std::list<int>;
using lists = std::list<list>;

template <class L>
L cons(const typename L::value_type& x, L l) {
  l.push_front(x);
  return l;
}
template <class L>
L tail(const L& l) {
  return L(std::next(l.begin()), l.end());
}
template <class L>
L app(L a, const L& b) {  // a ++ b
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

//  Fixpoint insert_into_lists e lists :=
//    match lists with nil => nil | l :: lists' => (e :: l) :: (insert_into_lists e lists') end.
lists insert_into_lists(int e, const lists& ls) {
  if (ls.empty()) return {};
  return cons(cons(e, ls.front()), insert_into_lists(e, tail(ls)));
}

//  Fixpoint sample_updates updates :=
//    match updates with
//    | nil => (nil :: nil)
//    | u :: updates' => (sample_updates updates') ++ (insert_into_lists u (sample_updates updates'))
//    end.
lists sample_updates(const list& updates) {
  if (updates.empty()) return cons(list{}, lists{});
  const int u = updates.front();
  return app(sample_updates(tail(updates)), insert_into_lists(u, sample_updates(tail(updates))));
}

//  Fixpoint insert_into_middle pre post e :=
//    match post with
//    | nil => (pre ++ (e::nil)) :: nil
//    | u :: post' => (pre ++ (e::nil) ++ post) :: (insert_into_middle (pre ++ (u::nil)) post' e)
//    end.
lists insert_into_middle(const list& pre, const list& post, int e) {
  if (post.empty()) return cons(app(pre, cons(e, list{})), lists{});
  const int u = post.front();
  return cons(app(pre, app(cons(e, list{}), post)),
              insert_into_middle(app(pre, cons(u, list{})), tail(post), e));
}

//  Fixpoint insert_into_shuffled_lists e lists :=
//    match lists with
//    | nil => nil
//    | l :: lists' => (insert_into_middle nil l e) ++ (insert_into_shuffled_lists e lists')
//    end.
lists insert_into_shuffled_lists(int e, const lists& ls) {
  if (ls.empty()) return {};
  return app(insert_into_middle(list{}, ls.front(), e), insert_into_shuffled_lists(e, tail(ls)));
}

//  Fixpoint shuffle_updates updates :=
//    match updates with
//    | nil => nil :: nil
//    | u :: updates' => insert_into_shuffled_lists u (shuffle_updates updates')
//    end.
lists shuffle_updates(const list& updates) {
  if (updates.empty()) return cons(list{}, lists{});
  return insert_into_shuffled_lists(updates.front(), shuffle_updates(tail(updates)));
}

//  Fixpoint shuffle_lists lists :=
//    match lists with nil => nil | update :: lists' => (shuffle_updates update) ++ (shuffle_lists lists') end.
lists shuffle_lists(const lists& ls) {
  if (ls.empty()) return {};
  return app(shuffle_updates(ls.front()), shuffle_lists(tail(ls)));
}

//  Definition sample_and_shuffle_updates updates :=
//    let samples := sample_updates updates in shuffle_lists samples.
lists sample_and_shuffle_updates(const list& updates) {
  const lists samples = sample_updates(updates);
  return shuffle_lists(samples);
}

}  // namespace coq

std::vector<std::vector<int>> to_vectors(const coq::lists& ls) {
  std::vector<std::vector<int>> out;
  for (const auto& l : ls) out.emplace_back(l.begin(), l.end());
  return out;
}

std::vector<int> elements(int n) {
  // Distinct, not in index order, so that an implementation that sorts would be caught.
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = 100 + ((i * 7) % 11) * 10 + i;
  return v;
}

// ---------------------------------------------------------------------------------------------

TEST(SampleAndShuffleTest, CountsMatchA000522) {
  const std::vector<size_t> expected = {1, 2, 5, 16, 65, 326, 1957, 13700, 109601};
  for (int n = 0; n <= 8; ++n) {
    const std::vector<int> us = elements(n);
    const auto lists = sample_and_shuffle_updates(std::span<const int>(us));
    EXPECT_EQ(lists.size(), expected[n]) << "n=" << n;
    EXPECT_EQ(sequence_count(n), BigCount(expected[n])) << "n=" << n;
    EXPECT_EQ(to_string(sequence_count(n)), std::to_string(expected[n]));
  }
}

TEST(SampleAndShuffleTest, OrderForTwoUpdates) {
  const std::vector<char> ab = {'a', 'b'};
  const auto lists = sample_and_shuffle_updates(std::span<const char>(ab));
  const std::vector<std::vector<char>> expected = {{}, {'b'}, {'a'}, {'a', 'b'}, {'b', 'a'}};
  EXPECT_EQ(lists, expected);
}

TEST(SampleAndShuffleTest, SmallFunctionsOnExamples) {
  using V = std::vector<int>;
  EXPECT_EQ(insert_into_lists(9, std::vector<V>{{}, {1}, {1, 2}}), (std::vector<V>{{9}, {9, 1}, {9, 1, 2}}));
  EXPECT_EQ(insert_into_lists(9, std::vector<V>{}), std::vector<V>{});
  const V post = {1, 2};
  EXPECT_EQ(insert_into_middle(V{7}, std::span<const int>(post), 9),
            (std::vector<V>{{7, 9, 1, 2}, {7, 1, 9, 2}, {7, 1, 2, 9}}));
  const V three = {1, 2, 3};
  EXPECT_EQ(sample_updates(std::span<const int>(three)),
            (std::vector<V>{{}, {3}, {2}, {2, 3}, {1}, {1, 3}, {1, 2}, {1, 2, 3}}));
  EXPECT_EQ(shuffle_updates(std::span<const int>(three)),
            (std::vector<V>{{1, 2, 3}, {2, 1, 3}, {2, 3, 1}, {1, 3, 2}, {3, 1, 2}, {3, 2, 1}}));
  EXPECT_EQ(shuffle_lists(std::vector<V>{{1, 2}, {}, {3}}), (std::vector<V>{{1, 2}, {2, 1}, {}, {3}}));
}

TEST(SampleAndShuffleTest, EqualsSecondTransliterationUpToSix) {
  for (int n = 0; n <= 6; ++n) {
    const std::vector<int> us = elements(n);
    const coq::list cl(us.begin(), us.end());
    const std::span<const int> s(us);
    EXPECT_EQ(sample_updates(s), to_vectors(coq::sample_updates(cl))) << "n=" << n;
    EXPECT_EQ(shuffle_updates(s), to_vectors(coq::shuffle_updates(cl))) << "n=" << n;
    const auto samples = sample_updates(s);
    coq::lists csamples;
    for (const auto& l : samples) csamples.emplace_back(l.begin(), l.end());
    EXPECT_EQ(shuffle_lists(samples), to_vectors(coq::shuffle_lists(csamples))) << "n=" << n;
    EXPECT_EQ(insert_into_shuffled_lists(-1, samples),
              to_vectors(coq::insert_into_shuffled_lists(-1, csamples)))
        << "n=" << n;
    EXPECT_EQ(insert_into_lists(-1, samples), to_vectors(coq::insert_into_lists(-1, csamples)));
    EXPECT_EQ(insert_into_middle(std::vector<int>{-2, -3}, s, -1),
              to_vectors(coq::insert_into_middle(coq::list{-2, -3}, cl, -1)));
    EXPECT_EQ(sample_and_shuffle_updates(s), to_vectors(coq::sample_and_shuffle_updates(cl)))
        << "n=" << n;
  }
}

TEST(SampleAndShuffleTest, ListsHaveDistinctElementsAndAreDistinct) {
  for (int n = 0; n <= 7; ++n) {
    const std::vector<int> us = elements(n);
    const auto lists = sample_and_shuffle_updates(std::span<const int>(us));
    std::set<std::vector<int>> seen;
    for (const auto& l : lists) {
      std::set<int> elems(l.begin(), l.end());
      EXPECT_EQ(elems.size(), l.size()) << "repeated element, n=" << n;
      for (int x : l) EXPECT_TRUE(std::find(us.begin(), us.end(), x) != us.end());
      seen.insert(l);
    }
    EXPECT_EQ(seen.size(), lists.size()) << "n=" << n;
    EXPECT_EQ(BigCount(seen.size()), sequence_count(n));
    // every subset in every order: for each k, C(n,k) * k! lists of length k
    std::vector<size_t> by_len(n + 1, 0);
    for (const auto& l : lists) ++by_len[l.size()];
    size_t expect = 1;  // n!/(n-k)!
    for (int k = 0; k <= n; ++k) {
      EXPECT_EQ(by_len[k], expect) << "n=" << n << " k=" << k;
      expect *= static_cast<size_t>(n - k);
    }
  }
}

TEST(SequenceCountTest, LargeValuesAndRecurrence) {
  EXPECT_EQ(to_string(sequence_count(20)), "6613313319248080001");
  EXPECT_EQ(to_string(sequence_count(21)), "138879579704209680022");  // > 2^64
  EXPECT_GT(sequence_count(21), BigCount(std::numeric_limits<uint64_t>::max()));
  for (size_t n = 1; n <= 60; ++n) {
    EXPECT_EQ(sequence_count(n), BigCount(n) * sequence_count(n - 1) + 1) << n;
  }
  // a(n) = sum_k C(n,k) k! = sum_k n!/(n-k)!
  for (size_t n = 0; n <= 30; ++n) {
    BigCount sum = 0, term = 1;
    for (size_t k = 0; k <= n; ++k) {
      sum += term;
      term *= BigCount(n - k);
    }
    EXPECT_EQ(sequence_count(n), sum) << n;
  }
}

TEST(SequenceCountTest, ConcurrentCallsAgree) {
  std::vector<std::thread> threads;
  std::vector<std::string> out(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &out] {
      // even threads extend the table upwards, odd ones start at the top
      for (size_t i = 0; i <= 300; ++i) {
        const size_t n = t % 2 == 0 ? i : 300 - i;
        const BigCount& c = sequence_count(n);
        if (n > 0 && c <= sequence_count(n - 1)) out[t] = "not increasing";
      }
      if (out[t].empty()) out[t] = to_string(sequence_count(300));
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 1; t < 8; ++t) EXPECT_EQ(out[t], out[0]);
  EXPECT_EQ(sequence_count(300), BigCount(300) * sequence_count(299) + 1);
}

// ---------------------------------------------------------------------------------------------
// update_npt

TEST(UpdateNptTest, HeadIsAppliedLast) {
  NptImage npt(test::kReduced4x2, test::kTestRoot);
  const uint64_t e = 0x100008;
  const std::vector<Update> list = {Update{UpdateKind::kPte, e, 0, 0x1003},
                                    Update{UpdateKind::kPte, e, 0, 0x2003}};
  NptImage a = npt;
  update_npt(list, a);
  EXPECT_EQ(a.read(3, e), 0x1003u);
  NptImage empty = npt;
  update_npt({}, empty);
  EXPECT_TRUE(test::images_equal(empty, npt));
}

// Random lists that write each pool at most once: the Coq reading and the cumulative one agree.
TEST(UpdateNptTest, CumulativeEqualsCoqQuirkWhenEachPoolWrittenOnce) {
  int compared = 0;
  for (uint64_t seed = 0; seed < 600; ++seed) {
    const Geometry g = seed % 3 == 0 ? test::kReduced4x2 : seed % 3 == 1 ? test::kReduced3x2 : test::kReduced4x3;
    const test::SectionCase c = test::random_case(g, seed, 7);
    std::mt19937_64 rng(seed);
    // A list over the case's entries with distinct pools: the first update of each level in a
    // random permutation, plus fresh random entries/values.
    std::vector<Update> pool = c.updates;
    for (int k = 0; k < 4; ++k) {
      const int level = static_cast<int>(rng() % g.levels);
      pool.push_back(Update{kind_at_level(level, g.levels), 0x100000 + (rng() % 8) * 0x1000 + (rng() % 4) * 8,
                            0, (rng() % 2) ? 0 : (0x100000 + (rng() % 8) * 0x1000) | 3});
    }
    std::shuffle(pool.begin(), pool.end(), rng);
    std::vector<Update> list;
    std::set<UpdateKind> kinds;
    for (const Update& u : pool) {
      if (kinds.insert(u.kind).second && rng() % 4 != 0) list.push_back(u);
    }
    NptImage cumulative = c.before;
    update_npt(list, cumulative);
    const NptImage quirk = update_npt_coq_quirk(list, c.before);
    std::string diff;
    EXPECT_TRUE(test::images_equal(cumulative, quirk, &diff)) << diff << "\n" << c.describe();
    for (uint64_t ipa = 0; ipa < g.ipa_limit(); ipa += g.page_size()) {
      ASSERT_EQ(cumulative.pt_map(ipa), quirk.pt_map(ipa));
    }
    ++compared;
  }
  EXPECT_EQ(compared, 600);
}

// Every list of a set_npt section (at most one write per pool, SPEC §5) gives the same state
// under both readings.
TEST(UpdateNptTest, CumulativeEqualsCoqQuirkOnSetNptSections) {
  for (uint64_t seed = 0; seed < 30; ++seed) {
    test::SetNptModel m = test::make_sekvm_like_state(Geometry::sekvm(), seed, static_cast<int>(seed % 5));
    const NptImage before = m.image();
    std::vector<Update> log;
    ASSERT_TRUE(m.set_npt(0x40000000 + seed * 0x200000 * 513, 3, 0x7000000403, &log));
    std::vector<Update> pt_updates(log.rbegin(), log.rend());
    for (const auto& list : sample_and_shuffle_updates(std::span<const Update>(pt_updates))) {
      NptImage cumulative = before;
      update_npt(list, cumulative);
      std::string diff;
      ASSERT_TRUE(test::images_equal(cumulative, update_npt_coq_quirk(list, before), &diff)) << diff;
    }
    NptImage all = before;
    update_npt(pt_updates, all);
    EXPECT_TRUE(test::images_equal(all, m.image()));
  }
}

// Two writes to the same pool in one list: the Coq reading loses the earlier-applied one.
TEST(UpdateNptTest, CoqQuirkLosesEarlierWriteToSamePool) {
  const Geometry g = test::kReduced4x2;
  NptImage npt(g, test::kTestRoot);
  npt.write(3, 0x100000, 0x5003);
  // [u1; u2]: u2 (entry 0x100008) is applied first, then u1 (entry 0x100010) on the same pool.
  const std::vector<Update> list = {Update{UpdateKind::kPte, 0x100010, 0, 0x2003},
                                    Update{UpdateKind::kPte, 0x100008, 0, 0x1003}};
  NptImage cumulative = npt;
  update_npt(list, cumulative);
  const NptImage quirk = update_npt_coq_quirk(list, npt);
  EXPECT_EQ(cumulative.read(3, 0x100008), 0x1003u);
  EXPECT_EQ(cumulative.read(3, 0x100010), 0x2003u);
  EXPECT_EQ(quirk.read(3, 0x100008), 0u);  // lost: u1's step rebuilt the pool from the original
  EXPECT_EQ(quirk.read(3, 0x100010), 0x2003u);
  EXPECT_EQ(quirk.read(3, 0x100000), 0x5003u);  // the original's entries are kept
  EXPECT_FALSE(test::images_equal(cumulative, quirk));
  // Different pools are independent in both readings.
  const std::vector<Update> two_pools = {Update{UpdateKind::kPmd, 0x200000, 0, 0x100003},
                                         Update{UpdateKind::kPte, 0x100008, 0, 0x1003}};
  NptImage c2 = npt;
  update_npt(two_pools, c2);
  EXPECT_TRUE(test::images_equal(c2, update_npt_coq_quirk(two_pools, npt)));
}

}  // namespace
}  // namespace ptx

namespace ptx {
namespace {

TEST(ShortCountTest, ExactUpTo15DigitsThenMantissaAndExponent) {
  EXPECT_EQ(short_count(sequence_count(4)), "65");
  EXPECT_EQ(short_count(BigCount(999999999999999ULL)), "999999999999999");
  EXPECT_EQ(short_count(BigCount(1234567890123456ULL)), "1.23e+15");
  EXPECT_EQ(short_count(sequence_count(64)), "3.44e+89");  // truncated, not rounded
}

}  // namespace
}  // namespace ptx
