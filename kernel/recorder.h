// SPDX-License-Identifier: BSD-2-Clause
// KernelRecorder: ptx's side of a kernel engine's hooks (kernel_abi.h struct ptx_k_hooks) for one
// VM: each page-table entry access, barrier, TLBI, VTTBR load, MMU-lock operation, table
// allocation and free becomes an Arm page-table event (armtrace/event.h, the vocabulary of
// casemate traces and ptx's dialect of it), appended to the VM's EventLog in the order the accesses
// happen: entry accesses are performed and recorded under one lock, so the log is a real order of
// the shared memory (a write, and a cmpxchg that finds its value, are mem-write events; mem-order
// plain, release or cas). The VM's MMU lock is a real reader-writer lock: read-lock / lock events
// follow its acquisition and read-unlock / unlock events precede its release.
//
// Threads: each thread that runs the engine's code says which CPU it is (bind_thread: the event's
// tid, 0..3). RCU: call_rcu callbacks run once every thread that was inside an RCU read-side
// section when they were queued has left it (poll_rcu, from a thread outside any engine call).
// WARN_ON / BUG_ON are kept as `kernel-warn` findings (file and line).
#ifndef PTX_KERNEL_RECORDER_H_
#define PTX_KERNEL_RECORDER_H_

#include <array>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "armtrace/event.h"
#include "explorer/totals.h"
#include "kernel/kernel_abi.h"
#include "schedule/schedule_gate.h"
#include "kernel/table_arena.h"

namespace ptx::kernel {

using schedule::HookPoint;
using schedule::ScheduleGate;

// A VM's events, and the op boundaries between them (marks), in order. `Mark::at` is the number of
// events before it.
struct EventLog {
  struct Mark {
    size_t at = 0;
    bool end = false;   // false: the op begins; true: it has returned
    uint64_t op = 0;    // the op's number in the VM (KernelVm)
  };
  std::vector<armtrace::Event> events;
  std::vector<Mark> marks;
  void clear() {
    events.clear();
    marks.clear();
  }
};

class KernelRecorder {
 public:
  // `lock` is the MMU lock's identity in the events; events are numbered from 1 (their `id` and
  // `line`). REQUIRES: arena outlives the recorder.
  KernelRecorder(TableArena* arena, uint64_t lock, bool record_reads);
  KernelRecorder(const KernelRecorder&) = delete;
  KernelRecorder& operator=(const KernelRecorder&) = delete;

  const ptx_k_hooks* hooks() const { return &hooks_; }
  // The calling thread is CPU `tid` (0..armtrace::kMaxTid) from now on, for every recorder.
  static void bind_thread(uint32_t tid);

  // Appends an event made outside the engine (the VM's setup: VTCR_EL2, VTTBR_EL2, set_root_lock),
  // and op boundaries. Thread safe.
  void add(armtrace::Event e);
  void mark(bool end, uint64_t op);
  // Moves the events and marks recorded so far into `out` (cleared first). Thread safe.
  void take(EventLog* out);
  size_t pending_events() const;

  // Hands every hook to `gate` first (schedule_gate.h; nullptr: none). With a gate the MMU lock is
  // the gate's to model (the scheduler runs one thread at a time and never lets a thread take a
  // lock another holds), freed table pages are never handed out again during the run, and an
  // entry access to a freed page is the finding walk-after-free, a second free double-free.
  // REQUIRES: no thread is in the engine's code.
  void set_gate(ScheduleGate* gate);

  // Runs the RCU callbacks whose grace period is over (all: `all`, when no thread is in the code).
  void poll_rcu(bool all);
  std::vector<Finding> take_findings();
  uint64_t events_recorded() const;

 private:
  struct RcuCallback {
    void (*fn)(void*);
    void* arg;
    std::array<uint64_t, armtrace::kMaxTid + 1> gen;  // each tid's section count when queued
    std::array<bool, armtrace::kMaxTid + 1> inside;   // the tid was inside a section then
  };
  static KernelRecorder* of(void* self) { return static_cast<KernelRecorder*>(self); }
  void append(armtrace::Event&& e);  // REQUIRES: mu_ held
  armtrace::Event event(armtrace::EventKind kind, ptx_k_src at) const;
  static std::string src_of(ptx_k_src at);

  // The hooks (kernel_abi.h); `self` is the recorder.
  static uint64_t h_read(void* self, const uint64_t* word, ptx_k_src at);
  static void h_write(void* self, uint64_t* word, uint64_t value, int order, ptx_k_src at);
  static uint64_t h_cmpxchg(void* self, uint64_t* word, uint64_t expected, uint64_t desired, ptx_k_src at);
  static void h_barrier(void* self, int kind, ptx_k_src at);
  static void h_tlbi(void* self, int op, uint64_t value, ptx_k_src at);
  static void h_load_vttbr(void* self, uint64_t vttbr, ptx_k_src at);
  static void h_lock(void* self, int mode, ptx_k_src at);
  static void h_unlock(void* self, int mode, ptx_k_src at);
  static void h_rcu_read_lock(void* self, ptx_k_src at);
  static void h_rcu_read_unlock(void* self, ptx_k_src at);
  static void h_call_rcu(void* self, void (*fn)(void*), void* arg, ptx_k_src at);
  static void* h_alloc_page(void* self, ptx_k_src at);
  static int h_page_ref(void* self, void* virt, int delta, ptx_k_src at);
  static uint64_t h_virt_to_phys(void* self, const void* virt);
  static void* h_phys_to_virt(void* self, uint64_t phys);
  static void h_warn(void* self, const char* condition, ptx_k_src at);
  static void h_yield(void* self, ptx_k_src at);
  static uint64_t h_hw_read(void* self, const uint64_t* word, ptx_k_src at);
  void pass(HookPoint::Kind kind, uint64_t address = 0, bool read_mode = false) {
    if (gate_ != nullptr) gate_->at(HookPoint{kind, read_mode, address});
  }
  uint64_t phys_of(const void* word) const;  // the physical byte address of `word` in the arena (0: not ours)
  void check_live(const void* word, ptx_k_src at);  // REQUIRES: mu_ held

  TableArena* arena_;
  uint64_t lock_;
  bool record_reads_;
  ptx_k_hooks hooks_{};
  mutable std::mutex mu_;  // orders the accesses and guards everything below
  EventLog log_;
  uint64_t next_id_ = 1;
  std::array<uint64_t, armtrace::kMaxTid + 1> vttbr_{};  // each tid's VTTBR_EL2 as recorded
  std::array<uint64_t, armtrace::kMaxTid + 1> rcu_gen_{};
  std::array<bool, armtrace::kMaxTid + 1> rcu_inside_{};
  std::vector<RcuCallback> rcu_;
  std::vector<Finding> findings_;
  std::shared_mutex mmu_lock_;  // the VM's MMU lock itself (without a gate)
  ScheduleGate* gate_ = nullptr;
};

}  // namespace ptx::kernel

#endif  // PTX_KERNEL_RECORDER_H_
