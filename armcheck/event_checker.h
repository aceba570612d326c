// SPDX-License-Identifier: BSD-2-Clause
// EventChecker: the Transactional Page Table check of an Arm page-table event stream — a casemate
// trace (casemate-trace.md, "the spec" below) or the events an in-process recorder makes — folded
// one event at a time, in trace order.
//
// State: one flat memory of 64-bit words (the Arm descriptor rules, pagetable/geometry.h), zero
// where never initialised or written (§3.1: mem-init makes a range zero, mem-write / mem-set
// change it); the live roots (roots.h: VTTBR_EL2 / TTBR0_EL2 writes while the regime is on for the
// writing tid, §3.3, and set_root_lock hints), each with the geometry of the tid's (V)TCR_EL2; per
// tid its system registers and its open critical sections; who holds each lock.
//
// Critical sections: the writes one tid makes between `lock A` / `trylock A` and `unlock A`
// (nested locks: the writes go to the innermost open section; a trylock by the holder re-enters),
// or between `read-lock A` and `read-unlock A` (ptx's dialect: A taken shared; such sections may
// overlap in time, shared_sections.h, and are also checked as a group, explorer/section_group.h).
// A DSB ish / ishst by the holder completes the section's earlier writes (a barrier epoch,
// explorer/epochs.h), those of its outer sections too; DSB nsh completes them for the holder
// only, so it is not a barrier here.
// At its unlock a section is explored, with every subset and order of its writes (per epoch), for
// every live root, against the memory before its writes (the memory at the unlock with the
// section's own writes undone: other threads' completed writes are part of its before-state);
// (section, root) pairs whose walks the section cannot change are not reported. A section still
// open at the end of the stream (or its verdict line) is closed there and marked open_at_end.
//
// Findings (not errors):
//   `unlocked-write` — a tid writes a word of the tree of a root registered by a VTTBR_EL2 /
//     TTBR0_EL2 write without holding that root's lock (shared or not), also when the value does
//     not change (casemate §3.5 "must write to pte while holding owner lock"). The root's lock is
//     its set_root_lock hint's, or else the lock its first writer held. A write outside any section
//     cannot be explored (nothing orders it). A root only announced by a hint is still being built.
//   `no-root-lock` — a write into a registered root's tree when the root has no lock at all (no
//     hint, and the writer holds none): casemate's "must have associated root with a lock".
//   `shared-entry` — two sections under one lock taken shared wrote the same entry and nothing
//     serialised the writes (shared_sections.h).
//   `mem-read` — a mem-read whose value is not the memory's; `lock-conflict` — a lock taken while
//     another tid holds it (read-locks only conflict with a holder that took it exclusively).
// Barriers, TLBIs, hints and the other system registers are counted. ptx does not repeat
// casemate's own initialisation, ownership, ID or break-before-make rules (§3).
#ifndef PTX_ARMCHECK_EVENT_CHECKER_H_
#define PTX_ARMCHECK_EVENT_CHECKER_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "armcheck/event_observer.h"
#include "armcheck/root_cache.h"
#include "armcheck/roots.h"
#include "armcheck/shared_sections.h"
#include "armtrace/event.h"
#include "base/status.h"
#include "explorer/exploration.h"
#include "explorer/tables.h"
#include "explorer/totals.h"
#include "pagetable/npt_image.h"

