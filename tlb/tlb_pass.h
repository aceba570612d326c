// SPDX-License-Identifier: BSD-2-Clause
// TlbPass: the TLB-aware verdict of ptx (TLB-MODEL.md; docs/tlb-model.md, "the model"): which
// translations some PE may still use from its TLBs and walk caches, and when that is a bug. An
// armcheck::EventObserver: the EventChecker calls it with every event in trace order, with its
// memory and roots, so the pass is one sequential fold (identical for every --threads).
//
// The model, as implemented (each choice where the model leaves room is marked "choice"):
//  * Contexts (§2): one per registered root (VTTBR_EL2 / TTBR0_EL2 write), keyed by (root, stage,
//    id). A release_table hint of a root, or the root rebound to another id, makes its context
//    dormant: no walks start there; what its tree mapped stays cached (`frozen`) until a
//    whole-context TLBI of it completes. Roots only announced by set_root_lock are not walked.
//  * Caching (decision (a),(b), §3 Fill): every PE class (tid 0..3, ⊤) may cache every entry a
//    walk can read — from a live root, or from a Walk entry it still holds — through *visible*
//    values (memory, plus values overwritten by writes not yet followed by their writer's DSB
//    ISH/ISHST; choice: DSB NSH does not publish a write). Leaves need AF=1 (or HA); with
//    --bbm-level >= 1 nT blocks are not cached. Live entries are implicit; an entry becomes an
//    explicit StaleEntry when a write overwrites a descriptor on its path (with the whole old
//    subtree), holders = every class (or, through a stale Walk, that Walk's holders).
//  * TLBI (§3, decision (d)): at execution, each covered stale part (TlbiScope: op, the issuer's
//    current VTTBR VMID, address, TTL) that the targeted class cannot re-derive — from the root or
//    a Walk it keeps, through visible values — is doomed for that class; at the issuer's next
//    DSB ISH (local ops: NSH or ISH; ISHST completes nothing) it is removed from those classes,
//    but for a class that can fill it again at that moment (it became readable again between the
//    TLBI and its DSB: an overwrite published after the TLBI, a relink below a still-visible old
//    value), which keeps it as the same entry; and a class that can fill a doomed part again at
//    any point before the DSB, without what the TLBI covers (after a valid write or a root bind:
//    rescue()), has cached it anew after the TLBI ran, which no longer removes it from that class.
//    Broadcast ops target every class, local ops the issuer only (⊤ keeps it). A Walk removed
//    from a class leaves that class the entries it led to, but for those the class first cached
//    through a Walk the TLBI dooms for it while the TLBI was pending (a page written into an
//    unlinked table): if the TLBI covers one and the class can fill it only through what the
//    TLBI dooms (fills_past()), it was cached after the TLBI ran only through what it removes,
//    so it is doomed too (doom_new(); stale through its Walk, whose overwrite was visible before
//    the TLBI: decision (d)). [Arm ARM RDDMVT: invalid -> DSB -> broadcast TLBI -> DSB;
//    IPAS2E1IS text on TTL and combined entries]
//  * Deadline (§3; Sequential-TLB, Arm ARM RGPPYH): at an unlock of lock A (--tlb-deadline
//    unlock) the contexts whose root's lock (set_root_lock hint) is A, or that have none, are
//    judged; at the end all live contexts. An entry is judged at an unlock only once the critical
//    section that made it stale (the writer's innermost lock, exclusive or shared, held at the
//    write) has closed: with sections that overlap in time (a lock taken shared), the unlock of
//    another thread's section is not the writer's deadline (choice: from its own unlock on it is
//    judged at every unlock, as before; a write outside any section is due at once). Entries
//    reached only through a stale Walk (not from the root) share the Walk's section: the write
//    that left the Walk cached broke them. Each held, non-live stale Leaf is compared with
//    memory's translation of its address (compare_leaf): stale-mapping / stale-permission /
//    stale-benign, with its `cause` (choice: not-completed > local-tlbi > tlbi-before-dsb >
//    ttl-mismatch > wrong-vmid > no-tlbi; a Combined twin held alone: no-stage1-tlbi; wrong-vmid
//    when the entry's own writer flushed it with another VMID loaded). Stale Walks are judged
//    through the leaves they lead to. An entry is reported once per rank (again if it gets worse).
//  * What walks reach through old values still visible becomes explicit too when a new table link
//    reaches them (choice: an entry is judged once it may be cached, even before its DSB).
//  * tlb-conflict / bbml2-multihit (§4; RWHZWS, RFVQCK, IHYQMB, archsem is_bbm_violation): a
//    write giving a class an entry it did not cache before (the new value at each position of
//    the word, and what it leads to) that clash()es with an entry that class may hold — stale,
//    through a stale Walk, or read from the root now. One finding per write, the worst clash
//    (tlb-conflict over bbml2-multihit).
//  * freed-while-cached (§3 Free): mem-free, release_table of a non-root page, or a table link of
//    a page (or of the tables below it) that another live context may reach as a table, while a
//    held Walk of a live context points to it or a held non-live Leaf maps it ("still-linked"
//    when a live walk reaches it now; choice: a live leaf mapping a freed data page is not
//    reported — data-page ownership is not traced, §6). vmid-reuse: a root bound to a VMID that
//    another context with cached entries (stale ones, or a released root's whole tree) holds.
// All of this is checked against an independent brute-force model of per-class TLB contents
// (tests/tlb/brute_tlb.h) on random streams: the verdict sets are equal.
// Cost: O(stale) per TLBI and deadline; a write with an invalid old value costs one test while
// nothing is stale (correct map-only code: zero stale entries).
#ifndef PTX_TLB_TLB_PASS_H_
#define PTX_TLB_TLB_PASS_H_

