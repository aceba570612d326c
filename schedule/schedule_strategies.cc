// SPDX-License-Identifier: BSD-2-Clause
#include "schedule/schedule_strategies.h"

#include <algorithm>
#include <numeric>

namespace ptx::schedule {

namespace {

bool contains(const std::vector<uint32_t>& v, uint32_t t) { return std::find(v.begin(), v.end(), t) != v.end(); }

}  // namespace

uint32_t ReplayStrategy::pick(const ScheduleStep& s) {
  while (next_ < switches_.size() && switches_[next_].step < s.step) ++next_;
  if (next_ < switches_.size() && switches_[next_].step == s.step) return switches_[next_].tid;
  return s.default_pick;
}

PctStrategy::PctStrategy(uint64_t seed, uint64_t index, uint32_t threads, uint32_t depth, uint64_t steps) {
  std::seed_seq seq{seed, index, uint64_t{0x70637473}};  // "pcts"
  std::mt19937_64 rng(seq);
  priority_.resize(threads);
  std::iota(priority_.begin(), priority_.end(), int64_t{depth});
  std::shuffle(priority_.begin(), priority_.end(), rng);
  std::uniform_int_distribution<uint64_t> at(0, std::max<uint64_t>(steps, 1) - 1);
  for (uint32_t i = 1; i < depth; ++i) change_.push_back(at(rng));
  std::sort(change_.begin(), change_.end());
  low_ = depth;
}

uint32_t PctStrategy::pick(const ScheduleStep& s) {
  if (s.current != kNoThread) {
    for (uint64_t c : change_) {
      if (c == s.step) priority_[s.current] = --low_;  // a change point: the running thread drops
    }
    if (s.yielded) priority_[s.current] = --low_;
  }
  uint32_t best = s.enabled.front();
  for (uint32_t t : s.enabled) {
    if (priority_[t] > priority_[best]) best = t;
  }
  return best;
}

std::set<uint32_t> BoundedSearch::child_sleep(const Node& n, uint32_t t) const {
  std::set<uint32_t> out;
  if (!sleep_sets_) return out;
  const auto keep = [&](uint32_t u) {
    if (u != t && !n.pending[u].depends_on(n.pending[t])) out.insert(u);
  };
  for (uint32_t u : n.sleep) keep(u);
  for (uint32_t u : n.done) keep(u);
  return out;
}

uint32_t BoundedSearch::Walker::pick(const ScheduleStep& s) {
  std::vector<Node>& stack = search->stack_;
  if (s.step < replay && s.step < stack.size()) {
    const uint32_t t = stack[s.step].chosen;
    return contains(s.enabled, t) ? t : s.default_pick;
  }
  Node n;
  n.enabled = s.enabled;
  n.pending = *s.pending;
  n.current = s.current;
  n.current_enabled = s.current_enabled;
  n.yielded = s.yielded;
  n.default_pick = s.default_pick;
  if (!stack.empty()) {
    const Node& p = stack.back();
    n.preemptions = p.preemptions + (p.preempts(p.chosen) ? 1 : 0);
    n.sleep = blocked ? std::set<uint32_t>{} : search->child_sleep(p, p.chosen);
  }
  const auto allowed = [&](uint32_t t) { return search->allowed(n, t) && !n.sleep.count(t); };
  n.chosen = kNoThread;
  if (!blocked && allowed(n.default_pick)) n.chosen = n.default_pick;
  for (uint32_t t : n.enabled) {
    if (!blocked && n.chosen == kNoThread && allowed(t)) n.chosen = t;
  }
  if (n.chosen == kNoThread) {
    blocked = true;  // every thread that may run sleeps: a repeat of a schedule run before
    n.chosen = n.default_pick;
  }
  if (blocked) n.done.insert(n.enabled.begin(), n.enabled.end());
  n.done.insert(n.chosen);
  stack.push_back(std::move(n));
  return stack.back().chosen;
}

// Within the preemption bound, and fair: a thread that yielded does not run again while another
// may (a spin loop waits for the others; picking it again would only spin).
bool BoundedSearch::allowed(const Node& n, uint32_t t) const {
  if (n.yielded && t == n.current && n.enabled.size() > 1) return false;
  return n.preemptions + (n.preempts(t) ? 1 : 0) <= bound_;
}

bool BoundedSearch::advance() {
  while (!stack_.empty()) {
    Node& n = stack_.back();
    for (uint32_t t : n.enabled) {
      if (n.done.count(t) || !allowed(n, t)) continue;
      if (n.sleep.count(t)) {
        ++pruned_;
        n.done.insert(t);
        continue;
      }
      n.done.insert(t);
      n.chosen = t;
      walker_.replay = stack_.size();
      walker_.blocked = false;
      return true;
    }
    stack_.pop_back();
  }
  return false;
}

}  // namespace ptx::schedule
