// SPDX-License-Identifier: BSD-2-Clause
// Random Arm page-table event streams for the TLB pass's property and differential tests: two
// tids, two stage-2 roots (VMIDs 1 and 2), six table pages and four data pages, every table slot
// used being 0..3 at each level, so that the whole input space is 4^4 pages (the reach of
// Geometry::arm_reduced(4, 2)) and a brute-force model can enumerate it. Sections (lock ... unlock
// of the root's lock) of writes (invalid, table, page, block, nT block, RO / XN / AF=0 /
// other-attribute leaves), DSBs of the three kinds, every TLBI op with addresses and TTL hints of
// that space, VTTBR switches, frees and release_table hints; with `overlap`, also sections of the
// two tids that overlap in time (the lock taken shared).
#ifndef PTX_TESTS_TLB_RANDOM_STREAM_H_
#define PTX_TESTS_TLB_RANDOM_STREAM_H_

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "armtrace/event.h"

namespace ptx::tlb::testing {

inline constexpr uint64_t kRoot0 = 0x100000, kRoot1 = 0x200000;
inline constexpr uint64_t kRootLock0 = 0x900, kRootLock1 = 0x901;
inline constexpr uint64_t kTablePages[] = {0x101000, 0x102000, 0x103000, 0x104000, 0x105000, 0x106000};
inline constexpr uint64_t kDataPages[] = {0x80000000, 0x80001000, 0x80002000, 0x80200000};

struct StreamShape {
  int sections = 12;
  int max_ops = 5;          // per section
  bool second_root = true;  // root 1 (VMID 2) and VTTBR switches
  bool frees = true;        // mem-free and release_table
  bool tlbis = true;
  bool publish = false;     // every section's writes end with a DSB ISH before its unlock
  // One section in two: both tids hold the lock shared, their ops interleaved. Every write is then
  // published at once (a DSB ISHST after it): see BruteTlb on the sections of stale entries.
  bool overlap = false;
};

// Makes a stream from a seed (a pseudo-random choice each time) or from bytes (each choice is the
// next byte modulo the number of options; the stream ends with the section the bytes end in).
class StreamMaker {
 public:
  StreamMaker(uint64_t seed, const StreamShape& shape) : rng_(seed), shape_(shape) {}
  StreamMaker(std::string_view bytes, const StreamShape& shape) : bytes_(bytes), from_bytes_(true), shape_(shape) {}

  std::vector<armtrace::Event> make() {
    setup();
    for (int s = 0; from_bytes_ ? next_ < bytes_.size() : s < shape_.sections; ++s) section();
    return std::move(events_);
  }

 private:
  using Event = armtrace::Event;
  using Kind = armtrace::EventKind;

  uint64_t pick(uint64_t n) {
    if (!from_bytes_) return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_);
    return next_ < bytes_.size() ? static_cast<uint8_t>(bytes_[next_++]) % n : 0;
  }
  Event& add(Kind k, uint32_t tid) {
    Event e;
    e.kind = k;
    e.tid = tid;
    e.id = events_.size() + 1;
    e.line = e.id;
    e.src = "r.c:" + std::to_string(e.id);
    events_.push_back(e);
    return events_.back();
  }
  void write(uint32_t tid, uint64_t address, uint64_t value) {
    Event& e = add(Kind::kMemWrite, tid);
    e.address = address;
    e.value = value;
  }
  void dsb(uint32_t tid, armtrace::DsbKind k) { add(Kind::kBarrier, tid).dsb_kind = k; }
  void vttbr(uint32_t tid, uint64_t root, uint64_t vmid) {
    Event& e = add(Kind::kSysregWrite, tid);
    e.sysreg = armtrace::Sysreg::kVttbrEl2;
    e.value = root | (vmid << 48);
  }
  void hint(uint32_t tid, armtrace::HintKind k, uint64_t location, uint64_t value) {
    Event& e = add(Kind::kHint, tid);
    e.hint_kind = k;
    e.location = location;
    e.value = value;
  }

  void init(uint64_t page) {
    Event& e = add(Kind::kMemInit, 0);
    e.address = page;
    e.size = 0x1000;
  }

  void setup() {
    for (uint64_t p : {kRoot0, kRoot1}) init(p);
    for (uint64_t p : kTablePages) init(p);
    hint(0, armtrace::HintKind::kSetRootLock, kRoot0, kRootLock0);
    hint(0, armtrace::HintKind::kSetRootLock, kRoot1, kRootLock1);
    if (shape_.second_root) vttbr(1, kRoot1, 2);
    vttbr(0, kRoot0, 1);
    vttbr(1, kRoot0, 1);
  }

