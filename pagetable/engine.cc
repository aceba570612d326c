#include "pagetable/engine.h"

#include <sys/mman.h>

#include <bitset>
#include <mutex>
#include <new>
#include <thread>

#include <fmt/format.h>

namespace ptx {

namespace {

constexpr uint64_t kPoolWords = PT_POOL_PER_VM / 8;
constexpr uint64_t kPoolPages = PT_POOL_PER_VM / PAGE_SIZE;

}  // namespace

// Everything one VM owns. Fields other than the memory are guarded by `lock`.
class VmNpt {
 public:
  explicit VmNpt(uint32_t vmid) : vmid_(vmid) {
    void* p = mmap(nullptr, PT_POOL_PER_VM, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    mem_ = static_cast<uint64_t*>(p);
    next_[1] = pgd_start(vmid);
    next_[2] = pud_start(vmid);
    next_[3] = pmd_start(vmid);
    par_.assign(kPoolPages, 0);
  }
  ~VmNpt() { munmap(mem_, PT_POOL_PER_VM); }
  VmNpt(const VmNpt&) = delete;
  VmNpt& operator=(const VmNpt&) = delete;

  uint32_t vmid() const { return vmid_; }

  // Raw access by byte address inside [pool_start, pool_end). Memory order as documented in
  // engine.h: release on store, acquire on load.
  uint64_t load(uint64_t addr) const {
    return std::atomic_ref<uint64_t>(mem_[word(addr)]).load(std::memory_order_acquire);
  }
  void store(uint64_t addr, uint64_t value) {
    written_.set((addr - pool_start(vmid_)) / PAGE_SIZE);
    std::atomic_ref<uint64_t>(mem_[word(addr)]).store(value, std::memory_order_release);
  }
  bool in_pool(int level, uint64_t addr) const {
    return addr >= level_pool_lo(vmid_, level) && addr < level_pool_hi(vmid_, level);
  }
  // Coq pool read: the entry at `addr` of the pool the walk reads at `level`, 0 outside it.
  uint64_t read(int level, uint64_t addr) const { return in_pool(level, addr) ? load(addr) : 0; }

  uint64_t page_index(uint64_t page) const { return (page - pool_start(vmid_)) / PAGE_SIZE; }
  bool page_written(uint64_t page) const { return written_.test(page_index(page)); }

  std::mutex lock;
  std::atomic<std::thread::id> owner{};
  uint64_t next_[4] = {0, 0, 0, 0};  // next_[l]: bump pointer of the pool of level-l tables
  std::vector<uint64_t> par_;        // parent entry of each pool page, by page_index
  int tstate = 0;
  Section open;                      // the open section: ops and pt_updates (program order)
  uint64_t completed = 0;

  bool held_by_me() const { return owner.load(std::memory_order_relaxed) == std::this_thread::get_id(); }

 private:
  uint64_t word(uint64_t addr) const { return (addr - pool_start(vmid_)) / 8; }

  const uint32_t vmid_;
  uint64_t* mem_ = nullptr;
  std::bitset<kPoolPages> written_;  // pages with any store, for check_valid_lnpt's zero scan
};

namespace {

// Holds vm.lock for the scope unless this thread already does (introspection from inside a
// section must not self-deadlock).
class MaybeLock {
 public:
  explicit MaybeLock(VmNpt& vm) : vm_(vm), taken_(!vm.held_by_me()) {
    if (taken_) vm_.lock.lock();
  }
  ~MaybeLock() {
    if (taken_) vm_.lock.unlock();
  }
  MaybeLock(const MaybeLock&) = delete;
  MaybeLock& operator=(const MaybeLock&) = delete;

