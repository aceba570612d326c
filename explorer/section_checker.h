// SPDX-License-Identifier: BSD-2-Clause
// SectionChecker: explores a stream of completed critical sections of many VMs, as `ptx run`
// and `ptx check` do.
//
// It keeps a shadow NptImage of each VM (vmids 0..16), built only from the sections it is given:
// each section is explored against its VM's shadow (the state before the section) and then
// applied to it. Because the shadow is rebuilt from updates alone, a live run and an offline replay
// of a recorded trace explore identical states and reach identical verdicts.
//
// Barriers. A section with barriers inside (Section::barriers, e.g. break-before-make) is explored
// epoch by epoch (epochs.h). A section closed without its barrier (Section::closing_barrier false)
// leaves its writes after its last inner barrier pending: the VM's next section is explored with
// them in front (previous ++ next, any subset in any order), judged against the state after the
// previous section (its before) and after the next one (its after) — so a mapping the previous
// section removed can still be seen, and one it added can still be missing. Exploration::pending
// counts them. (The next section's own barrier completes them: at most one section is pending.)
//
// Shared tables. An engine run need not pay for a second copy of every VM's tables: with
// share_tables, a VM's shadow keeps its entries in the engine's own pool memory (NptImage::
// set_backing, Stage2Engine::pool_memory), holding only its page records and reverse index. The
// engine has then already made a section's writes when check() gets it; check() takes them back
// (NptImage::rewind_backing: the state before the section, which is what the shadow's records
// describe), explores, and applies them again through the shadow — leaving every word as the
// engine wrote it. Same states, same verdicts as with a copy (tests/tlb/shared_tables_test.cc).
#ifndef PTX_EXPLORER_SECTION_CHECKER_H_
#define PTX_EXPLORER_SECTION_CHECKER_H_

#include <array>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "base/cache_line.h"
#include "base/status.h"
#include "explorer/exploration.h"
#include "pagetable/constants.h"
#include "pagetable/npt_image.h"
#include "pagetable/pool_memory.h"
#include "pagetable/section.h"

namespace ptx {

class SectionChecker {
 public:
  explicit SectionChecker(ExploreOptions options = {});

  // Explores `s` against the shadow of s.vmid (with options.mode's checker; with its barriers'
  // epochs and the previous section's pending writes, above), then applies s.updates to that
  // shadow. Targets are the ops' IPAs (Exploration::targets[i] belongs to s.ops[i]).
  // Errors (kBadInput, the shadow unchanged and *out untouched): invalid vmid; an op that breaks
  // check_map_op; an update whose entry is outside the VM's pools or whose old value is not the
  // shadow's current value (a trace out of lock order or corrupted); a seq not above the previous
  // section's of that VM (out of lock order; gaps are allowed, e.g. for sections that wrote
  // nothing); barriers not ascending inside (0, updates); a section options.check() refuses
  // (faithful mode: an epoch, pending writes included, past kFaithfulMaxUpdates).
  // Thread safety: sections of different VMs may be checked concurrently; sections of one VM must
  // be given one at a time, in seq order.
  // *out is overwritten; its vectors' storage is reused where it can be (keep one Exploration
  // for a stream of sections).
  Status check(const Section& s, Exploration* out);

  // True when check(s) is known to run no parallel work (TBB) and no violation hook: fast mode, one
  // update, no barriers, no pending writes of its VM (such a section shows no violation). A caller
  // that isolates the explorer's nested parallelism from its other tasks (run/runner.cc) may skip
  // the isolation for it. (False says nothing: check() may still run serially.)
  bool runs_serially(const Section& s) const {
    return options_.mode == ExploreMode::kFast && s.updates.size() == 1 && s.barriers.empty() &&
           valid_vmid(s.vmid) && pending_[s.vmid]->empty();
  }

  // Applies `s` to its VM's shadow as check() does, with every check of the input check() makes
  // (the same errors, the shadow then unchanged), but without exploring it: a sharded run
  // (base/shard.h) advances past the sections another shard explores. The pending writes carry
  // over as after check().
  Status advance(const Section& s);

  // From now on the shadow of `vmid` lives in `m`, the memory of the engine that makes the VM's
  // sections (see "Shared tables" above); check() and advance() then take each section as already
  // written in `m`. A refused section is written back as it was (replay_backing): the engine's
  // state is kept. REQUIRES: valid_vmid(vmid), no section of vmid given yet; `m` holds the VM's
  // tables as they stand (nothing written yet) and is written by nobody but the engine, in the
  // sections it then gives this checker, one at a time, on the checking thread.
  void share_tables(uint32_t vmid, PoolMemory m) { shadows_[vmid]->set_backing(m); }

  const NptImage& shadow(uint32_t vmid) const { return *shadows_[vmid]; }
  const ExploreOptions& options() const { return options_; }

  // Called by check(), when set, for every section with a violation, after exploring it and
  // before applying it: `before` is the VM's state before the section. With pending writes of the
  // previous section, `before` is the state before those and the Section's updates are the
  // explored list (pending ++ own), which the witnesses index. Runs on the caller's thread (so
  // concurrently for different VMs).
  using ViolationHook = std::function<void(const NptImage& before, const Section&, const Exploration&)>;
  void set_violation_hook(ViolationHook hook) { hook_ = std::move(hook); }

 private:
  // Why a section is refused (find_refusal), as plain data: the common section that fits costs no
  // Status; describe() makes the error of one that does not.
  struct Refusal {
    enum Kind : uint8_t { kNone, kVmid, kSeq, kOp, kEntry, kOldValue, kBarrier, kEpoch } kind = kNone;
    size_t index = 0;    // the op, update or barrier refused
    uint64_t value = 0;  // kOldValue: what the entry held; kEpoch: the largest epoch's size
  };
  Refusal find_refusal(const Section& s) const;
  Refusal rewind_and_find_refusal(const Section& s);
  Status describe(const Section& s, const Refusal& r) const;
  void set_pending(const Section& s);
  Exploration explore_cut(const Section& s, std::span<const uint64_t> targets);

  ExploreOptions options_;
  std::array<std::unique_ptr<NptImage>, kVmCount> shadows_;
  std::array<CacheAligned<uint64_t>, kVmCount> next_seq_{};  // lowest seq the next section of each VM may have
  // Writes of each VM's last section that no barrier completed (it closed without its barrier).
  std::array<CacheAligned<std::vector<Update>>, kVmCount> pending_;
  ViolationHook hook_;
};

}  // namespace ptx

#endif  // PTX_EXPLORER_SECTION_CHECKER_H_
