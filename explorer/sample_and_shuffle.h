// SPDX-License-Identifier: BSD-2-Clause
// Faithful transliterations of the Coq list functions of Transactional.v (SPEC §5).
//
// Coq lists are std::vector with the head at index 0. Every function returns exactly the list the
// Coq Fixpoint returns, in the same order:
//   insert_into_lists e ls          = map (e ::) ls
//   sample_updates []               = [[]]
//   sample_updates (u :: us)        = sample_updates us ++ insert_into_lists u (sample_updates us)
//   insert_into_middle pre [] e     = [pre ++ [e]]
//   insert_into_middle pre (u::p) e = (pre ++ [e] ++ u :: p) :: insert_into_middle (pre ++ [u]) p e
//   insert_into_shuffled_lists e ls = concat (map (insert_into_middle [] · e) ls)
//   shuffle_updates []              = [[]]
//   shuffle_updates (u :: us)       = insert_into_shuffled_lists u (shuffle_updates us)
//   shuffle_lists ls                = concat (map shuffle_updates ls)
//   sample_and_shuffle_updates us   = shuffle_lists (sample_updates us)
// For n updates the result has a(n) = sum_k C(n,k) k! lists (1, 2, 5, 16, 65, ...); for [a; b] it
// is [], [b], [a], [a; b], [b; a].
#ifndef PTX_EXPLORER_SAMPLE_AND_SHUFFLE_H_
#define PTX_EXPLORER_SAMPLE_AND_SHUFFLE_H_

#include <span>
#include <vector>

#include "pagetable/npt_image.h"
#include "pagetable/update.h"

namespace ptx {

template <class T>
using CoqList = std::vector<T>;

template <class T>
std::vector<CoqList<T>> insert_into_lists(const T& e, const std::vector<CoqList<T>>& lists);
template <class T>
std::vector<CoqList<T>> sample_updates(std::span<const T> updates);
template <class T>
std::vector<CoqList<T>> insert_into_middle(const CoqList<T>& pre, std::span<const T> post, const T& e);
template <class T>
std::vector<CoqList<T>> insert_into_shuffled_lists(const T& e, const std::vector<CoqList<T>>& lists);
template <class T>
std::vector<CoqList<T>> shuffle_updates(std::span<const T> updates);
template <class T>
std::vector<CoqList<T>> shuffle_lists(const std::vector<CoqList<T>>& lists);
// REQUIRES: updates.size() <= 10 (a(10) = 9,864,101 lists).
template <class T>
std::vector<CoqList<T>> sample_and_shuffle_updates(std::span<const T> updates);

// Coq `update_npt updates npt` with cumulative application: the last element of `updates` is
// applied first and the head last, each on the state the previous step produced.
void update_npt(std::span<const Update> updates, NptImage& npt);

// The Coq definition literally: each step overwrites one pool of the accumulated state with
// (the pool of the ORIGINAL `npt`) # entry == value, so an earlier write to the same pool in the
// same list is lost. Equal to update_npt when no pool is written twice in `updates` (as for every
// set_npt section); tests show an input where they differ.
NptImage update_npt_coq_quirk(std::span<const Update> updates, const NptImage& npt);

}  // namespace ptx

#include "explorer/sample_and_shuffle_inl.h"

#endif  // PTX_EXPLORER_SAMPLE_AND_SHUFFLE_H_