 private:
  VmNpt& vm_;
  bool taken_;
};

}  // namespace

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
  vm.lock.lock();
  // The section opens when the lock is taken: a halt that happened while this thread waited for
  // the lock is earlier than the section, so the section is refused too.
  if (halted()) {
    vm.lock.unlock();
    return NptError::kHalted;
  }
  vm.owner.store(std::this_thread::get_id(), std::memory_order_relaxed);
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
  vm.owner.store(std::thread::id{}, std::memory_order_relaxed);
  vm.lock.unlock();
  return s;
}

NptError Stage2Engine::set_npt(uint32_t vmid, uint64_t ipa, int level, uint64_t descriptor) {
  if (halted()) return NptError::kHalted;
  if (!valid_vmid(vmid)) return NptError::kInvalidVmid;
  VmNpt& vm = *vms_[vmid];
  if (!vm.held_by_me()) return NptError::kLockNotHeld;
  if (!valid_addr(ipa)) return NptError::kInvalidIpa;
  if (level != 2 && level != 3) return NptError::kInvalidLevel;
  if (descriptor == 0) return NptError::kZeroDescriptor;
  if (level == 2 && pmd_table(descriptor) == PMD_TYPE_TABLE) return NptError::kTableDescriptorAtLevel2;
  if (policy_ == SectionPolicy::kSekvm && vm.tstate != 0) return NptError::kSecondLeafWrite;

  // Plan the whole walk first (walk_pgd, walk_pud, walk_pmd with alloc = 1), reading what each
  // step would read, so that every refusal happens before the first write.
  const Geometry& g = kGeometry;
  const uint64_t root = phys_page(pt_vttbr(vmid));
  uint64_t next[4] = {0, vm.next_[1], vm.next_[2], vm.next_[3]};
  uint64_t table[4] = {root, 0, 0, 0};  // table page walked at each level
  bool fresh[4] = {false, false, false, false};  // level-l table page newly allocated
  uint64_t old[4] = {0, 0, 0, 0};               // value of the entry read at each level
  for (int l = 0; l < level; ++l) {
    const uint64_t entry = g.entry_address(table[l], l, ipa);
    old[l] = vm.read(l, entry);
    if (l == 2) {  // level 3 requested: the level-2 entry must be a table or empty
      if (old[l] != 0 && pmd_table(old[l]) != PMD_TYPE_TABLE) return NptError::kMapUnderBlock;
    }
    if (old[l] == 0) {
      const int nl = l + 1;
      if (next[nl] + PAGE_SIZE > level_pool_hi(vmid, nl)) {
        halted_.store(true, std::memory_order_release);
        return NptError::kPoolExhausted;
      }
      table[nl] = next[nl];
      next[nl] += PAGE_SIZE;
      fresh[nl] = true;
    } else {
      table[l + 1] = phys_page(old[l]);
    }
  }
  const uint64_t leaf_entry = g.entry_address(table[level], level, ipa);
  old[level] = vm.read(level, leaf_entry);
  if (level == 2 && old[level] != 0 && pmd_table(old[level]) == PMD_TYPE_TABLE) {
    return NptError::kLevel2OverTable;
  }

  // Commit: allocate, link (release stores: the fresh page is zero before its pointer is
  // published), record parents and buffer the updates in program order.
  Section& s = vm.open;
  for (int l = 0; l < level; ++l) {
    if (!fresh[l + 1]) continue;
    const uint64_t entry = g.entry_address(table[l], l, ipa);
    const uint64_t value = table[l + 1] | 3;  // page | PUD_TYPE_TABLE / PMD_TYPE_TABLE
    vm.par_[vm.page_index(table[l + 1])] = entry;
    vm.store(entry, value);
    s.updates.push_back(Update{static_cast<UpdateKind>(l), entry, 0, value});
  }
  vm.next_[1] = next[1];
  vm.next_[2] = next[2];
  vm.next_[3] = next[3];
  vm.store(leaf_entry, descriptor);
  s.updates.push_back(Update{static_cast<UpdateKind>(level), leaf_entry, old[level], descriptor});
  s.ops.push_back(MapOp{ipa, level, descriptor});
  vm.tstate = 1;
  return NptError::kOk;
}

namespace {

struct EngineMemory {
  const VmNpt& vm;
  uint64_t read(int level, uint64_t entry) const { return vm.read(level, entry); }
};

}  // namespace

uint64_t Stage2Engine::read_entry(uint32_t vmid, int level, uint64_t entry) const {
  return vms_[vmid]->read(level, entry & ~uint64_t{7});
}

uint64_t Stage2Engine::pt_map(uint32_t vmid, uint64_t ipa) const {
  return ptx::pt_map(kGeometry, pt_vttbr(vmid), ipa, EngineMemory{*vms_[vmid]});
}

WalkResult Stage2Engine::walk(uint32_t vmid, uint64_t ipa) const {
  return ptx::walk(kGeometry, pt_vttbr(vmid), ipa, EngineMemory{*vms_[vmid]});
}

int Stage2Engine::get_npt_level(uint32_t vmid, uint64_t ipa) const {
  return walk(vmid, ipa).npt_level(kGeometry);
}

uint64_t Stage2Engine::pt_pgd_next(uint32_t vmid) const {
  MaybeLock l(*vms_[vmid]);
  return vms_[vmid]->next_[1];
}
uint64_t Stage2Engine::pt_pud_next(uint32_t vmid) const {
  MaybeLock l(*vms_[vmid]);
  return vms_[vmid]->next_[2];
}
uint64_t Stage2Engine::pt_pmd_next(uint32_t vmid) const {
  MaybeLock l(*vms_[vmid]);
  return vms_[vmid]->next_[3];
}

uint64_t Stage2Engine::parent_of(uint32_t vmid, uint64_t page) const {
  VmNpt& vm = *vms_[vmid];
  MaybeLock l(vm);
  if (page < pgd_start(vmid) || page >= pool_end(vmid) || page % PAGE_SIZE != 0) return 0;
  return vm.par_[vm.page_index(page)];
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
  LnptReport r;
  VmNpt& vm = *vms_[vmid];
  MaybeLock lock(vm);
  auto fail = [&](std::string s) {
    if (r.violations.size() < 32) r.violations.push_back(std::move(s));
  };
  // Bump pointers: inside [pool_lo, pool_hi], page aligned.
  for (int l = 1; l <= 3; ++l) {
    const uint64_t n = vm.next_[l];
    if (n < level_pool_lo(vmid, l) || n > level_pool_hi(vmid, l) || n % PAGE_SIZE != 0) {
      fail(fmt::format("level-{} bump pointer {:#x} outside [{:#x}, {:#x}] or unaligned", l, n,
                       level_pool_lo(vmid, l), level_pool_hi(vmid, l)));
    }
  }
  auto allocated = [&](int l, uint64_t page) {
    return l == 0 ? page == pool_start(vmid)
                  : page >= level_pool_lo(vmid, l) && page < vm.next_[l] && page % PAGE_SIZE == 0;
  };
  // Pages at or past a bump pointer are all zero (never-written pages are zero by mmap).
  for (int l = 1; l <= 3; ++l) {
    for (uint64_t p = vm.next_[l]; p < level_pool_hi(vmid, l); p += PAGE_SIZE) {
      if (!vm.page_written(p)) continue;
      for (uint64_t a = p; a < p + PAGE_SIZE; a += 8) {
        if (vm.load(a) != 0) {
          fail(fmt::format("free level-{} page {:#x} has non-zero entry {:#x} = {:#x}", l, p, a, vm.load(a)));
          break;
        }
      }
    }
  }
  // Every non-zero table entry of an allocated page points to an allocated page of the next pool
  // whose parent is that entry.
  for (int l = 0; l <= 2; ++l) {
    const uint64_t lo = level_pool_lo(vmid, l);
    const uint64_t hi = l == 0 ? pgd_start(vmid) : vm.next_[l];
    for (uint64_t p = lo; p < hi; p += PAGE_SIZE) {
      if (!vm.page_written(p)) continue;
      for (uint64_t a = p; a < p + PAGE_SIZE; a += 8) {
        const uint64_t e = vm.load(a);
        if (e == 0 || (l == 2 && pmd_table(e) != PMD_TYPE_TABLE)) continue;  // empty or a block
        const uint64_t child = phys_page(e);
        if (!allocated(l + 1, child)) {
          fail(fmt::format("level-{} entry {:#x} = {:#x} points outside the allocated level-{} pool", l, a, e, l + 1));
        } else if (vm.par_[vm.page_index(child)] != a) {
          fail(fmt::format("level-{} page {:#x} has parent {:#x}, but entry {:#x} points to it", l + 1,
                           child, vm.par_[vm.page_index(child)], a));
        }
      }
    }
  }
  // Every allocated page's recorded parent points back to it.
  for (int l = 1; l <= 3; ++l) {
    for (uint64_t p = level_pool_lo(vmid, l); p < vm.next_[l]; p += PAGE_SIZE) {
      const uint64_t par = vm.par_[vm.page_index(p)];
      if (par == 0 || !vm.in_pool(l - 1, par) || phys_page(vm.load(par)) != p ||
          (l == 3 && pmd_table(vm.load(par)) != PMD_TYPE_TABLE)) {
        fail(fmt::format("allocated level-{} page {:#x}: parent record {:#x} does not point to it", l, p, par));
      }
    }
  }
  return r;
}

}  // namespace ptx
