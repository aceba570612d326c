// SPDX-License-Identifier: BSD-2-Clause
#include "base/interrupt.h"

#include <csignal>

#include <atomic>

namespace ptx {
namespace {

// Lock-free, so the handler may store to it (async-signal-safe).
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_signal(int sig) {
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);  // the first signal wins
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGXFSZ, SIG_IGN);
}

// Relaxed: the flag guards no data; pollers only need to see it eventually.
int interrupt_signal() { return g_signal.load(std::memory_order_relaxed); }

void set_interrupt_for_test(int sig) { g_signal.store(sig, std::memory_order_relaxed); }

}  // namespace ptx
