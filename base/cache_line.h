// SPDX-License-Identifier: BSD-2-Clause
// Per-thread state kept in arrays (one slot per VM or lane) without false sharing.
#ifndef PTX_BASE_CACHE_LINE_H_
#define PTX_BASE_CACHE_LINE_H_

#include <cstddef>

namespace ptx {

// The cache line of x86-64 and of the Arm cores ptx targets (Neoverse, Cortex-A): 64 bytes.
// A constant rather than std::hardware_destructive_interference_size, whose value gcc warns may
// differ between compilations (-Winterference-size).
inline constexpr size_t kCacheLine = 64;

// `T` alone on its cache line(s): slots of one array written by different threads (a lane's
// counters, a VM's cursor) then never share a line, so one thread's writes do not evict the line
// another thread is using. Access through * or ->.
template <typename T>
struct alignas(kCacheLine) CacheAligned {
  T value{};
  T& operator*() { return value; }
  const T& operator*() const { return value; }
  T* operator->() { return &value; }
  const T* operator->() const { return &value; }
};

}  // namespace ptx

#endif  // PTX_BASE_CACHE_LINE_H_
