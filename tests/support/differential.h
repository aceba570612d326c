// SPDX-License-Identifier: BSD-2-Clause
// Shared pieces of the explorer's differential tests (address_classes_test.cc,
// fast_vs_faithful_test.cc): case counts scaled for sanitizer builds, the random-case plans, and a
// collector of failures across many cases that reports the smallest failing case.
#ifndef PTX_TESTS_SUPPORT_DIFFERENTIAL_H_
#define PTX_TESTS_SUPPORT_DIFFERENTIAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "explorer/exploration.h"
#include "explorer/faithful.h"
#include "explorer/mapping.h"
#include "tests/support/random_sections.h"
#include "tests/support/sanitized.h"

namespace ptx::test {

constexpr CompareMode kModes[] = {CompareMode::kDescriptor, CompareMode::kTranslation};

// Sanitizer builds (tests/support/sanitized.h) run a sixteenth of the random cases.
constexpr int kCaseDivisor = kSanitized ? 16 : 1;
constexpr int kMinCases = 10000 / kCaseDivisor;
// Seeds per (style, size) in the *EveryStyleAndSize tests.
constexpr uint64_t kStyleSeeds = kSanitized ? 2 : 12;

// Collects failures across many cases: the first few in full, and the smallest failing case
// (fewest updates, then fewest non-zero before-entries) for the report.
class Failures {
 public:
  explicit Failures(std::string what) : what_(std::move(what)) {}

  void add(const SectionCase& c, const std::string& msg) {
    ++count_;
    if (shown_.size() < 3) shown_.push_back(msg + "\n" + c.describe());
    const std::pair<size_t, size_t> size{c.updates.size(), entries(c.before)};
    if (!smallest_ || size < smallest_size_) {
      smallest_ = msg + "\n" + c.describe();
      smallest_size_ = size;
    }
  }
  size_t count() const { return count_; }

  void report() const {
    if (count_ == 0) return;
    std::string s = fmt::format("{}: {} failures. First ones:\n", what_, count_);
    for (const auto& m : shown_) s += m + "\n";
    s += "Smallest failing case:\n" + *smallest_;
    ADD_FAILURE() << s;
  }

 private:
  static size_t entries(const NptImage& img) {
    size_t n = 0;
    img.for_each_page([&](int, uint64_t, const uint64_t* e) {
      for (uint64_t i = 0; i < img.geometry().page_size() / 8; ++i) n += e[i] != 0;
    });
    return n;
  }
  std::string what_;
  size_t count_ = 0;
  std::vector<std::string> shown_;
  std::optional<std::string> smallest_;
  std::pair<size_t, size_t> smallest_size_{};
};


struct Plan {
  Geometry g;
  int cases;
  size_t max_updates;
  uint64_t seed_base;
};

// >= 10,000 cases over the three reduced geometries under the SeKVM rules, and as many again
// under the Arm rules in a flat memory.
constexpr Plan kPlans[] = {
    {kReduced4x2, 6000, 7, 1'000'000},
    {kReduced3x2, 3000, 7, 2'000'000},
    {kReduced4x3, 1200, 6, 3'000'000},
    {kArm4x2, 6000, 7, 5'000'000},
    {kArm3x2, 3000, 7, 6'000'000},
    {kArm4x3, 1200, 6, 7'000'000},
};

inline std::string verdict_text(const AddressVerdict& v) {
  std::string others;
  for (uint64_t o : v.others) others += fmt::format(" {:#x}", o);
  return fmt::format("before={:#x} after={:#x} counts(before={}, after={}, other={}) others=[{}]",
                     v.before, v.after, to_string(v.counts.before), to_string(v.counts.after),
                     to_string(v.counts.other), others);
}

inline std::string counts_text(const Counts& c) {
  return fmt::format("(before={}, after={}, other={})", to_string(c.before), to_string(c.after),
                     to_string(c.other));
}

}  // namespace ptx::test

#endif  // PTX_TESTS_SUPPORT_DIFFERENTIAL_H_
