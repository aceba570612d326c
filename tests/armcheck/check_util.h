// SPDX-License-Identifier: BSD-2-Clause
// Helpers for the armcheck tests: check a trace file of tests/data/casemate/ or a text, and build
// event streams in code (each event gets the next line number, so findings and section lines
// can be asserted).
#ifndef PTX_TESTS_ARMCHECK_CHECK_UTIL_H_
#define PTX_TESTS_ARMCHECK_CHECK_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "armcheck/casemate_check.h"
#include "armcheck/event_checker.h"
#include "armtrace/event.h"
#include "tests/support/test_paths.h"

namespace ptx::armcheck::testing {

inline std::string data_path(const std::string& name) {
  return ::ptx::test::source_dir() + "/tests/data/casemate/" + name;
}

// Sequential exploration, every explored (section, root) kept.
inline CheckOptions keep_all(bool parallel = false) {
  CheckOptions o;
  o.explore.parallel = parallel;
  o.keep_all = true;
  return o;
}

inline StatusOr<CasemateRun> check_text(const std::string& text, const CheckOptions& o = keep_all(),
                                        const std::string& name = "t.trace") {
  std::istringstream in(text);
  return check_casemate(in, name, o, {});
}

// Checks tests/data/casemate/NAME (named NAME in positions).
inline StatusOr<CasemateRun> check_file(const std::string& name, const CheckOptions& o = keep_all()) {
  std::ifstream in(data_path(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << data_path(name);
  return check_casemate(in, name, o, {});
}

// The kept sections explored for the root at `root`.
inline std::vector<const CheckedSection*> kept_for_root(const CheckResult& r, uint64_t root) {
  std::vector<const CheckedSection*> out;
  for (const CheckedSection& c : r.kept) {
    if (c.context && c.context->root == root) out.push_back(&c);
  }
  return out;
}

// An event stream built in code: line n is the n-th event (1-based), src "t.c:n".
class Stream {
 public:
  using Event = armtrace::Event;
  using Kind = armtrace::EventKind;

  uint64_t init(uint64_t address, uint64_t size = 0x1000, uint32_t tid = 0) {
    Event e = make(Kind::kMemInit, tid);
    e.address = address;
    e.size = size;
    return push(e);
  }
  uint64_t set(uint64_t address, uint64_t size, uint64_t value, uint32_t tid = 0) {
    Event e = make(Kind::kMemSet, tid);
    e.address = address;
    e.size = size;
    e.value = value;
    return push(e);
  }
  uint64_t write(uint32_t tid, uint64_t address, uint64_t value) {
    Event e = make(Kind::kMemWrite, tid);
    e.address = address;
    e.value = value;
    return push(e);
  }
  // A store of a compare-and-swap that found its value (ptx's dialect: mem-order cas).
  uint64_t cas(uint32_t tid, uint64_t address, uint64_t value) {
    Event e = make(Kind::kMemWrite, tid);
    e.mem_order = armtrace::MemOrder::kCas;
    e.address = address;
    e.value = value;
    return push(e);
  }
  uint64_t read_lock(uint32_t tid, uint64_t address) { return lock(tid, address, Kind::kReadLock); }
  uint64_t read_unlock(uint32_t tid, uint64_t address) { return lock(tid, address, Kind::kReadUnlock); }
  uint64_t read(uint32_t tid, uint64_t address, uint64_t value) {
    Event e = make(Kind::kMemRead, tid);
    e.address = address;
    e.value = value;
    return push(e);
  }
  uint64_t lock(uint32_t tid, uint64_t address, Kind kind = Kind::kLock) {
    Event e = make(kind, tid);
    e.address = address;
    return push(e);
  }
  uint64_t unlock(uint32_t tid, uint64_t address) { return lock(tid, address, Kind::kUnlock); }
  uint64_t dsb(uint32_t tid, armtrace::DsbKind kind = armtrace::DsbKind::kIsh) {
    Event e = make(Kind::kBarrier, tid);
    e.dsb_kind = kind;
    return push(e);
  }
  uint64_t isb(uint32_t tid) {
    Event e = make(Kind::kBarrier, tid);
    e.barrier = armtrace::BarrierType::kIsb;
    return push(e);
  }
  uint64_t sysreg(uint32_t tid, armtrace::Sysreg reg, uint64_t value) {
    Event e = make(Kind::kSysregWrite, tid);
    e.sysreg = reg;
    e.value = value;
    return push(e);
  }
  uint64_t vttbr(uint32_t tid, uint64_t base, uint64_t vmid) {
    return sysreg(tid, armtrace::Sysreg::kVttbrEl2, base | (vmid << 48));
  }
  uint64_t root_lock_hint(uint32_t tid, uint64_t root, uint64_t lock) {
    Event e = make(Kind::kHint, tid);
    e.hint_kind = armtrace::HintKind::kSetRootLock;
    e.location = root;
    e.value = lock;
    return push(e);
  }

  const std::vector<Event>& events() const { return events_; }
  uint64_t last_line() const { return events_.size(); }

  // Feeds every event to a fresh checker; the first error, or finish()'s result.
  StatusOr<CheckResult> check(const CheckOptions& o = keep_all(), std::optional<std::string> verdict = {}) const {
    EventChecker c("t.trace", o);
    for (const Event& e : events_) PTX_RETURN_IF_ERROR(c.add(e));
    return c.finish(std::move(verdict), last_line());
  }

 private:
  Event make(Kind kind, uint32_t tid) const {
    Event e;
    e.kind = kind;
    e.tid = tid;
    e.id = events_.size() + 1;
    e.line = events_.size() + 1;
    e.column = 1;
    e.src = "t.c:" + std::to_string(e.line);
    return e;
  }
  uint64_t push(const Event& e) {
    events_.push_back(e);
    return e.line;
  }
  std::vector<Event> events_;
};

}  // namespace ptx::armcheck::testing

#endif  // PTX_TESTS_ARMCHECK_CHECK_UTIL_H_
