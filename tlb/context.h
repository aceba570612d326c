// SPDX-License-Identifier: BSD-2-Clause
// Context: one translation context of the TLB pass (TLB-MODEL.md §2): a root table with its stage,
// VMID/ASID and walk geometry, and its explicit *stale* entries. Live entries — everything a walk
// from the root can read now — are implicit: every PE class may cache them (decision (b)).
//
// A stale entry (StaleEntry) is a cached Leaf or Walk (table descriptor) that memory no longer
// gives at its input address, with the PE classes that may still hold it: CpuMask bit t for
// traced tid t (0..3), bit 4 (kTopClass, ⊤) for every other PE. A stage-2 Leaf carries its
// Combined (stage 1+2) twin as a second holder mask (part 1), which `ipas2e1is` does not reach
// and `vmalle1is` does (TLB-MODEL.md §3 table; Arm ARM TLBI IPAS2E1IS text).
#ifndef PTX_TLB_CONTEXT_H_
#define PTX_TLB_CONTEXT_H_

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "pagetable/geometry.h"
#include "tlb/descriptor.h"

namespace ptx::tlb {

using CpuMask = uint8_t;
inline constexpr CpuMask kTopClass = 1u << 4;
inline constexpr CpuMask kEveryClass = 0x1f;
constexpr CpuMask class_of(uint32_t tid) { return static_cast<CpuMask>(1u << tid); }
inline constexpr int kClassCount = 5;  // bits 0..4 of a CpuMask

// Calls f(class mask, class index) for each class of `m`, lowest bit first (`m` is a copy: f may
// change the caller's mask).
template <typename F>
void for_each_class(CpuMask m, F&& f) {
  for (int i = 0; i < kClassCount; ++i) {
    const CpuMask p = class_of(static_cast<uint32_t>(i));
    if ((m & p) != 0) f(p, i);
  }
}

// A cached entry's identity in its context: input address base, Arm level, kind, descriptor.
struct EntryKey {
  uint64_t ia = 0;
  int level = 0;
  EntryKind kind = EntryKind::kLeaf;
  uint64_t desc = 0;
  friend auto operator<=>(const EntryKey&, const EntryKey&) = default;
};

// What the TLBIs that reached a part did (TLB-MODEL.md §4 `cause`).
enum HistoryBit : uint8_t {
  kCoveredBeforeDsb = 1,  // covered while still re-derivable (its overwrite not yet visible)
  kCoveredButTtl = 2,     // only a TLBI with a wrong TTL hint would have covered it
  kCoveredButVmid = 4,    // its writer flushed it with another VMID loaded
  kDoomedLocally = 8,     // a local (non-broadcast) TLBI doomed it
};

struct StaleEntry {
  uint64_t serial = 0;                // unique per entry lifetime (TLBI dooms refer to it)
  std::array<CpuMask, 2> holders{};   // [0] the Leaf / Walk, [1] its Combined twin (stage-2 leaves)
  std::array<uint8_t, 2> history{};   // HistoryBits per part
  std::array<uint16_t, 2> dooms{};    // pending (not yet completed) TLBIs that remove it from some holder
  uint64_t word = 0;                  // the descriptor's physical address
  uint64_t line = 0;                  // the event that made it stale (a write, or a DSB completing a TLBI)
  std::string src;
  uint32_t tid = 0;
  int reported = -1;                  // the highest Staleness rank reported (-1: none)
  uint64_t touched = 0;               // the last event (TlbPass's count) that added holders to it
  CpuMask held_before = 0;            // holders[0] before that event
  uint64_t section = 0;               // the critical section (TlbPass's serial) of thread `section_tid`
  uint32_t section_tid = 0;           // that made it stale: judged from that section's unlock on (0: none)
  bool held() const { return (holders[0] | holders[1]) != 0; }
};

struct Context {
  uint64_t root = 0;
  int stage = 2;          // 2: VTTBR_EL2 (VMID); 1: TTBR0_EL2 (EL2 stage 1, ASID)
  uint32_t id = 0;
  Geometry g = Geometry::arm();
  bool ha = false;        // (V)TCR_EL2.HA (bit 21): AF=0 leaves are cached too
  bool dormant = false;   // its root was released or rebound: no walks start at it
  CpuMask frozen = 0;     // dormant: classes that may still hold what its tree mapped when released
  std::map<EntryKey, StaleEntry> stale;
  std::set<EntryKey> walks;  // the keys of `stale` of kind kWalk (TlbPass keeps it in step)

  int top_level() const { return kMaxLevels - g.levels; }        // Arm level of the root table
  int walk_level(int arm_level) const { return arm_level - top_level(); }
  uint64_t size(int arm_level) const { return g.granule_size(walk_level(arm_level)); }

  // Calls f(key) for each key of `walks` whose range holds `ia` at an Arm level above `level`
  // (nearer the root), in the order of `walks`, until f returns true; returns whether one did.
  // A Walk's key is its position's IA, aligned to its level's size, so at each level only the keys
  // at `ia` rounded down are looked at (a context may hold thousands of stale Walks).
  template <typename F>
  bool walks_above(uint64_t ia, int level, F&& f) const {
    for (int l = top_level(); l < level; ++l) {
      const uint64_t base = ia & ~(size(l) - 1);
      for (auto it = walks.lower_bound(EntryKey{base, l, EntryKind::kWalk, 0});
           it != walks.end() && it->ia == base && it->level == l; ++it) {
        if (f(*it)) return true;
      }
    }
    return false;
  }
};

}  // namespace ptx::tlb

#endif  // PTX_TLB_CONTEXT_H_