#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/container/flat_map.hpp>
#include <boost/container/static_vector.hpp>

#include "armcheck/event_observer.h"
#include "tlb/context.h"
#include "tlb/finding.h"
#include "tlb/options.h"
#include "tlb/tlbi_scope.h"
#include "tlb/walker.h"

namespace ptx::tlb {

class TlbPass final : public armcheck::EventObserver {
 public:
  explicit TlbPass(TlbOptions options = {});

  // The EventObserver calls, around the caller's applying `e` to `memory` and `roots`.
  // REQUIRES (after, for a mem-write): facts.old_word is the value its word held before the write,
  // and facts.live_root_distance is 0 or as EventFacts says (EventChecker::add and
  // SectionTlb give both).
  void before(const armtrace::Event& e, const NptImage& memory, const armcheck::Roots& roots) override;
  void after(const armtrace::Event& e, const NptImage& memory, const armcheck::Roots& roots,
             const armcheck::EventFacts& facts) override;
  void finish(uint64_t last_line, const NptImage& memory, const armcheck::Roots& roots) override;

  // Every finding so far, in trace order (stale-benign included; severity kInfo).
  const std::vector<TlbFinding>& findings() const { return findings_; }
  TlbSummary summary() const;
  // Explicit stale entries kept now (over every context).
  size_t stale_entries() const { return stale_entries_; }

  // Is the pass at rest: nothing stale, no overwritten valid value still visible, no TLBI pending,
  // no lock held, no released context that may still be cached, at most one live context? Then the
  // events of a critical section of one thread — its lock, writes each over an invalid value (bit 0
  // clear), TLBIs, DSBs, its unlock — find nothing and leave it at rest: fold_quiet() counts them
  // without the fold (tlb/section_tlb.h). Correct map-only code keeps the pass at rest.
  bool quiet() const;
  // The effect on the pass of such a section of `events` events, `tlbis` of them TLBIs, folded
  // while quiet() (their memory changes aside: the caller applies them to the memory the pass
  // reads). REQUIRES: quiet(), and the section is as above.
  void fold_quiet(uint64_t events, uint64_t tlbis);
  const TlbOptions& options() const { return options_; }

