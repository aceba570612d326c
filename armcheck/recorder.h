// SPDX-License-Identifier: BSD-2-Clause
// Recorder: ptx inside a user's own unit tests. The user wraps their page-table code's memory
// accessors and lock calls:
//
//   ptx::Recorder rec;                        // Arm descriptor rules, fast exploration
//   rec.init(pool_pa, pool_bytes);            // page-table memory that reads as zero
//   rec.root(root_pa, ptx::Stage::k2, vmid);  // a VTTBR_EL2: a live stage-2 root
//   rec.lock(lock_id);                        // the table's lock taken by this thread
//   rec.write(pte_pa, value, "pgt.c:88");     // every descriptor store, where it is made
//   rec.barrier();                            // a DSB ISH by this thread
//   rec.unlock(lock_id);                      // the critical section is explored here
//   EXPECT_TRANSACTIONAL(rec);                // gtest/transactional.h
//
// and gets back, per section (Options::on_section) or at the end (finish()), the same
// explorations, verdict classes and findings as `ptx check` gives for a casemate trace of the same
// events: the recorder is a second producer of the casemate reader's events (armtrace/event.h),
// folded by the same EventChecker (event_checker.h). It can also write them as a casemate-format
// trace (write_casemate) for `ptx check` and its pictures.
//
// Threads: each OS thread that records is one traced CPU (tid 0, 1, ... in order of first use; at
// most 4, as in casemate). Thread-safe: events of concurrent threads (e.g. writers holding
// different locks) are serialised in the order their calls take the recorder's mutex, which is a
// valid trace order. Cost: one mutex and one EventChecker step per call (BM_Recorder in
// bench/bench_casemate.cc).
// Errors (an unlock without its lock, a fifth thread, ...) are kept: status() is the first one, and
// every call after it does nothing.
#ifndef PTX_ARMCHECK_RECORDER_H_
#define PTX_ARMCHECK_RECORDER_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "armcheck/event_checker.h"
#include "armtrace/event.h"
#include "base/status.h"
#include "schedule/schedule_gate.h"

namespace ptx {

enum class Stage : uint8_t { k1 = 1, k2 = 2 };

class Recorder {
 public:
  struct Options {
    // Explore mode, compare mode, keep_all; check.observer: a second fold over the recorded events,
    // e.g. a tlb::TlbPass for the TLB verdicts (it must outlive the recorder).
    armcheck::CheckOptions check;
    bool keep_events = true;       // keep the events for write_casemate() (and the TLB check below)
    // true (default): EXPECT_TRANSACTIONAL (expect/transactional.h) also gives the TLB verdicts of
    // the recorded events (docs/tlb-model.md: stale entries after a missing or misplaced TLBI,
    // break-before-make conflicts, tables freed while cached) and fails on an error among them, as
    // `ptx check` does with its default --tlb on. Needs keep_events; skipped when check.observer is
    // set (a TLB pass of your own sees the events already). false: the transactional check alone.
    bool tlb = true;
    // Called (under the recorder's mutex) with every (section, root) pair a section changes,
    // when its unlock explores it.
    std::function<void(const CheckedSection&)> on_section;
    // A controlled scheduler's gate (schedule/schedule_gate.h; not owned): every call passes it
    // first, so that the scheduler picks which thread records next (expect/explore_schedules.h).
    // A lock call returns only when no other thread holds the lock: with a gate, call lock()
    // before taking the real lock (or let the recorder's lock be the lock).
    schedule::ScheduleGate* gate = nullptr;
  };

  Recorder() : Recorder(Options{}) {}
  explicit Recorder(Options options);
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // [pa, pa + bytes) reads as zero from now on (casemate mem-init; bytes rounded up to 8).
  void init(uint64_t pa, uint64_t bytes, const char* src = nullptr);
  // The table at `pa` (4 KiB aligned) becomes a live root: a VTTBR_EL2 write for Stage::k2 (`id`
  // the VMID), TTBR0_EL2 for Stage::k1 (`id` the ASID). `start_level` 0, 1 or 2 sets the
  // (V)TCR_EL2 input size first (48, 39 or 30 bits).
  void root(uint64_t pa, Stage stage, uint16_t id = 0, int start_level = 0, const char* src = nullptr);
  void lock(uint64_t lock_id, const char* src = nullptr);
  void unlock(uint64_t lock_id, const char* src = nullptr);
  // A 64-bit descriptor store of `value` to the word at physical address `pa`.
  void write(uint64_t pa, uint64_t value, const char* src = nullptr);
  // A DSB ISH by this thread: its section's earlier writes are complete.
  void barrier(const char* src = nullptr);
  // A DSB of another kind (ISHST: completes writes but no TLBI; NSH: completes local TLBIs only).
  void barrier(armtrace::DsbKind kind, const char* src = nullptr);
  // A TLBI by this thread: `op` with its register operand (armtrace::decode_tlbi_value's layout,
  // 0 for the ops that take none). Kept for the TLB check; the TPT check counts it.
  void tlbi(armtrace::TlbiOp op, uint64_t value = 0, const char* src = nullptr);
  // Any other event, as the casemate reader would give it (tid, id, line are filled in).
  void record(armtrace::Event e);

  // The first error so far (OK when none).
  Status status() const;
  // Closes the sections still open (open_at_end) and returns every result. The first call ends
  // the recording (later events are ignored); later calls return the same result.
  StatusOr<armcheck::CheckResult> finish();
  // The events recorded so far as a casemate-format trace, written atomically to `path`.
  // Errors: kBadInput when the events were not kept; kIoError naming the file.
  Status write_casemate(const std::string& path) const;
  // The events recorded so far, in trace order (empty when the events were not kept).
  std::vector<armtrace::Event> events() const;
  const Options& options() const { return options_; }

 private:
  void add(armtrace::Event e, const char* src);
  static schedule::HookPoint point_of(const armtrace::Event& e);
  uint32_t tid_of_this_thread();

  Options options_;
  mutable std::mutex mu_;
  armcheck::EventChecker checker_;
  std::vector<std::thread::id> threads_;  // index: tid
  std::vector<armtrace::Event> events_;
  uint64_t next_id_ = 1;
  Status status_;
  std::optional<armcheck::CheckResult> result_;  // once finished
};

}  // namespace ptx

#endif  // PTX_ARMCHECK_RECORDER_H_