namespace ptx::armcheck {

struct CheckOptions {
  ExploreOptions explore;  // mode (fast / faithful) and compare (descriptor / translation)
  bool keep_all = false;   // keep every explored (section, root), not only those with violations
  // At most this many kept in CheckResult::kept (the rest still go to on_section): a long run's
  // summary needs the first few, its report spools them all.
  size_t keep_in_memory = SIZE_MAX;
  // Called with every (section, root) pair a section changes, when it is explored.
  std::function<void(const CheckedSection&)> on_section;
  // When set, a pair without a violation that is not kept (keep_all false) comes here instead of
  // to on_section, and no CheckedSection is built for it: for callers that only count those.
  std::function<void()> on_clean_section;
  // Called with every (section, root) pair that has a violation, with the memory before the
  // section walked from that root (pictures of the violation).
  std::function<void(const Tables& before, const CheckedSection&)> on_violation;
  // A second fold over the same events (event_observer.h), e.g. the TLB pass; not owned, must
  // outlive the checker. None: no cost, the results are the same.
  EventObserver* observer = nullptr;
  // false: sections are counted but not explored (no kept sections, no violations): the checker
  // only keeps memory and roots for the observer (the TLB pass over sections explored elsewhere).
  bool explore_sections = true;
  // Where table pages can be, [begin, end) in bytes: a value that points elsewhere is not kept in
  // the memory's reverse index of table pointers (NptImage::set_table_pages). The default, all of
  // memory, is right for any trace; an input whose tables all come from a known region (the SeKVM
  // engine's pools) saves a record per mapped page and its lookups.
  uint64_t table_pages_begin = 0;
  uint64_t table_pages_end = UINT64_MAX;
  // false: every write climbs the reverse index for its root, and every close for its updates'
  // roots and levels, with no RootCache (root_cache.h; tests compare).
  bool cache_roots = true;
};

// Records of each kind seen (the report's counts).
struct EventCounts {
  std::array<uint64_t, armtrace::kEventKindNames.size()> by_kind{};  // index: EventKind
  uint64_t records() const;
};

struct CheckResult {
  Totals totals;                      // sections counted once each; explorations summed over roots
  std::vector<CheckedSection> kept;   // (section, root) pairs, in section then root order
  std::vector<Finding> findings;      // in trace order
  EventCounts counts;
  uint64_t roots = 0;                 // roots registered
  std::optional<std::string> casemate_verdict;  // the trace's final "! message", not input
  int interrupted = 0;  // the signal that stopped the check (base/interrupt.h), or 0
};

class EventChecker {
 public:
  // `source` labels error positions (a trace file name, "recorder").
  EventChecker(std::string source, CheckOptions options);

  // One event, in trace order. Errors, positioned (source, e.line): kBadInput for an unlock of a
  // lock the tid does not hold (unmatched unlock), a non-zero mem-set over more than 16 MiB, a
  // section too large for --mode faithful; kUnsupported for a VTCR_EL2 / TCR_EL2 value ptx cannot
  // walk (roots.h). After an error the checker must not be used again.
  Status add(const armtrace::Event& e);

  // A hint, no effect on the check: add(e) comes soon. For a mem-write, fetches into the cache
  // the `step` (0, 1, 2) of its memory lookups (NptImage::prefetch_write), and at step 0 its
  // table page's root cache slot: call the steps for one event at decreasing distances ahead of
  // its add().
  void prefetch(const armtrace::Event& e, int step) const {
    if (e.kind != armtrace::EventKind::kMemWrite) return;
    memory_.prefetch_write(0, e.address & ~uint64_t{7}, e.value, step);
    if (step == 0 && options_.cache_roots) root_cache_.prefetch(memory_.geometry().table_of(e.address));
  }

  // Closes the sections still open (open_at_end, last line `last_line`) and returns everything.
  // `verdict` is the trace's verdict line, recorded as casemate_verdict. Call once.
  StatusOr<CheckResult> finish(std::optional<std::string> verdict, uint64_t last_line);

  const NptImage& memory() const { return memory_; }
  const Roots& roots() const { return roots_; }

 private:
  struct OpenSection {
    uint64_t lock = 0;
    uint32_t depth = 1;  // trylock re-entries + 1
    uint64_t first_line = 0;
    uint64_t shared = 0;  // a read-lock's section: its SharedSections serial (its writes are there)
    std::vector<Update> updates;
    std::vector<uint64_t> lines;
    std::vector<std::string> srcs;
    std::vector<uint32_t> barriers;
    // A shared section's own check: the states at the commits of the sections that overlapped it
    // and closed before it (each entry its group wrote, at its value then), allowed too.
    std::vector<std::vector<Update>> commits;
  };
  struct Thread {
    std::vector<OpenSection> open;  // innermost last
    uint64_t vtcr = 0x10, tcr = 0x10, hcr = 1, sctlr = 1;  // casemate-check's defaults (§3.3)
    std::optional<uint64_t> vttbr, ttbr0;
  };