 private:
  using Change = WordChange;
  struct Position {  // where a walk reads a word
    size_t ctx;
    int level;
    uint64_t ia;
    CpuMask holders;
    bool from_root;
    const StaleEntry* through;  // the stale Walk it is reached through (null: from the root)
  };
  struct Doom {
    size_t ctx;
    EntryKey key;
    uint64_t serial;
    int part;
    CpuMask classes;
  };
  struct PendingTlbi {
    uint64_t line;
    bool local;
    TlbiScope scope;  // what it covers (re-examined by rescue())
    std::vector<Doom> dooms;
    std::vector<std::pair<size_t, CpuMask>> frozen;  // dormant contexts' frozen classes to clear
  };
  struct Thread {
    uint32_t vmid = 0;
    bool vtcr_ha = false, tcr_ha = false;
    bool vtcr_ds = false;  // VTCR_EL2.DS (bit 32)
    uint64_t vttbr_root = 0, ttbr0_root = 0;  // the roots its VTTBR_EL2 / TTBR0_EL2 name
    std::vector<std::pair<uint64_t, uint64_t>> writes;  // (word, old) not yet published by a DSB
    std::vector<PendingTlbi> tlbis;
    std::vector<std::pair<uint64_t, uint64_t>> sections;  // (lock, section serial) held, in the order taken
  };

  Walker walker() const { return Walker(*memory_, olds_, &event_olds_, options_.bbm_level); }

  // tlb_pass.cc: writes, contexts
  void collect_write(const armtrace::Event& e, const armcheck::EventFacts& facts);
  void collect_changes(const armtrace::Event& e);
  void on_writes(const armtrace::Event& e);
  void positions(uint64_t word, std::vector<Position>& out, bool before = false) const;
  // chain[0] a word, chain[k] a table descriptor pointing at chain[k-1]'s page (a walk has at most
  // kMaxLevels words; one more is never read).
  using Chain = boost::container::static_vector<uint64_t, kMaxLevels + 1>;
  void table_positions(uint64_t word, std::vector<Position>& out) const;
  bool out_of_reach(uint64_t word, size_t longest) const;
  void ascend(Chain& chain, std::vector<Position>& out, bool before, size_t longest) const;
  bool chain_position(const Context& c, size_t ci, int top, uint64_t ia, const StaleEntry* through, const Chain& chain,
                      std::vector<Position>& out, bool before) const;
  void kill(const Position& p, const Change& ch, const armtrace::Event& e);
  void link(const Position& p, const Change& ch, const armtrace::Event& e);
  void restamp(const armtrace::Event& e);
  void materialize(Context& c, const EntryKey& key, uint64_t word, CpuMask holders, bool reset,
                   const armtrace::Event& e, uint8_t history = 0, const StaleEntry* through = nullptr);
  void expand_walk(Context& c, const EntryKey& walk, CpuMask holders, const armtrace::Event& e);
  void on_sysreg(const armtrace::Event& e, const armcheck::Roots& roots);
  void bind(const armcheck::Root& r, const armtrace::Event& e);
  void make_dormant(Context& c);
  void on_hint(const armtrace::Event& e);
  void on_lock(const armtrace::Event& e);
  void on_unlock(const armtrace::Event& e);
  bool due(const StaleEntry& se) const;
  void erase(Context& c, std::map<EntryKey, StaleEntry>::iterator it);

