#include "pagetable/vm_npt.h"

#include <sys/mman.h>

#include <new>

namespace ptx {

VmNpt::VmNpt(uint32_t vmid) : vmid_(vmid) {
  void* p = mmap(nullptr, PT_POOL_PER_VM, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  mem_ = static_cast<uint64_t*>(p);
  next_[1] = pgd_start(vmid);
  next_[2] = pud_start(vmid);
  next_[3] = pmd_start(vmid);
  par_.assign(kPoolPages, 0);
}

VmNpt::~VmNpt() { munmap(mem_, PT_POOL_PER_VM); }

void VmNpt::lock() {
  mu_.lock();
  // Relaxed: see held_by_me(). The mutex orders everything else the holder touches.
  owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
}

void VmNpt::unlock() {
  // Relaxed: see held_by_me(); cleared before the unlock, so the next holder's store follows it.
  owner_.store(std::thread::id{}, std::memory_order_relaxed);
  mu_.unlock();
}

}  // namespace ptx
