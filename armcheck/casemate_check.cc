// SPDX-License-Identifier: BSD-2-Clause
#include "armcheck/casemate_check.h"

#include <array>
#include <atomic>
#include <thread>

#include <oneapi/tbb/concurrent_queue.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include "armtrace/casemate_reader.h"
#include "base/interrupt.h"

namespace ptx::armcheck {

bool looks_like_casemate(std::istream& in) {
  const std::istream::pos_type start = in.tellg();
  bool casemate = false;
  for (int i = 0, c; i < (64 << 10) && (c = in.get()) != EOF; ++i) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    casemate = c == '(' || c == '!';
    break;
  }
  in.clear();
  in.seekg(start);
  return casemate;
}

namespace {

// How many records ahead of the fold each step of EventChecker::prefetch runs.
constexpr std::array<size_t, 3> kPrefetchDistance = {6, 4, 2};

// Records read, and what ended the batch early: the end of the trace (more = false) or an error.
struct Batch {
  std::vector<armtrace::Event> events;
  size_t size = 0;
  bool more = true;
  Status error;
};

// The reader and the checker, and how far they got.
class Fold {
 public:
  Fold(std::istream& in, const std::string& name, const CheckOptions& options,
       const std::function<void(uint64_t)>& progress)
      : reader_(in, name), checker_(name, options), progress_(progress) {}

  // Fills `b` with up to kBatchRecords records. False when there was nothing left to read.
  bool read(Batch* b) {
    b->size = 0;
    b->more = true;
    b->error = ok_status();
    if (!reading_ || stop_.load(std::memory_order_relaxed)) return false;
    b->events.resize(kBatchRecords);
    while (b->size < kBatchRecords) {
      // Every 64 records (an interrupt is seen within microseconds; the test is a call): what was
      // read so far is checked and returned, marked interrupted.
      if (b->size % 64 == 0 && interrupted()) {
        b->more = false;
        break;
      }
      StatusOr<bool> more = reader_.next(&b->events[b->size]);
      if (!more.ok()) {
        b->error = more.status();
        break;
      }
      if (!(b->more = *more)) break;
      ++b->size;
    }
    reading_ = b->more && b->error.ok();
    return true;
  }

  // Checks the batch's records; false when the fold must stop (an error, or the end).
  bool check(const Batch& b) {
    for (size_t i = 0; i < b.size && status_.ok(); ++i) {
      prefetch(b, i);
      status_ = checker_.add(b.events[i]);
      last_line_ = b.events[i].line;
      if (++records_ % 4096 == 0 && progress_) progress_(records_);
    }
    if (status_.ok()) status_ = b.error;
    const bool go_on = status_.ok() && b.more;
    if (!go_on) stop_.store(true, std::memory_order_relaxed);
    return go_on;
  }

  // The memory the records a few places after the i-th touch is fetched ahead, in steps
  // (EventChecker::prefetch): a trace's writes land on scattered pages, and each one's lookups
  // are cache misses that would otherwise stall the fold one after the other.
  void prefetch(const Batch& b, size_t i) const {
    if (i + kPrefetchDistance[0] < b.size) checker_.prefetch(b.events[i + kPrefetchDistance[0]], 0);
    if (i + kPrefetchDistance[1] < b.size) checker_.prefetch(b.events[i + kPrefetchDistance[1]], 1);
    if (i + kPrefetchDistance[2] < b.size) checker_.prefetch(b.events[i + kPrefetchDistance[2]], 2);
  }

  StatusOr<CasemateRun> finish(std::istream& in, const std::string& name) {
    PTX_RETURN_IF_ERROR(status_);
    if (in.bad()) return io_error("{}: read error", name);
    if (progress_) progress_(records_);
    CasemateRun run;
    PTX_ASSIGN_OR_RETURN(run.result, checker_.finish(reader_.verdict(), last_line_));
    run.result.interrupted = interrupt_signal();
    run.warnings = reader_.warnings();
    return run;
  }

 private:
  armtrace::CasemateReader reader_;
  EventChecker checker_;
  const std::function<void(uint64_t)>& progress_;
  Status status_;
  bool reading_ = true;  // the reader's side: false once it reached the end or an error
  uint64_t records_ = 0, last_line_ = 0;
  std::atomic<bool> stop_{false};
};

// A thread of its own reads batches into free slots while the calling thread checks them, in
// order: two blocking queues pass the kLiveBatches slots back and forth, so the side that waits
// (the reader, mostly: it is the faster) sleeps instead of spinning on a core the checker needs.
// A null batch ends the trace.
void run_pipeline(Fold& fold, unsigned threads) {
  std::array<Batch, kLiveBatches> slots;
  tbb::concurrent_bounded_queue<Batch*> free_slots, full;
  for (Batch& b : slots) free_slots.push(&b);
  std::thread reader([&] {
    for (bool more = true; more;) {
      Batch* b = nullptr;
      free_slots.pop(b);
      more = fold.read(b);
      full.push(more ? b : nullptr);
    }
  });
  // For explorations that run in parallel: as many threads as asked, beyond the cores too (TBB
  // would otherwise cap its workers at the cores and print a warning), as run/lane_scheduler.cc.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, threads);
  tbb::task_arena arena(static_cast<int>(threads));
  arena.execute([&] {
    for (Batch* b = nullptr;;) {
      full.pop(b);
      const bool go_on = b != nullptr && fold.check(*b);
      if (b != nullptr) free_slots.push(b);  // after an early stop the reader takes it, sees the stop, ends
      if (!go_on) break;
    }
  });
  reader.join();
}

}  // namespace

StatusOr<CasemateRun> check_casemate(std::istream& in, const std::string& name, const CheckOptions& options,
                                     const std::function<void(uint64_t)>& progress, unsigned threads) {
  Fold fold(in, name, options, progress);
  if (threads >= 2) {
    run_pipeline(fold, threads);
  } else {
    Batch b;
    while (fold.read(&b) && fold.check(b)) {
    }
  }
  return fold.finish(in, name);
}

}  // namespace ptx::armcheck