  // tlb_pass_tlbi.cc: TLBIs and DSBs
  void on_tlbi(const armtrace::Event& e);
  void doom(size_t ci, const TlbiScope& s, CpuMask targets, const armtrace::Event& e, PendingTlbi& pt);
  void doom_part(size_t ci, const EntryKey& key, StaleEntry& se, int part, const TlbiScope& s, CpuMask targets,
                 const armtrace::Event& e, PendingTlbi& pt);
  // One answer per class ([i]: class 1 << i; empty for a class not asked).
  using PerClass = std::array<std::optional<uint8_t>, kClassCount>;
  PerClass rederivable(const Context& c, const EntryKey& key, const StaleEntry& se, int part, CpuMask classes,
                       const TlbiScope& s) const;
  PerClass rederivable_main(const Context& c, const EntryKey& key, CpuMask classes, const TlbiScope* s) const;
  // `root`: root_fills()'s answer for `key`, kept across one loop over the classes.
  bool root_fills(const Context& c, const EntryKey& key, std::optional<bool>& root) const;
  void on_dsb(const armtrace::Event& e);
  void complete(PendingTlbi& pt, const armtrace::Event& e);
  void refill(const Doom& d);
  void rescue();
  void doom_new(Context& c, const EntryKey& key, StaleEntry& se, std::array<CpuMask, 2> added,
                const StaleEntry& walk);
  bool fills_past(const Context& c, const EntryKey& key, const StaleEntry& se, int part, CpuMask p,
                  const PendingTlbi& pt, std::optional<bool>& root) const;
  void commit(Thread& t);

  // tlb_pass_verdicts.cc: deadline, conflicts, frees, vmid reuse
  void deadline(const armtrace::Event& e, const uint64_t* lock);
  void expand_held_walks(Context& c, const armtrace::Event& e, uint64_t begin = 0,
                         uint64_t end = std::numeric_limits<uint64_t>::max());
  void judge(const Context& c, const EntryKey& key, StaleEntry& se, uint64_t line, const std::string& src);
  void conflicts(const Position& p, const Change& ch);
  void conflict_at(const Context& c, const Walker::Found& f, CpuMask holders);
  CpuMask new_for(const Context& c, const EntryKey& key, CpuMask holders, bool from_root) const;
  void freed(uint64_t begin, uint64_t end, const armtrace::Event& e, const char* what);
  bool still_linked(uint64_t page) const;
  void relinked(const Change& ch, const armtrace::Event& e);
  std::optional<std::string> table_elsewhere(uint64_t page, size_t ci) const;
  void vmid_reuse(size_t ci, const armtrace::Event& e);
  void add(TlbFinding f);

  TlbOptions options_;
  std::deque<Context> ctxs_;
  boost::container::flat_map<uint64_t, size_t> live_;  // root -> its live context (a few)
  std::unordered_map<uint64_t, uint64_t> root_lock_;  // root -> lock (set_root_lock)
  std::array<Thread, armtrace::kMaxTid + 1> threads_;
  OldValues olds_;
  EventOlds event_olds_;           // a view of changes_ while after() handles a write
  std::vector<Change> changes_;
  std::vector<Position> relinked_at_;                // relinked()'s positions, reused
  mutable std::vector<Position> elsewhere_at_;       // table_elsewhere()'s and still_linked()'s, reused
  std::vector<Position> positions_;
  std::vector<TlbFinding> findings_;
  std::optional<TlbFinding> conflict_;  // the worst clash of the current write
  uint64_t serial_ = 0;
  uint64_t sections_ = 0;  // critical sections opened (their serials)
  size_t stale_entries_ = 0, max_stale_ = 0;
  uint64_t tlbis_ = 0;
  uint64_t events_ = 0;
  static_assert(armtrace::kMaxTid < 32, "tlbi_threads_ has a bit per tid");
  uint32_t tlbi_threads_ = 0;  // bit tid: its Thread has TLBIs pending (on_tlbi, on_dsb)
  const NptImage* memory_ = nullptr;  // the checker's, during a call
  // The word after() handles a mem-write of, and its EventFacts::live_root_distance (out_of_reach);
  // kNoWord (no word: not 8-byte aligned) during any other event.
  static constexpr uint64_t kNoWord = 1;
  uint64_t fact_word_ = kNoWord;
  int fact_distance_ = 0;
};

}  // namespace ptx::tlb

#endif  // PTX_TLB_TLB_PASS_H_