  Status apply(const armtrace::Event& e);
  Status write_word(const armtrace::Event& e, uint64_t address, uint64_t value);
  Status write_range(const armtrace::Event& e, uint64_t value);
  void read_word(const armtrace::Event& e);
  void barrier(const armtrace::Event& e);
  Status sysreg(const armtrace::Event& e);
  Status activate_root(const armtrace::Event& e, int stage, uint64_t value);
  Status hint(const armtrace::Event& e);
  void lock(const armtrace::Event& e);
  Status unlock(const armtrace::Event& e);
  void read_lock(const armtrace::Event& e);
  Status read_unlock(const armtrace::Event& e);
  using RootSet = std::bitset<64>;  // indexes into roots_.live()
  OpenSection open_section(const armtrace::Event& e, uint64_t shared);
  void recycle(OpenSection&& s);
  Status close(uint32_t tid, OpenSection& s, uint64_t last_line, bool open_at_end);
  RootSet roots_under(const std::vector<Update>& updates);
  void mark_roots_above(uint64_t page, int depth, RootSet* set) const;
  Status close_shared(uint32_t tid, const OpenSection& s, uint64_t last_line, bool open_at_end);
  Status explore_group(const std::vector<const SharedSection*>& group, uint64_t last_line);
  std::vector<std::vector<Update>> commit_states(const std::vector<const SharedSection*>& group) const;
  void record_write(const armtrace::Event& e, uint64_t entry, uint64_t old, uint64_t value);
  void check_lock_of(const armtrace::Event& e, uint64_t entry, std::optional<uint64_t> root);
  PageRoots roots_of(uint64_t entry);
  std::optional<uint64_t> root_above(uint64_t page, int depth, RootCache* read) const;
  PageRoots page_roots(uint64_t page);
  void climb(uint64_t page, int depth, PageRoots* out, RootCache* read) const;
  int level_of(uint64_t entry);
  void forget_climbs(const Update& u, uint64_t now);
  bool holds(uint32_t tid, uint64_t lock) const;
  std::pair<uint64_t, uint32_t>* holder(uint64_t lock);
  Status explore_for(const Root& root, const OpenSection& s, const Section& section, uint32_t tid,
                     uint64_t last_line, bool open_at_end);
  void undo(const std::vector<Update>& updates);
  bool reached(uint64_t page, int depth) const;
  int arm_level_of(uint64_t entry) const;
  void find(std::string kind, const armtrace::Event& e, std::string detail);
  Status at(Status s, const armtrace::Event& e) const;

  std::string source_;
  CheckOptions options_;
  NptImage memory_;
  Roots roots_;
  RootCache root_cache_;                      // climbs' answers (page_roots)
  std::array<Thread, armtrace::kMaxTid + 1> threads_;
  // (lock address, tid) of each lock taken exclusively, in no order: a few at a time, so a scan
  // (as of a tid's open sections) beats a tree's node and rebalance per section.
  std::vector<std::pair<uint64_t, uint32_t>> lock_holder_;
  std::map<uint64_t, std::multiset<uint32_t>> readers_;  // lock address -> tids holding it shared
  std::map<uint64_t, uint64_t> root_lock_;    // root base -> its lock (hint, or first writer's)
  SharedSections shared_;
  std::vector<std::pair<uint64_t, uint64_t>> now_;  // close(): (entry, value) at the unlock
  std::vector<OpenSection> spare_;            // closed sections' storage, for the next ones
  Section section_;                           // close()'s section record, its storage reused
  std::vector<uint32_t> ends_;                // explore_for()'s epoch ends
  uint64_t writes_ = 0;                       // words written so far (their order)
  int write_live_distance_ = 0;               // the last write_word's EventFacts::live_root_distance
  uint64_t write_old_ = 0;                    // and its EventFacts::old_word
  uint64_t sections_ = 0;
  CheckResult result_;
};

}  // namespace ptx::armcheck

#endif  // PTX_ARMCHECK_EVENT_CHECKER_H_
