// SPDX-License-Identifier: BSD-2-Clause
// BruteTlb: a brute-force model of TLB contents for the differential test of the TLB pass
// (TLB-MODEL.md §8.3), written independently of tlb/ and as plainly as possible: explicit sets of
// cached entries per PE class (tid 0..3, ⊤), re-derived in full after every event over the small
// input space of the random streams (random_stream.h: table slots 0..3 at each level, stage 2,
// roots of VMIDs that never change, no dormant roots).
//
//   * visible values of a word: memory, plus the old values of writes whose writer has not done a
//     DSB ISH/ISHST since;
//   * after every event each class caches everything a walk can read from a root, or from a Walk
//     entry it caches, through visible values (Leaf needs AF; nT blocks not under --bbm-level>=1;
//     a stage-2 Leaf has a Combined twin);
//   * a TLBI dooms, per targeted class, the covered entries the class would not fill again once
//     they are gone; the issuer's DSB ISH (NSH for local ops) removes them; a doomed entry the
//     class could fill again before that (from a root, or a Walk it caches that the TLBI does not
//     cover) is cached anew after the TLBI, which then no longer removes it; an entry a class
//     first caches while the TLBI is pending, that the TLBI covers and the class could fill only
//     through entries the TLBI dooms for it, is doomed too (cached after the TLBI ran only through
//     what it removes, it goes with them);
//   * at an unlock of lock A (roots whose lock is A or unknown) and at the end, every cached Leaf
//     that memory does not give is judged against memory's translation (once per rank while it
//     stays cached and not live) — at an unlock only once its section has closed: when an event
//     first makes an entry cached and not live (since it last was live or not cached), its
//     section is that event's thread's innermost critical section if it was live before the
//     event, else that of a cached, non-live Walk that led to it before the event (the write that
//     left the Walk cached broke it), else the event's thread's; a write in a critical section
//     that changes a word the walk of a stale Leaf's IA read through memory before it makes that
//     section the Leaf's, if the Leaf's own has closed; a write whose new entries clash with a
//     cached non-live entry of the same class is a conflict; a free of a page a cached Walk points to, or a non-live cached
//     Leaf maps, is freed-while-cached, as is a new Walk to a page another root's Walk points to.
#ifndef PTX_TESTS_TLB_BRUTE_TLB_H_
#define PTX_TESTS_TLB_BRUTE_TLB_H_

#include <array>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "armtrace/event.h"
#include "tests/tlb/tlb_run.h"
#include "tlb/options.h"

namespace ptx::tlb::testing {

class BruteTlb {
 public:
  explicit BruteTlb(TlbOptions o) : o_(o) {}
  void add(const armtrace::Event& e);
  void finish(uint64_t last_line);
  const std::set<FindingKey>& findings() const { return found_; }

 private:
  enum Kind { kWalk, kLeaf, kCombined };
  struct Entry {
    uint64_t root;
    int kind, level;
    uint64_t ia, desc;
    friend auto operator<=>(const Entry&, const Entry&) = default;
  };
  using Set = std::set<Entry>;
  struct Tlbi {
    bool local;
    std::array<Set, 5> doomed;
    armtrace::Event op;  // the TLBI
    uint32_t vmid;       // its issuer's VMID then
  };

  static uint64_t size(int level) { return uint64_t{1} << (39 - 9 * level); }
  uint64_t read(uint64_t w) const;
  std::vector<uint64_t> values(uint64_t w, bool memory_only) const;
  int type(int level, uint64_t v) const;  // 0 nothing cached, kWalk, kLeaf
  void derive(uint64_t root, int level, uint64_t table, uint64_t ia, bool memory_only, Set& out) const;
  Set fill(uint64_t root, const Set& from, bool with_root) const;
  bool live(const Entry& e) const;
  void refill();
  bool covers(const armtrace::Event& e, uint32_t vmid, const Entry& x) const;
  Set again(const armtrace::Event& e, uint32_t vmid, const Set& cached) const;
  void tlbi(const armtrace::Event& e);
  void rescue();
  void doom_new(const std::array<Set, 5>& before);
  void dsb(const armtrace::Event& e);
  void write(const armtrace::Event& e);
  void conflicts(const armtrace::Event& e, const std::array<Set, 5>& before);
  int clash(const Entry& a, const Entry& b) const;  // 0 none, 1 conflict, 2 size only
  void freed(const armtrace::Event& e, uint64_t begin, uint64_t end);
  void deadline(uint64_t line, const uint64_t* lock);
  int judge(const Entry& e) const;  // 2 mapping, 1 permission, 0 benign
  void forget_reports();
  Set live_set() const;
  void track_stale(const armtrace::Event& e, const Set& live_before);
  bool open(const std::pair<uint32_t, uint64_t>& section) const;
  bool walk_changed(uint64_t root, uint64_t ia, const std::map<uint64_t, uint64_t>& before) const;
  void restamp(const armtrace::Event& e, const std::map<uint64_t, uint64_t>& before);

  TlbOptions o_;
  std::map<uint64_t, uint64_t> mem_;
  std::array<std::vector<std::pair<uint64_t, uint64_t>>, 4> pending_;
  std::array<Set, 5> cached_;
  std::vector<std::pair<uint64_t, uint32_t>> roots_;  // (root, vmid)
  std::map<uint64_t, uint64_t> lock_of_;
  std::array<uint32_t, 4> vmid_{};
  std::array<std::vector<Tlbi>, 4> tlbis_;
  std::map<std::tuple<uint64_t, int, uint64_t, uint64_t>, int> reported_;  // (root, level, ia, desc) -> rank
  std::set<FindingKey> found_;
  std::array<std::vector<std::pair<uint64_t, uint64_t>>, 4> sections_;  // per tid: (lock, serial) held
  uint64_t opened_ = 0;
  // Each cached, non-live Leaf and Walk -> its section: (tid, section serial or 0)
  std::map<Entry, std::pair<uint32_t, uint64_t>> since_;
};

}  // namespace ptx::tlb::testing

#endif  // PTX_TESTS_TLB_BRUTE_TLB_H_
