// SPDX-License-Identifier: BSD-2-Clause
#include "armcheck/recorder.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "armtrace/casemate_writer.h"
#include "formats/atomic_file.h"

namespace ptx {

using armtrace::Event;
using armtrace::EventKind;

namespace {

Event event(EventKind kind, uint64_t address = 0, uint64_t value = 0) {
  Event e;
  e.kind = kind;
  e.address = address;
  e.value = value;
  return e;
}

}  // namespace

Recorder::Recorder(Options options)
    : options_(std::move(options)), checker_("recorder", [this] {
        armcheck::CheckOptions c = options_.check;
        if (options_.on_section) c.on_section = options_.on_section;
        return c;
      }()) {}

uint32_t Recorder::tid_of_this_thread() {
  const std::thread::id me = std::this_thread::get_id();
  const auto it = std::find(threads_.begin(), threads_.end(), me);
  if (it != threads_.end()) return static_cast<uint32_t>(it - threads_.begin());
  threads_.push_back(me);
  return static_cast<uint32_t>(threads_.size() - 1);
}

// The access a scheduler sees for an event: entry writes and reads by address, a lock by its id;
// everything else is ordered with every access (HookPoint::depends_on).
schedule::HookPoint Recorder::point_of(const Event& e) {
  using schedule::HookPoint;
  switch (e.kind) {
    case EventKind::kMemWrite: return HookPoint{HookPoint::kWrite, false, e.address};
    case EventKind::kMemRead: return HookPoint{HookPoint::kRead, false, e.address};
    case EventKind::kLock: return HookPoint{HookPoint::kLock, false, e.address};
    case EventKind::kUnlock: return HookPoint{HookPoint::kUnlock, false, e.address};
    case EventKind::kTlbi: return HookPoint{HookPoint::kTlbi, false, 0};
    default: return HookPoint{HookPoint::kBarrier, false, 0};
  }
}

void Recorder::add(Event e, const char* src) {
  if (options_.gate != nullptr) options_.gate->at(point_of(e));
  std::lock_guard<std::mutex> l(mu_);
  if (!status_.ok() || result_) return;
  e.tid = tid_of_this_thread();
  if (e.tid > armtrace::kMaxTid) {
    status_ = bad_input("a fifth thread records: the recorder traces at most {} CPUs, as casemate does",
                        armtrace::kMaxTid + 1);
    return;
  }
  e.id = next_id_++;
  e.line = e.id;  // the event's position in the recorded trace (its line in write_casemate's file)
  e.src = src != nullptr && armtrace::src_problem(src).empty() ? src : fmt::format("recorder:{}", e.id);
  if (options_.keep_events) events_.push_back(e);
  status_ = checker_.add(e);
}

void Recorder::init(uint64_t pa, uint64_t bytes, const char* src) {
  Event e = event(EventKind::kMemInit, pa);
  e.size = bytes;
  add(std::move(e), src);
}

void Recorder::root(uint64_t pa, Stage stage, uint16_t id, int start_level, const char* src) {
  static constexpr uint64_t kT0sz[] = {16, 25, 34};
  const bool s2 = stage == Stage::k2;
  if (start_level != 0) {
    Event tcr = event(EventKind::kSysregWrite, 0, kT0sz[std::clamp(start_level, 0, 2)]);
    tcr.sysreg = s2 ? armtrace::Sysreg::kVtcrEl2 : armtrace::Sysreg::kTcrEl2;
    add(std::move(tcr), src);
  }
  Event ttbr = event(EventKind::kSysregWrite, 0, (pa & ~uint64_t{0xfff}) | (uint64_t{id} << 48));
  ttbr.sysreg = s2 ? armtrace::Sysreg::kVttbrEl2 : armtrace::Sysreg::kTtbr0El2;
  add(std::move(ttbr), src);
}

void Recorder::lock(uint64_t lock_id, const char* src) { add(event(EventKind::kLock, lock_id), src); }
void Recorder::unlock(uint64_t lock_id, const char* src) { add(event(EventKind::kUnlock, lock_id), src); }
void Recorder::write(uint64_t pa, uint64_t value, const char* src) {
  add(event(EventKind::kMemWrite, pa, value), src);
}
void Recorder::barrier(const char* src) { add(event(EventKind::kBarrier), src); }  // dsb ish
void Recorder::barrier(armtrace::DsbKind kind, const char* src) {
  Event e = event(EventKind::kBarrier);
  e.dsb_kind = kind;
  add(std::move(e), src);
}
void Recorder::tlbi(armtrace::TlbiOp op, uint64_t value, const char* src) {
  Event e = event(EventKind::kTlbi, 0, armtrace::tlbi_op_info(op).takes_value ? value : 0);
  e.tlbi_op = op;
  add(std::move(e), src);
}

void Recorder::record(Event e) {
  const std::string src = e.src;
  add(std::move(e), src.empty() ? nullptr : src.c_str());
}

Status Recorder::status() const {
  std::lock_guard<std::mutex> l(mu_);
  return status_;
}

StatusOr<armcheck::CheckResult> Recorder::finish() {
  std::lock_guard<std::mutex> l(mu_);
  if (!status_.ok()) return status_;
  if (!result_) {
    StatusOr<armcheck::CheckResult> r = checker_.finish(std::nullopt, next_id_ - 1);
    if (!r.ok()) return status_ = r.status();
    result_ = std::move(r).value();
  }
  return *result_;
}

std::vector<armtrace::Event> Recorder::events() const {
  std::lock_guard<std::mutex> l(mu_);
  return events_;
}

Status Recorder::write_casemate(const std::string& path) const {
  std::lock_guard<std::mutex> l(mu_);
  if (!options_.keep_events) return bad_input("the recorder did not keep its events (Options::keep_events)");
  std::ostringstream text;
  armtrace::CasemateWriter w(text);
  for (const Event& e : events_) PTX_RETURN_IF_ERROR(w.write(e));
  return formats::write_file_atomically(path, text.str());
}

}  // namespace ptx