  uint64_t value() {
    static constexpr uint64_t kLeafAttrs[] = {0x7ff, 0x7ff, 0x77f, 0x3ff, 0x7f3, 0x7ff | (uint64_t{1} << 54)};
    switch (pick(8)) {
      case 0:
      case 1: return 0;
      case 2:
      case 3: return kTablePages[pick(6)] | 3;
      case 4: return pick(2) == 0 ? 0x800007fd : 0x800107fd;  // a block (level 1/2) or nT block
      default: return kDataPages[pick(4)] | kLeafAttrs[pick(6)];
    }
  }
  uint64_t tlbi_value() {
    uint64_t ia = 0;
    for (int level = 0; level < 4; ++level) ia |= pick(4) << (39 - 9 * level);
    const uint64_t ttl = pick(3) == 0 ? 0 : 4 | pick(4);
    return (ia >> 12) | (ttl << 44);
  }

  void op(uint32_t tid) {
    const uint64_t r = pick(100);
    if (r < 45) {
      const uint64_t page = pick(4) == 0 ? (shape_.second_root && pick(2) ? kRoot1 : kRoot0) : kTablePages[pick(6)];
      write(tid, page + 8 * pick(4), value());
      if (shape_.overlap) dsb(tid, armtrace::DsbKind::kIshst);
    } else if (r < 68) {
      dsb(tid, static_cast<armtrace::DsbKind>(pick(3)));
    } else if (r < 90) {
      if (!shape_.tlbis) return;
      Event& e = add(Kind::kTlbi, tid);
      e.tlbi_op = static_cast<armtrace::TlbiOp>(pick(11));
      if (armtrace::tlbi_op_info(e.tlbi_op).takes_value) e.value = tlbi_value();
    } else if (r < 94) {
      if (shape_.second_root) pick(2) ? vttbr(tid, kRoot1, 2) : vttbr(tid, kRoot0, 1);
    } else if (r < 96) {
      add(Kind::kBarrier, tid).barrier = armtrace::BarrierType::kIsb;
    } else if (shape_.frees && r < 98) {
      Event& e = add(Kind::kMemFree, tid);
      e.address = pick(2) ? kDataPages[pick(4)] : kTablePages[pick(6)];
      e.size = 0x1000;
    } else if (shape_.frees) {
      hint(tid, armtrace::HintKind::kReleaseTable, kTablePages[pick(6)], 0);
    }
  }

  // Both tids take `lock` shared, one after the other; their ops interleave; either unlocks first.
  void shared_sections(uint64_t lock) {
    const uint32_t first = static_cast<uint32_t>(pick(2));
    add(Kind::kReadLock, first).address = lock;
    for (int i = static_cast<int>(pick(3)); i > 0; --i) op(first);
    add(Kind::kReadLock, 1 - first).address = lock;
    for (int i = 1 + static_cast<int>(pick(2 * shape_.max_ops)); i > 0; --i) op(static_cast<uint32_t>(pick(2)));
    const uint32_t closer = static_cast<uint32_t>(pick(2));
    add(Kind::kReadUnlock, closer).address = lock;
    for (int i = static_cast<int>(pick(3)); i > 0; --i) op(1 - closer);
    add(Kind::kReadUnlock, 1 - closer).address = lock;
  }

  void section() {
    if (shape_.overlap && pick(2) == 0) return shared_sections(shape_.second_root && pick(2) ? kRootLock1 : kRootLock0);
    const uint32_t tid = static_cast<uint32_t>(pick(2));
    const uint64_t lock = shape_.second_root && pick(2) ? kRootLock1 : kRootLock0;
    add(Kind::kLock, tid).address = lock;
    const int n = 1 + static_cast<int>(pick(shape_.max_ops));
    for (int i = 0; i < n; ++i) op(tid);
    if (shape_.publish) dsb(tid, armtrace::DsbKind::kIsh);
    add(Kind::kUnlock, tid).address = lock;
  }

  std::mt19937_64 rng_;
  std::string_view bytes_;
  size_t next_ = 0;
  bool from_bytes_ = false;
  StreamShape shape_;
  std::vector<armtrace::Event> events_;
};

inline std::vector<armtrace::Event> random_stream(uint64_t seed, const StreamShape& shape = {}) {
  return StreamMaker(seed, shape).make();
}

// The stream `bytes` choose (the fuzz target's input, fuzz/tlb_fold_oracle.h).
inline std::vector<armtrace::Event> stream_of_bytes(std::string_view bytes, const StreamShape& shape = {}) {
  return StreamMaker(bytes, shape).make();
}

}  // namespace ptx::tlb::testing

#endif  // PTX_TESTS_TLB_RANDOM_STREAM_H_
