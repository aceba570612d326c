// SPDX-License-Identifier: BSD-2-Clause
#include "schedule/scheduler.h"

#include <algorithm>
#include <charconv>
#include <thread>

#include <fmt/format.h>

#include "schedule/worker_pool.h"

namespace ptx::schedule {

namespace {

thread_local uint32_t t_me = kNoThread;  // the calling thread's index in the running schedule

}  // namespace

std::string schedule_id(const std::vector<ScheduleSwitch>& switches) {
  if (switches.empty()) return "0";
  std::string id;
  for (const ScheduleSwitch& s : switches) id += fmt::format("{}{}.{}", id.empty() ? "" : "-", s.step, s.tid);
  return id;
}

StatusOr<std::vector<ScheduleSwitch>> parse_schedule_id(std::string_view id, uint32_t threads) {
  std::vector<ScheduleSwitch> out;
  if (id == "0") return out;
  const auto bad = [&](std::string_view why) {
    return bad_input("--schedule '{}': {} (a schedule id is STEP.TID pairs joined by '-', or 0)", id, why);
  };
  size_t at = 0;
  while (at <= id.size()) {
    const size_t dash = std::min(id.find('-', at), id.size());
    const std::string_view pair = id.substr(at, dash - at);
    const size_t dot = pair.find('.');
    ScheduleSwitch s;
    if (dot == std::string_view::npos) return bad(fmt::format("'{}' has no '.'", pair));
    const char* b = pair.data();
    if (std::from_chars(b, b + dot, s.step).ptr != b + dot || dot == 0 ||
        std::from_chars(b + dot + 1, b + pair.size(), s.tid).ptr != b + pair.size() || dot + 1 == pair.size()) {
      return bad(fmt::format("'{}' is not two decimal numbers", pair));
    }
    if (s.tid >= threads) return bad(fmt::format("thread {} of a scenario with {} threads", s.tid, threads));
    if (!out.empty() && s.step <= out.back().step) return bad("the steps must ascend");
    out.push_back(s);
    at = dash + 1;
  }
  return out;
}

Scheduler::Scheduler(ScheduleStrategy* strategy, uint64_t step_bound) : strategy_(strategy), step_bound_(step_bound) {}

bool Scheduler::may_run(uint32_t t) const {
  if (!started_[t] || finished_[t]) return false;
  if (free_run_ || pending_[t].kind != HookPoint::kLock) return true;
  const auto it = locks_.find(pending_[t].address);
  if (it == locks_.end()) return true;
  return pending_[t].read_mode ? !it->second.writer : !it->second.writer && it->second.readers == 0;
}

// Picks the next thread (the strategy's pick among those that may run) and hands it the turn.
void Scheduler::decide(uint32_t me, bool yielded) {
  ScheduleStep s;
  s.step = out_.steps;
  s.current = me;
  s.yielded = yielded;
  s.pending = &pending_;
  const uint32_t n = static_cast<uint32_t>(pending_.size());
  for (uint32_t t = 0; t < n; ++t) {
    if (may_run(t)) s.enabled.push_back(t);
  }
  if (s.enabled.empty()) {
    if (unfinished_ == 0) return;
    out_.deadlock = true;  // threads wait at a lock no running thread can release
    out_.deadlock_step = out_.steps;
    free_run_ = true;
    return decide(me, yielded);
  }
  if (!free_run_ && out_.steps >= step_bound_) {
    out_.livelock = true;
    free_run_ = true;
  }
  s.current_enabled = me != kNoThread && may_run(me);
  const uint32_t from = me == kNoThread ? n - 1 : me;
  uint32_t next = s.enabled.front();  // the next thread after `me` that may run, cyclically
  for (uint32_t i = 1; i <= n; ++i) {
    const uint32_t t = (from + i) % n;
    if (std::find(s.enabled.begin(), s.enabled.end(), t) != s.enabled.end()) {
      next = t;
      break;
    }
  }
  s.default_pick = s.current_enabled && !yielded ? me : next;
  uint32_t pick = free_run_ ? next : strategy_->pick(s);  // free run: round-robin, so that all end
  if (std::find(s.enabled.begin(), s.enabled.end(), pick) == s.enabled.end()) pick = s.default_pick;
  if (pick != s.default_pick) out_.switches.push_back(ScheduleSwitch{out_.steps, pick});
  const HookPoint& p = pending_[pick];
  trace_.add_word(pick).add_word(uint64_t{p.kind} << 1 | p.read_mode).add_word(p.address);
  out_.trace_hash = trace_.value();
  ++out_.steps;
  const bool handoff = pick != running_.load(std::memory_order_relaxed);
  running_.store(pick, std::memory_order_release);
  if (handoff) cvs_[pick]->notify_one();
}

// Waits with `l` held, returns with it released.
void Scheduler::wait_turn(std::unique_lock<std::mutex>& l, uint32_t me) {
  if (running_.load(std::memory_order_acquire) == me) return l.unlock();
  // Sleeps at once: polling for the turn only takes a CPU from the thread that hands it over (on
  // one CPU), or from the checks (bench/bench_schedules.cc: no polling was 1.6-1.8x faster on 2
  // cores and on 1). A thread switches only a few times a schedule (a PCT change point, a yield).
  cvs_[me]->wait(l, [&] { return running_.load(std::memory_order_relaxed) == me; });
  l.unlock();
}

void Scheduler::take(const HookPoint& p) {
  if (p.kind != HookPoint::kLock && p.kind != HookPoint::kUnlock) return;
  std::lock_guard<std::mutex> l(mu_);
  LockState& lock = locks_[p.address];
  if (p.kind == HookPoint::kLock && p.read_mode) {
    ++lock.readers;
  } else if (p.kind == HookPoint::kLock) {
    lock.writer = true;
  } else if (p.read_mode) {
    lock.readers -= lock.readers > 0 ? 1 : 0;
  } else {
    lock.writer = false;
  }
}

void Scheduler::at(const HookPoint& p) {
  const uint32_t me = t_me;
  if (me == kNoThread) return;  // a thread outside the schedule (setup, teardown)
  std::unique_lock<std::mutex> l(mu_);
  pending_[me] = p;
  decide(me, p.kind == HookPoint::kYield);
  wait_turn(l, me);
  take(p);
}

void Scheduler::finish(uint32_t me) {
  std::lock_guard<std::mutex> l(mu_);
  finished_[me] = true;
  --unfinished_;
  decide(me, false);
}

ScheduleOutcome Scheduler::run(const std::vector<std::function<void(uint32_t)>>& bodies) {
  const uint32_t n = static_cast<uint32_t>(bodies.size());
  {
    std::lock_guard<std::mutex> l(mu_);
    pending_.assign(n, HookPoint{HookPoint::kStart, false, 0});
    started_.assign(n, false);
    finished_.assign(n, false);
    cvs_.clear();
    for (uint32_t t = 0; t < n; ++t) cvs_.push_back(std::make_unique<std::condition_variable>());
    running_.store(kNoThread, std::memory_order_relaxed);
    unfinished_ = n;
    out_ = ScheduleOutcome{};
    locks_.clear();
    free_run_ = false;
    trace_ = Fnv1a();
    out_.trace_hash = trace_.value();
  }
  std::vector<std::function<void()>> jobs;
  for (uint32_t t = 0; t < n; ++t) {
    jobs.push_back([this, t, &bodies] {
      t_me = t;
      std::unique_lock<std::mutex> l(mu_);
      if (t == 0) {  // every thread waits for its turn from here on: the first pick
        started_.assign(started_.size(), true);
        decide(kNoThread, false);
      }
      wait_turn(l, t);
      bodies[t](t);
      finish(t);
      t_me = kNoThread;
    });
  }
  WorkerPool::instance().run(jobs);
  return out_;
}

}  // namespace ptx::schedule
