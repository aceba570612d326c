// SPDX-License-Identifier: BSD-2-Clause
// Progress: a live progress display on stderr while a run or check is under way.
//  * stderr is a terminal: a bar redrawn in place ("\r") about 10 times a second, erased at the
//    end so that the summary starts on a clean line;
//  * otherwise (a pipe, a file, CI): a plain line about every 2 s, e.g.
//      ptx: 1234567/4000000 ops (30.9%) 3.1 s
//  * disabled (--quiet): nothing.
// add() is cheap (one relaxed atomic add) and may be called from any thread.
#ifndef PTX_TOOLS_PTX_PROGRESS_H_
#define PTX_TOOLS_PTX_PROGRESS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace ptx::cli {

class Progress {
 public:
  enum class Style { kAuto, kOff };
  // `unit` names what is counted ("ops", "sections"); `total` is the count at completion.
  Progress(std::string unit, uint64_t total, Style style);
  ~Progress();  // finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Relaxed: the count guards no other data; the display reads some recent value of it.
  void add(uint64_t n) { done_.fetch_add(n, std::memory_order_relaxed); }
  // Stops the display (erasing the bar on a terminal). Idempotent.
  void finish();

 private:
  void loop();
  void draw(bool tty);

  std::string unit_;
  uint64_t total_;
  std::atomic<uint64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  bool tty_ = false;
  bool active_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_PROGRESS_H_
