#include "pagetable/engine.h"

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
  if (engine_ == nullptr) return NptError::kLockNotHeld;
  return engine_->set_npt(vmid_, ipa, level, descriptor);
}

Section CriticalSection::close() {
  if (engine_ == nullptr) return Section{};
  Stage2Engine* e = engine_;
  engine_ = nullptr;
  return e->close_section(vmid_);
}

// ---------------------------------------------------------------------------------------------
// Stage2Engine

Stage2Engine::Stage2Engine(SectionPolicy policy) : policy_(policy) {
  vms_.reserve(kVmCount);
  for (uint32_t v = 0; v < kVmCount; ++v) vms_.push_back(std::make_unique<VmNpt>(v));
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
  vm.tstate = 0;
  *out = CriticalSection(this, vmid);
  return NptError::kOk;
}

Section Stage2Engine::close_section(uint32_t vmid) {
  VmNpt& vm = *vms_[vmid];
  // The barrier: every buffered write is complete (they were stored already; the walker side is
  // modelled by the explorer), so the buffer and tstate are emptied for the next section.
  Section s = std::move(vm.open);
  s.vmid = vmid;
  s.seq = vm.completed++;
  vm.open = Section{};
  vm.tstate = 0;
  vm.unlock();
  return s;
}

// What set_npt will do, decided before the first write: the walk_pgd / walk_pud / walk_pmd steps
// with alloc = 1 (SPEC §4), as the table page walked at each level and which of them are fresh.
struct Stage2Engine::Plan {
  int level = 3;                         // the leaf level written (2 or 3)
  uint64_t table[4] = {0, 0, 0, 0};      // table page walked at each level
  bool fresh[4] = {false, false, false, false};  // level-l table page newly allocated
  uint64_t next[4] = {0, 0, 0, 0};       // bump pointers after the allocations
  uint64_t leaf_entry = 0;
  uint64_t leaf_old = 0;
};

NptError Stage2Engine::plan_set_npt(const VmNpt& vm, uint64_t ipa, int level, Plan* p) {
  const Geometry& g = kGeometry;
  const uint32_t vmid = vm.vmid();
  p->level = level;
  p->table[0] = phys_page(pt_vttbr(vmid));
  for (int l = 1; l <= 3; ++l) p->next[l] = vm.next(l);
  // The walk as it stands, down to the requested level (a walk reads each entry once).
  WalkResult w;
  walk_ipa(g, pt_vttbr(vmid), ipa, vm, [&](const WalkVisit& v) {
    RecordWalk{&w}(v);
    return v.level < level ? WalkAction::kDescend : WalkAction::kStop;
  });
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
  // panics) or at an empty entry, below which every table is allocated fresh (and all zero).
  if (last_type != EntryType::kInvalid) return NptError::kMapUnderBlock;
  for (int l = last + 1; l <= level; ++l) {
    if (p->next[l] + PAGE_SIZE > level_pool_hi(vmid, l)) {
      halted_.store(true, std::memory_order_release);
      return NptError::kPoolExhausted;
    }
    p->table[l] = p->next[l];
    p->next[l] += PAGE_SIZE;
    p->fresh[l] = true;
  }
  p->leaf_entry = g.entry_address(p->table[level], level, ipa);
  p->leaf_old = 0;  // an entry of a fresh page
  return NptError::kOk;
}

void Stage2Engine::commit_set_npt(VmNpt& vm, const Plan& p, const MapOp& op) {
  const Geometry& g = kGeometry;
  // Allocate and link top-down (release stores: the fresh page is zero before its pointer is
  // published), record parents and buffer the updates in program order.
  Section& s = vm.open;
  for (int l = 0; l < p.level; ++l) {
    if (!p.fresh[l + 1]) continue;
    const uint64_t entry = g.entry_address(p.table[l], l, op.ipa);
    const uint64_t value = p.table[l + 1] | PUD_TYPE_TABLE;  // page | 3
    // The entry linked to a fresh table was empty: the plan only allocates below an empty entry.
    assert(vm.read(l, entry) == 0);
    vm.set_parent(p.table[l + 1], entry);
    vm.store(entry, value);
    s.updates.push_back(Update{static_cast<UpdateKind>(l), entry, 0, value});
  }
  for (int l = 1; l <= 3; ++l) vm.set_next(l, p.next[l]);
  vm.store(p.leaf_entry, op.descriptor);
  s.updates.push_back(Update{static_cast<UpdateKind>(p.level), p.leaf_entry, p.leaf_old, op.descriptor});
  s.ops.push_back(op);
  vm.tstate = 1;
}

NptError Stage2Engine::set_npt(uint32_t vmid, uint64_t ipa, int level, uint64_t descriptor) {
  if (halted()) return NptError::kHalted;
  if (!valid_vmid(vmid)) return NptError::kInvalidVmid;
  VmNpt& vm = *vms_[vmid];
  if (!vm.held_by_me()) return NptError::kLockNotHeld;
  const MapOp op{ipa, level, descriptor};
  if (const NptError e = map_op_error(vmid, op); e != NptError::kOk) return e;
  if (policy_ == SectionPolicy::kSekvm && vm.tstate != 0) return NptError::kSecondLeafWrite;
  Plan plan;
  if (const NptError e = plan_set_npt(vm, ipa, level, &plan); e != NptError::kOk) return e;
  commit_set_npt(vm, plan, op);
  return NptError::kOk;
}

uint64_t Stage2Engine::read_entry(uint32_t vmid, int level, uint64_t entry) const {
  return vms_[vmid]->read(level, entry & ~uint64_t{7});
}

uint64_t Stage2Engine::pt_map(uint32_t vmid, uint64_t ipa) const {
  return ptx::pt_map(kGeometry, pt_vttbr(vmid), ipa, *vms_[vmid]);
}

WalkResult Stage2Engine::walk(uint32_t vmid, uint64_t ipa) const {
  return ptx::walk(kGeometry, pt_vttbr(vmid), ipa, *vms_[vmid]);
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

uint64_t Stage2Engine::sections_completed(uint32_t vmid) const {
  MaybeLock l(*vms_[vmid]);
  return vms_[vmid]->completed;
}

LnptReport Stage2Engine::check_valid_lnpt(uint32_t vmid) const {
  VmNpt& vm = *vms_[vmid];
  MaybeLock lock(vm);
  return ptx::check_valid_lnpt(vm);
}

}  // namespace ptx
