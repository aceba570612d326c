// SPDX-License-Identifier: BSD-2-Clause
#include "pagetable/engine.h"

#include <algorithm>
#include <cassert>

#include "pagetable/map_op.h"
#include "pagetable/vm_npt.h"

namespace ptx {

// ---------------------------------------------------------------------------------------------
// CriticalSection

CriticalSection::~CriticalSection() { close(); }

CriticalSection::CriticalSection(CriticalSection&& other) noexcept
    : engine_(other.engine_), vmid_(other.vmid_) {
  other.engine_ = nullptr;
}

CriticalSection& CriticalSection::operator=(CriticalSection&& other) noexcept {
  if (this != &other) {
    close();
    engine_ = other.engine_;
    vmid_ = other.vmid_;
    other.engine_ = nullptr;
  }
  return *this;
}

NptError CriticalSection::set_npt(uint64_t ipa, int level, uint64_t descriptor) {
  return apply(MapOp{ipa, level, descriptor, OpKind::kMap});
}

NptError CriticalSection::clear_npt(uint64_t ipa, int level) { return apply(MapOp{ipa, level, 0, OpKind::kUnmap}); }

NptError CriticalSection::apply(const MapOp& op) {
  if (engine_ == nullptr) return NptError::kLockNotHeld;
  return engine_->apply(vmid_, op);
}

NptError CriticalSection::maintain(const TlbMaintenance& step) {
  if (engine_ == nullptr) return NptError::kLockNotHeld;
  return engine_->maintain(vmid_, step);
}

Section CriticalSection::close() {
  if (engine_ == nullptr) return Section{};
  Stage2Engine* e = engine_;
  engine_ = nullptr;
  return e->close_section(vmid_);
}

// ---------------------------------------------------------------------------------------------
// Stage2Engine

Stage2Engine::Stage2Engine(SectionPolicy policy, EngineVariant variant) : policy_(policy), variant_(variant) {
  vms_.reserve(kVmCount);
  for (uint32_t v = 0; v < kVmCount; ++v) {
    vms_.push_back(std::make_unique<VmNpt>(v));
    readers_[v] = vms_[v]->reader();
  }
}

Stage2Engine::~Stage2Engine() = default;

NptError Stage2Engine::open_section(uint32_t vmid, CriticalSection* out) {
  if (!valid_vmid(vmid)) return NptError::kInvalidVmid;
  if (halted()) return NptError::kHalted;
  VmNpt& vm = *vms_[vmid];
  vm.lock();
  // The section opens when the lock is taken: a halt that happened while this thread waited for
  // the lock is earlier than the section, so the section is refused too.
  if (halted()) {
    vm.unlock();
    return NptError::kHalted;
  }
  vm.open = Section{};
  vm.open.vmid = vmid;
  vm.unflushed.clear();
  vm.tstate = 0;
  *out = CriticalSection(this, vmid);
  return NptError::kOk;
}

Section Stage2Engine::close_section(uint32_t vmid) {
  VmNpt& vm = *vms_[vmid];
  flush(vm);
  // The barrier: every buffered write is complete (they were stored already; the walker side is
  // modelled by the explorer), so the buffer and tstate are emptied for the next section.
  Section s = std::move(vm.open);
  s.vmid = vmid;
  s.seq = vm.completed++;
  vm.published.store(vm.completed, std::memory_order_release);
  s.closing_barrier = variant_ != EngineVariant::kMissingBarrier;
  // A DSB step after the last write (the caller's `dsb`) is the closing barrier, not one inside.
  const uint32_t n = static_cast<uint32_t>(s.updates.size());
  if (!s.barriers.empty() && s.barriers.back() == n) s.barriers.pop_back();
  if (!s.maintenance.empty() && s.maintenance.back().at == n &&
      s.maintenance.back().kind == TlbMaintenance::Kind::kDsb) {
    s.closing_barrier = true;
  }
  vm.open = Section{};
  vm.tstate = 0;
  vm.unlock();
  return s;
}

// What set_npt will do, decided before the first write: the walk_pgd / walk_pud / walk_pmd steps
// with alloc = 1 (SPEC §4), as the table page walked at each level and which of them are new.
struct Stage2Engine::Plan {
  int level = 3;                         // the leaf level written (2 or 3)
  uint64_t table[4] = {0, 0, 0, 0};      // table page walked at each level
  bool fresh[4] = {false, false, false, false};  // level-l table page newly allocated and linked
  bool reused = false;                   // dirty-reuse: the level-3 page comes from the free list
  uint64_t next[4] = {0, 0, 0, 0};       // bump pointers after the allocations
  uint64_t leaf_entry = 0;
  uint64_t leaf_old = 0;
};

// The checks every op makes before it walks, in the order set_npt documents; *vm is the op's VM.
NptError Stage2Engine::check_op(uint32_t vmid, const MapOp& op, VmNpt** vm) {
  if (halted()) return NptError::kHalted;
  if (!valid_vmid(vmid)) return NptError::kInvalidVmid;
  *vm = vms_[vmid].get();
  if (!(*vm)->held_by_me()) return NptError::kLockNotHeld;
  if (const NptError e = map_op_error(vmid, op); e != NptError::kOk) return e;
  if (policy_ == SectionPolicy::kSekvm && (*vm)->tstate != 0) return NptError::kSecondLeafWrite;
  return NptError::kOk;
}

// The walk of `ipa` as it stands, down to `level` at most (a walk reads each entry once).
WalkResult Stage2Engine::walk_to(const VmNpt& vm, uint64_t ipa, int level) const {
  WalkResult w;
  walk_ipa(kGeometry, pt_vttbr(vm.vmid()), ipa, vm, [&](const WalkVisit& v) {
    RecordWalk{&w}(v);
    return v.level < level ? WalkAction::kDescend : WalkAction::kStop;
  });
  return w;
}

NptError Stage2Engine::plan_set_npt(const VmNpt& vm, uint64_t ipa, int level, Plan* p) {
  const Geometry& g = kGeometry;
  p->level = level;
  p->table[0] = phys_page(pt_vttbr(vm.vmid()));
  for (int l = 1; l <= 3; ++l) p->next[l] = vm.next(l);
  const WalkResult w = walk_to(vm, ipa, level);
  for (int l = 1; l < w.steps; ++l) p->table[l] = g.table_address(w.path[l - 1].value);
  const int last = w.last_level();
  const EntryType last_type = g.classify(last, w.path[last].value);
  if (last == level) {
    p->leaf_entry = w.path[level].entry;
    p->leaf_old = w.path[level].value;
    if (level == 2 && last_type == EntryType::kTable) return NptError::kLevel2OverTable;
    return NptError::kOk;
  }
  // The walk ended above `level`: at a block (level 3 requested under a 2 MiB block: walk_pmd
  // panics) or at an empty entry, below which every table is allocated (fresh pages are zero).
  if (last_type != EntryType::kInvalid) return NptError::kMapUnderBlock;
  if (const NptError e = allocate(vm, last + 1, p); e != NptError::kOk) return e;
  p->leaf_entry = g.entry_address(p->table[level], level, ipa);
  p->leaf_old = p->reused ? vm.load(p->leaf_entry) : 0;  // a reused page still holds its old entries
  return NptError::kOk;
}

// Table pages for levels from..p->level: a level-3 page from the free list when it has one
// (dirty-reuse only ever fills it), else from the bump pointers. Pool exhaustion halts.
NptError Stage2Engine::allocate(const VmNpt& vm, int from, Plan* p) {
  for (int l = from; l <= p->level; ++l) {
    p->fresh[l] = true;
    if (l == 3 && !vm.free_tables.empty()) {
      p->table[l] = vm.free_tables.back();
      p->reused = true;
      continue;
    }
    if (p->next[l] + PAGE_SIZE > level_pool_hi(vm.vmid(), l)) {
      halted_.store(true, std::memory_order_release);
      return NptError::kPoolExhausted;
    }
    p->table[l] = p->next[l];
    p->next[l] += PAGE_SIZE;
  }
  return NptError::kOk;
}

void Stage2Engine::commit_set_npt(VmNpt& vm, const Plan& p, const MapOp& op) {
  const Geometry& g = kGeometry;
  // Allocate and link top-down (release stores: a fresh page is zero before its pointer is
  // published), record parents and buffer the updates in program order.
  Section& s = vm.open;
  for (int l = 0; l < p.level; ++l) {
    if (!p.fresh[l + 1]) continue;
    const uint64_t entry = g.entry_address(p.table[l], l, op.ipa);
    const uint64_t value = p.table[l + 1] | PUD_TYPE_TABLE;  // page | 3
    // The entry linked to a new table was empty: the plan only allocates below an empty entry.
    assert(vm.read(l, entry) == 0);
    vm.set_parent(p.table[l + 1], entry);
    vm.store(entry, value);
    s.updates.push_back(Update{static_cast<UpdateKind>(l), entry, 0, value, set_npt_link_step(l)});
  }
  for (int l = 1; l <= 3; ++l) vm.set_next(l, p.next[l]);
  if (p.reused) {
    vm.free_tables.pop_back();
    if (reuse_hook_) reuse_hook_();
    clear_stale_entries(vm, p.table[3], p.leaf_entry);  // after the link: dirty-reuse's bug
  }
  write_leaf(vm, p.level, p.leaf_entry, p.leaf_old, op);
  s.ops.push_back(op);
  vm.tstate = 1;
}

// dirty-reuse: writes 0 into every non-zero entry of the reused level-3 table page except `keep`
// (the entry the op writes next).
void Stage2Engine::clear_stale_entries(VmNpt& vm, uint64_t table, uint64_t keep) {
  for (uint64_t e = table; e < table + PAGE_SIZE; e += 8) {
    const uint64_t stale = vm.load(e);
    if (stale == 0 || e == keep) continue;
    vm.store(e, 0);
    vm.open.updates.push_back(Update{UpdateKind::kPte, e, stale, 0, EngineStep::kSetNptClearReused});
  }
}

// The leaf write of set_npt, as the variant makes it (engine_variant.h), and the invalidation of
// the leaf it replaces.
void Stage2Engine::write_leaf(VmNpt& vm, int level, uint64_t entry, uint64_t old_value, const MapOp& op) {
  const uint64_t value = op.descriptor;
  std::vector<Update>& updates = vm.open.updates;
  auto store = [&](uint64_t from, uint64_t to, EngineStep step) {
    vm.store(entry, to);
    updates.push_back(Update{static_cast<UpdateKind>(level), entry, from, to, step});
  };
  constexpr uint64_t kOutput = PHYS_MASK & PAGE_MASK;  // output address bits; the rest: attributes
  const auto valid = [&](uint64_t d) { return kGeometry.classify(level, d) != EntryType::kInvalid; };
  const bool replaces = valid(old_value) && valid(value) && old_value != value;
  if (replaces && variant_ == EngineVariant::kBbm) {
    store(old_value, 0, EngineStep::kSetNptBreak);
    vm.open.barriers.push_back(static_cast<uint32_t>(updates.size()));
    vm.unflushed.push_back(VmNpt::Unflushed{op.ipa, level, false});
    flush(vm);  // now, between the break and the make: its first DSB is the barrier above
    store(0, value, EngineStep::kSetNptMake);
    return;
  }
  if (replaces && variant_ == EngineVariant::kTwoStepUpdate && ((old_value ^ value) & kOutput) != 0 &&
      ((old_value ^ value) & ~kOutput) != 0) {
    const uint64_t step = (old_value & kOutput) | (value & ~kOutput);  // old output, new attributes
    store(old_value, step, EngineStep::kSetNptAttributesFirst);
    store(step, value, EngineStep::kSetNptOutputSecond);
  } else {
    store(old_value, value, level == 3 ? EngineStep::kSetNptPte : EngineStep::kSetNptBlock);
  }
  if (replaces) vm.unflushed.push_back(VmNpt::Unflushed{op.ipa, level, false});  // the old leaf
}

// The TLB maintenance of what the section removed or replaced (engine_variant.h), made before
// the caller's next step or at the close (a batched section flushes once, after its last write,
// as a range operation does): Linux's kvm_tlb_flush_vmid_ipa — DSB, TLBI IPAS2E1IS of each IPA
// with its leaf's level as TTL hint, DSB, TLBI VMALLE1IS (the combined entries), DSB — or, when a
// whole range was cleared (the PTEs of a level-3 table), __kvm_tlb_flush_vmid — DSB, TLBI
// VMALLS12E1IS, DSB. missing-barrier issues the same TLBIs without any DSB.
void Stage2Engine::flush(VmNpt& vm) {
  if (vm.unflushed.empty()) return;
  std::vector<TlbMaintenance>& m = vm.open.maintenance;
  const uint32_t at = static_cast<uint32_t>(vm.open.updates.size());
  const bool dsbs = variant_ != EngineVariant::kMissingBarrier;
  auto dsb = [&] {
    if (dsbs) m.push_back(TlbMaintenance{at, TlbMaintenance::Kind::kDsb, TlbiKind::kVmalls12e1is, 0, 0});
  };
  auto tlbi = [&](TlbiKind op, uint64_t a, int l) {
    m.push_back(TlbMaintenance{at, TlbMaintenance::Kind::kTlbi, op, a, static_cast<uint8_t>(l)});
  };
  dsb();
  if (std::any_of(vm.unflushed.begin(), vm.unflushed.end(), [](const VmNpt::Unflushed& u) { return u.range; })) {
    tlbi(TlbiKind::kVmalls12e1is, 0, 0);
  } else {
    for (size_t i = 0; i < vm.unflushed.size(); ++i) {
      const VmNpt::Unflushed& u = vm.unflushed[i];
      const bool again = i > 0 && vm.unflushed[i - 1].ipa == u.ipa && vm.unflushed[i - 1].level == u.level;
      if (!again) tlbi(TlbiKind::kIpas2e1is, u.ipa & ~(kGeometry.granule_size(u.level) - 1), u.level);
    }
    dsb();
    tlbi(TlbiKind::kVmalle1is, 0, 0);
  }
  dsb();
  // Its DSBs complete the writes so far: a barrier when later writes of the section follow
  // (close_section drops it when none do).
  std::vector<uint32_t>& barriers = vm.open.barriers;
  if (dsbs && at > 0 && (barriers.empty() || barriers.back() != at)) barriers.push_back(at);
  vm.unflushed.clear();
}

// The writes clear_npt will make (each to 0), decided before the first; *freed: the level-3 table
// page a dirty-reuse unmap frees (0: none).
NptError Stage2Engine::plan_clear_npt(const VmNpt& vm, uint64_t ipa, int level, std::vector<Update>* writes,
                                      uint64_t* freed) const {
  const Geometry& g = kGeometry;
  const WalkResult w = walk_to(vm, ipa, level);
  const WalkStep& at = w.path[w.last_level()];
  const EntryType type = g.classify(w.last_level(), at.value);
  if (type == EntryType::kInvalid) return NptError::kNotMapped;
  if (w.last_level() < level) return NptError::kUnmapUnderBlock;  // a block above the level-3 entry
  if (type != EntryType::kTable) {  // a page, or a 2 MiB block
    writes->push_back(Update{static_cast<UpdateKind>(level), at.entry, at.value, 0,
                              level == 3 ? EngineStep::kClearNptPte : EngineStep::kClearNptBlock});
    return NptError::kOk;
  }
  // A level-2 unmap of a range a level-3 table maps: every entry of the table that maps.
  const uint64_t table = g.table_address(at.value);
  for (uint64_t e = table; e < table + PAGE_SIZE; e += 8) {
    if (const uint64_t v = vm.read(3, e); v != 0) writes->push_back(Update{UpdateKind::kPte, e, v, 0, EngineStep::kClearNptRange});
  }
  if (writes->empty()) return NptError::kNotMapped;
  if (variant_ == EngineVariant::kDirtyReuse) {  // unlink and free the page, entries and all
    *writes = {Update{UpdateKind::kPmd, at.entry, at.value, 0, EngineStep::kClearNptUnlink}};
    *freed = table;
  }
  return NptError::kOk;
}

NptError Stage2Engine::apply(uint32_t vmid, const MapOp& op) {
  VmNpt* vm = nullptr;
  if (const NptError e = check_op(vmid, op, &vm); e != NptError::kOk) return e;
  if (op.kind == OpKind::kMap) {
    Plan plan;
    if (const NptError e = plan_set_npt(*vm, op.ipa, op.level, &plan); e != NptError::kOk) return e;
    commit_set_npt(*vm, plan, op);
    return NptError::kOk;
  }
  std::vector<Update> writes;
  uint64_t freed = 0;
  if (const NptError e = plan_clear_npt(*vm, op.ipa, op.level, &writes, &freed); e != NptError::kOk) return e;
  for (const Update& u : writes) {
    vm->store(u.entry, 0);
    vm->open.updates.push_back(u);
  }
  if (freed != 0) {  // dirty-reuse: the unlinked table goes to the free list, with no TLBI
    vm->set_parent(freed, 0);
    vm->free_tables.push_back(freed);
  } else {  // a page, a block, or every PTE of a level-3 table (a range)
    vm->unflushed.push_back(VmNpt::Unflushed{op.ipa, op.level, writes.front().kind != static_cast<UpdateKind>(op.level)});
  }
  vm->open.ops.push_back(op);
  vm->tstate = 1;
  return NptError::kOk;
}

NptError Stage2Engine::maintain(uint32_t vmid, TlbMaintenance step) {
  if (halted()) return NptError::kHalted;
  if (!valid_vmid(vmid)) return NptError::kInvalidVmid;
  VmNpt& vm = *vms_[vmid];
  if (!vm.held_by_me()) return NptError::kLockNotHeld;
  flush(vm);  // the engine's own flush comes first
  Section& s = vm.open;
  step.at = static_cast<uint32_t>(s.updates.size());
  // A DSB between writes completes the earlier ones: a barrier the explorer sees (at the end of
  // the section, close_section makes it the closing barrier).
  if (step.kind == TlbMaintenance::Kind::kDsb && step.at > 0 && (s.barriers.empty() || s.barriers.back() != step.at)) {
    s.barriers.push_back(step.at);
  }
  s.maintenance.push_back(step);
  return NptError::kOk;
}

NptError Stage2Engine::set_npt(uint32_t vmid, uint64_t ipa, int level, uint64_t descriptor) {
  return apply(vmid, MapOp{ipa, level, descriptor, OpKind::kMap});
}

NptError Stage2Engine::clear_npt(uint32_t vmid, uint64_t ipa, int level) {
  return apply(vmid, MapOp{ipa, level, 0, OpKind::kUnmap});
}

uint64_t Stage2Engine::read_entry(uint32_t vmid, int level, uint64_t entry) const {
  return vms_[vmid]->read(level, entry & ~uint64_t{7});
}

WalkResult Stage2Engine::walk(uint32_t vmid, uint64_t ipa) const {
  return ptx::walk(kGeometry, pt_vttbr(vmid), ipa, readers_[vmid]);
}

int Stage2Engine::get_npt_level(uint32_t vmid, uint64_t ipa) const {
  return walk(vmid, ipa).npt_level(kGeometry);
}

uint64_t Stage2Engine::pt_pgd_next(uint32_t vmid) const {
  MaybeLock l(*vms_[vmid]);
  return vms_[vmid]->next(1);
}
uint64_t Stage2Engine::pt_pud_next(uint32_t vmid) const {
  MaybeLock l(*vms_[vmid]);
  return vms_[vmid]->next(2);
}
uint64_t Stage2Engine::pt_pmd_next(uint32_t vmid) const {
  MaybeLock l(*vms_[vmid]);
  return vms_[vmid]->next(3);
}

uint64_t Stage2Engine::parent_of(uint32_t vmid, uint64_t page) const {
  VmNpt& vm = *vms_[vmid];
  MaybeLock l(vm);
  if (page < pgd_start(vmid) || page >= pool_end(vmid) || page % PAGE_SIZE != 0) return 0;
  return vm.parent(page);
}

int Stage2Engine::tstate(uint32_t vmid) const {
  MaybeLock l(*vms_[vmid]);
  return vms_[vmid]->tstate;
}

std::vector<Update> Stage2Engine::pending_updates(uint32_t vmid) const {
  MaybeLock l(*vms_[vmid]);
  return vms_[vmid]->open.updates;
}

uint64_t Stage2Engine::sections_published(uint32_t vmid) const {
  return vms_[vmid]->published.load(std::memory_order_acquire);
}

uint64_t Stage2Engine::sections_completed(uint32_t vmid) const {
  MaybeLock l(*vms_[vmid]);
  return vms_[vmid]->completed;
}

PoolMemory Stage2Engine::pool_memory(uint32_t vmid) const { return vms_[vmid]->memory(); }

uint64_t Stage2Engine::page_table_bytes() const {
  uint64_t bytes = 0;
  for (const auto& vm : vms_) bytes += vm->resident_bytes();
  return bytes;
}

LnptReport Stage2Engine::check_valid_lnpt(uint32_t vmid) const {
  VmNpt& vm = *vms_[vmid];
  MaybeLock lock(vm);
  return ptx::check_valid_lnpt(vm);
}

}  // namespace ptx
