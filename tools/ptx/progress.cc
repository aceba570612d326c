// SPDX-License-Identifier: BSD-2-Clause
#include "tools/ptx/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace ptx::cli {

Progress::Progress(std::string unit, uint64_t total, Style style)
    : unit_(std::move(unit)), total_(total), start_(std::chrono::steady_clock::now()) {
  if (style == Style::kOff) return;
  tty_ = ::isatty(STDERR_FILENO) == 1;
  active_ = true;
  thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() { finish(); }

void Progress::finish() {
  if (!active_) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  active_ = false;
  if (tty_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
}

void Progress::loop() {
  const auto period = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(2000);
  std::unique_lock<std::mutex> l(mu_);
  while (!cv_.wait_for(l, period, [this] { return stop_; })) draw(tty_);
}

void Progress::draw(bool tty) {
  // Relaxed: a progress count only needs to be some recent value, and it guards no other data.
  const uint64_t done = done_.load(std::memory_order_relaxed);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double frac = total_ == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total_);
  std::string line;
  if (tty) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    line = fmt::format("\r[{}{}] {:5.1f}% {}/{} {} {:.1f} s\033[K", std::string(filled, '#'),
                       std::string(kWidth - filled, '.'), frac * 100, done, total_, unit_, secs);
  } else {
    line = fmt::format("ptx: {}/{} {} ({:.1f}%) {:.1f} s\n", done, total_, unit_, frac * 100, secs);
  }
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace ptx::cli
