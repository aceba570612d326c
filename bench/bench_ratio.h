// SPDX-License-Identifier: BSD-2-Clause
// Same-run ratios for the ptx benchmarks.
//
// Every bench_*.cc pairs what it measures with a baseline run in the same process, and reports the
// ratio of the two at the end of the run, so that a number never has to be compared with one taken
// on another machine or at another time. A pair names two runs (as Google Benchmark prints them,
// e.g. "BM_EngineWalk/real_time/threads:2") and a counter both report (e.g. "items_per_second");
// the ratio is measured / baseline, so > 1 means the measured thing is faster. Run-control
// components of a name ("/min_time:0.200", "/iterations:1", "/repeats:3") are ignored.
//
// With --benchmark_repetitions the median aggregate of each run is used; otherwise the mean of
// its iteration runs. Pairs whose runs were filtered out (--benchmark_filter) are skipped.
//
//   int main(int argc, char** argv) {
//     return ptx::bench::run_with_ratios(argc, argv, {{"walk", "BM_A", "BM_B", "items_per_second"}});
//   }
#ifndef PTX_BENCH_BENCH_RATIO_H_
#define PTX_BENCH_BENCH_RATIO_H_

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cmath>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/process_memory.h"

namespace ptx::bench {

struct RatioPair {
  std::string label;     // what the ratio means, e.g. "lock-free walk vs locked walk"
  std::string measured;  // run name of the measured benchmark
  std::string baseline;  // run name of the baseline, same process
  std::string counter;   // counter compared (a rate: higher is better)
};

// A cost slope between two runs of one benchmark at sizes x_small < x_large (e.g. leaves of a
// section): (1/rate_large - 1/rate_small) / (x_large - x_small), printed in microseconds per
// unit after the ratio table. `counter` is a rate of the benchmark's items (e.g. sections/s).
struct SlopeLine {
  std::string label;  // e.g. "(g3) batched exploration, per leaf"
  std::string small, large;
  std::string counter;
  double x_small = 0, x_large = 0;
};

// A console reporter that remembers each run's counters and prints the ratio table at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  // Colour only on a terminal, like the library's own default (--benchmark_color=auto).
  explicit RatioReporter(std::vector<RatioPair> pairs, std::vector<SlopeLine> slopes = {})
      : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular),
        pairs_(std::move(pairs)),
        slopes_(std::move(slopes)) {}

  void ReportRuns(const std::vector<Run>& reports) override {
    ConsoleReporter::ReportRuns(reports);
    for (const Run& r : reports) {
      if (r.error_occurred) continue;
      const std::string name = normalize(r.run_name.str());
      Seen& s = seen_[name];
      if (r.run_type == Run::RT_Aggregate) {
        if (r.aggregate_name != "median") continue;
        for (const auto& [k, c] : r.counters) s.median[k] = c.value;
      } else {
        for (const auto& [k, c] : r.counters) {
          s.sum[k] += c.value;
          s.count[k] += 1;
        }
      }
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::ostream& out = GetOutputStream();
    bool header = false;
    for (const RatioPair& p : pairs_) {
      double m = 0, b = 0;
      if (!value(p.measured, p.counter, &m) || !value(p.baseline, p.counter, &b) || b == 0) continue;
      if (!header) {
        out << "\nSame-run ratios (measured / baseline; the median of the repetitions when repeated; "
               "> 1 means the measured side is faster):\n\n";
        out << "| pair | measured | baseline | counter | measured | baseline | ratio |\n";
        out << "|---|---|---|---|---:|---:|---:|\n";
        header = true;
      }
      out << fmt::format("| {} | `{}` | `{}` | {} | {} | {} | **{:.2f}x** |\n", p.label, p.measured,
                         p.baseline, p.counter, human(m), human(b), m / b);
    }
    print_slopes(out);
    out.flush();
  }

 private:
  struct Seen {
    std::map<std::string, double> median, sum, count;
  };

  // A run name without the run-control components the library appends ("/min_time:0.200",
  // "/iterations:1", "/repeats:3"), so that pairs name runs by benchmark and arguments only.
  static std::string normalize(const std::string& name) {
    std::string out;
    size_t pos = 0;
    while (pos <= name.size()) {
      size_t next = name.find('/', pos);
      if (next == std::string::npos) next = name.size();
      const std::string part = name.substr(pos, next - pos);
      if (part.rfind("min_time:", 0) != 0 && part.rfind("iterations:", 0) != 0 &&
          part.rfind("repeats:", 0) != 0) {
        if (!out.empty()) out += '/';
        out += part;
      }
      pos = next + 1;
    }
    return out;
  }

  void print_slopes(std::ostream& out) const {
    for (const SlopeLine& l : slopes_) {
      double a = 0, b = 0;
      if (!value(l.small, l.counter, &a) || !value(l.large, l.counter, &b) || a == 0 || b == 0) continue;
      const double us = (1 / b - 1 / a) / (l.x_large - l.x_small) * 1e6;
      out << fmt::format("\nSlope: {}: {:.4g} us per unit between `{}` ({:.4g} us) and `{}` ({:.4g} us)\n", l.label, us,
                         l.small, 1e6 / a, l.large, 1e6 / b);
    }
  }

  bool value(const std::string& run, const std::string& counter, double* out) const {
    auto it = seen_.find(normalize(run));
    if (it == seen_.end()) return false;
    if (auto m = it->second.median.find(counter); m != it->second.median.end()) {
      *out = m->second;
      return true;
    }
    auto s = it->second.sum.find(counter);
    if (s == it->second.sum.end()) return false;
    *out = s->second / it->second.count.at(counter);
    return true;
  }

  static std::string human(double v) {
    const char* unit[] = {"", "k", "M", "G", "T"};
    int i = 0;
    while (std::fabs(v) >= 1000 && i < 4) {
      v /= 1000;
      ++i;
    }
    return fmt::format("{:.3g}{}", v, unit[i]);
  }

  std::vector<RatioPair> pairs_;
  std::vector<SlopeLine> slopes_;
  std::map<std::string, Seen> seen_;
};

inline int run_with_ratios(int argc, char** argv, std::vector<RatioPair> pairs, std::vector<SlopeLine> slopes = {}) {
  release_large_blocks_when_freed();  // as the ptx binary does: the memory goals measure its runs
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter(std::move(pairs), std::move(slopes));
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace ptx::bench

#endif  // PTX_BENCH_BENCH_RATIO_H_
