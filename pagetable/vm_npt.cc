// SPDX-License-Identifier: BSD-2-Clause
#include "pagetable/vm_npt.h"

#include <sys/mman.h>

#include <unistd.h>

#include <new>
#include <vector>

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

uint64_t VmNpt::resident_bytes() const {
  const uint64_t os_page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((PT_POOL_PER_VM + os_page - 1) / os_page);
  uint64_t bytes = par_.capacity() * sizeof(uint64_t);
  if (mincore(mem_, PT_POOL_PER_VM, resident.data()) != 0) return bytes + written_.count() * PAGE_SIZE;
  for (unsigned char r : resident) bytes += (r & 1) != 0 ? os_page : 0;
  return bytes;
}

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
