// SPDX-License-Identifier: BSD-2-Clause
// Template definitions of the Coq list functions declared in explorer/sample_and_shuffle.h.
// Each function follows its Coq Fixpoint (Transactional.v) clause by clause; the Coq text is quoted
// above each one. Coq lists are std::vector with the head at index 0, and `l1 ++ l2` is an append
// of l2's elements after l1's, so every result has exactly the Coq order.
// Do not include directly: include explorer/sample_and_shuffle.h.
#ifndef PTX_EXPLORER_SAMPLE_AND_SHUFFLE_INL_H_
#define PTX_EXPLORER_SAMPLE_AND_SHUFFLE_INL_H_

#include <iterator>
#include <utility>

namespace ptx {
namespace sample_and_shuffle_internal {

// Coq `l1 ++ l2` on lists of lists, consuming l2. (No exact reserve here: appends happen in
// loops, and geometric growth keeps them linear.)
template <class T>
void append(std::vector<CoqList<T>>& l1, std::vector<CoqList<T>>&& l2) {
  if (l1.empty()) {
    l1 = std::move(l2);
    return;
  }
  l1.insert(l1.end(), std::make_move_iterator(l2.begin()), std::make_move_iterator(l2.end()));
}

}  // namespace sample_and_shuffle_internal

//  Fixpoint insert_into_lists (e: NPT_UPDATE) (lists: list (list NPT_UPDATE)) :=
//    match lists with
//    | nil => nil
//    | l :: lists' => (e :: l) :: (insert_into_lists e lists')
//    end.
template <class T>
std::vector<CoqList<T>> insert_into_lists(const T& e, const std::vector<CoqList<T>>& lists) {
  std::vector<CoqList<T>> out;
  out.reserve(lists.size());
  for (const CoqList<T>& l : lists) {  // the recursion over `lists`, unrolled in order
    CoqList<T> el;
    el.reserve(l.size() + 1);
    el.push_back(e);                          // e :: l
    el.insert(el.end(), l.begin(), l.end());
    out.push_back(std::move(el));
  }
  return out;
}

//  Fixpoint sample_updates updates :=
//    match updates with
//    | nil => (nil :: nil)
//    | u :: updates' =>
//      (sample_updates updates') ++ (insert_into_lists u (sample_updates updates'))
//    end.
template <class T>
std::vector<CoqList<T>> sample_updates(std::span<const T> updates) {
  if (updates.empty()) return std::vector<CoqList<T>>{CoqList<T>{}};  // nil :: nil
  const T& u = updates.front();
  std::vector<CoqList<T>> rest = sample_updates(updates.subspan(1));  // sample_updates updates'
  std::vector<CoqList<T>> with_u = insert_into_lists(u, rest);
  sample_and_shuffle_internal::append(rest, std::move(with_u));
  return rest;
}

//  Fixpoint insert_into_middle (pre: list NPT_UPDATE) (post: list NPT_UPDATE) (e: NPT_UPDATE) :=
//    match post with
//    | nil => (pre ++ (e::nil)) :: nil
//    | u :: post' =>
//      (pre ++ (e::nil) ++ post) :: (insert_into_middle (pre ++ (u::nil)) post' e)
//    end.
template <class T>
std::vector<CoqList<T>> insert_into_middle(const CoqList<T>& pre, std::span<const T> post, const T& e) {
  if (post.empty()) {
    CoqList<T> l = pre;
    l.push_back(e);  // pre ++ (e :: nil)
    return std::vector<CoqList<T>>{std::move(l)};
  }
  const T& u = post.front();
  CoqList<T> first;
  first.reserve(pre.size() + 1 + post.size());
  first.insert(first.end(), pre.begin(), pre.end());  // pre ++ (e :: nil) ++ post
  first.push_back(e);
  first.insert(first.end(), post.begin(), post.end());
  CoqList<T> pre_u = pre;
  pre_u.push_back(u);  // pre ++ (u :: nil)
  std::vector<CoqList<T>> tail = insert_into_middle(pre_u, post.subspan(1), e);
  std::vector<CoqList<T>> out;
  out.reserve(1 + tail.size());
  out.push_back(std::move(first));
  sample_and_shuffle_internal::append(out, std::move(tail));
  return out;
}

//  Fixpoint insert_into_shuffled_lists (e: NPT_UPDATE) (lists: list (list NPT_UPDATE)) :=
//    match lists with
//    | nil => nil
//    | l :: lists' =>
//      (insert_into_middle nil l e) ++ (insert_into_shuffled_lists e lists')
//    end.
template <class T>
std::vector<CoqList<T>> insert_into_shuffled_lists(const T& e, const std::vector<CoqList<T>>& lists) {
  std::vector<CoqList<T>> out;
  for (const CoqList<T>& l : lists) {  // the recursion over `lists`, unrolled in order
    sample_and_shuffle_internal::append(
        out, insert_into_middle(CoqList<T>{}, std::span<const T>(l.data(), l.size()), e));
  }
  return out;
}

//  Fixpoint shuffle_updates updates :=
//    match updates with
//    | nil => nil :: nil
//    | u :: updates' =>
//      insert_into_shuffled_lists u (shuffle_updates updates')
//    end.
template <class T>
std::vector<CoqList<T>> shuffle_updates(std::span<const T> updates) {
  if (updates.empty()) return std::vector<CoqList<T>>{CoqList<T>{}};
  return insert_into_shuffled_lists(updates.front(), shuffle_updates(updates.subspan(1)));
}

//  Fixpoint shuffle_lists lists :=
//    match lists with
//    | nil => nil
//    | update :: lists' =>
//      (shuffle_updates update) ++ (shuffle_lists lists')
//    end.
template <class T>
std::vector<CoqList<T>> shuffle_lists(const std::vector<CoqList<T>>& lists) {
  std::vector<CoqList<T>> out;
  for (const CoqList<T>& update : lists) {  // the recursion over `lists`, unrolled in order
    sample_and_shuffle_internal::append(
        out, shuffle_updates(std::span<const T>(update.data(), update.size())));
  }
  return out;
}

//  Definition sample_and_shuffle_updates updates :=
//    let samples := sample_updates updates in
//    shuffle_lists samples.
template <class T>
std::vector<CoqList<T>> sample_and_shuffle_updates(std::span<const T> updates) {
  const std::vector<CoqList<T>> samples = sample_updates(updates);
  return shuffle_lists(samples);
}

}  // namespace ptx

#endif  // PTX_EXPLORER_SAMPLE_AND_SHUFFLE_INL_H_
