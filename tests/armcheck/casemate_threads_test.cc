// SPDX-License-Identifier: BSD-2-Clause
// check_casemate gives the same CheckResult for every thread count (the reading and the checking
// of a trace run as a pipeline from 2 threads on, armcheck/casemate_check.h): on every trace of
// tests/data/casemate/ and on a generated trace of many batches with two roots, violations,
// findings and an open section at the end.
#include <filesystem>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "tests/armcheck/check_util.h"

namespace ptx::armcheck {
namespace {

namespace fs = std::filesystem;

// Everything a result says, as text (kept sections: their section, verdict and context).
std::string describe(const CheckResult& r) {
  const Totals& t = r.totals;
  std::string s = fmt::format("sections {} updates {} sequences {} classes {} violations {} in {} findings {} roots {} "
                              "records {} verdict {}\n",
                              t.sections, t.updates, to_string(t.sequences), t.address_classes, t.violations,
                              t.violating_sections, t.findings, r.roots, r.counts.records(),
                              r.casemate_verdict.value_or("-"));
  for (const Finding& f : r.findings) s += fmt::format("finding {} line {} {} {}\n", f.kind, f.line, f.detail, f.src);
  for (const CheckedSection& c : r.kept) {
    s += fmt::format("section seq {} vmid {} line {} updates {} classes {} ok {}", c.section.seq, c.section.vmid,
                     c.line, c.section.updates.size(), c.exploration.classes.size(), c.exploration.ok());
    if (c.context) {
      s += fmt::format(" tid {} lock {:#x} lines {}-{} root {:#x} open {} update lines {} barriers {}", c.context->tid,
                       c.context->lock, c.context->first_line, c.context->last_line, c.context->root,
                       c.context->open_at_end, fmt::join(c.context->update_lines, ","),
                       fmt::join(c.context->barriers, ","));
    }
    s += "\n";
  }
  return s;
}

// The result, or the error, of checking `text` on `threads` threads.
std::string check(const std::string& text, unsigned threads) {
  std::istringstream in(text);
  const StatusOr<CasemateRun> run = check_casemate(in, "t.trace", testing::keep_all(), {}, threads);
  if (!run.ok()) return "error: " + run.status().to_string();
  return describe(run->result) + fmt::format("warnings {}\n", fmt::join(run->warnings, "|"));
}

void expect_same_for_every_thread_count(const std::string& text, const std::string& what) {
  SCOPED_TRACE(what);
  const std::string one = check(text, 1);
  EXPECT_EQ(one, check(text, 2));
  EXPECT_EQ(one, check(text, 4));
}

TEST(CasemateThreads, EveryDataTraceChecksTheSameOnOneTwoAndFourThreads) {
  int n = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(testing::data_path(""))) {
    if (e.path().extension() != ".trace") continue;
    expect_same_for_every_thread_count(::ptx::test::file_bytes(e.path().string()), e.path().filename().string());
    ++n;
  }
  EXPECT_GE(n, 8);
}

// Two roots (VMIDs 1 and 2, one PTE table each under fresh tables) and `sections` sections
// alternating between them: most map one page, every 7th writes its entry twice (a wrong
// translation), every 11th is followed by a write without the lock (unlocked-write); the last
// section is left open. Each 4 records, so the trace spans many of the pipeline's batches.
std::string two_root_trace(int sections) {
  std::string t;
  int id = 0;
  auto rec = [&](const std::string& body) {
    ++id;
    const size_t space = body.find(' ');
    t += fmt::format("({} (id {}) {} (src \"gen.c:{}\"))\n", body.substr(0, space), id, body.substr(space + 1), id);
  };
  for (uint64_t vm = 1; vm <= 2; ++vm) {
    const uint64_t base = 0x10000000 * vm;
    for (uint64_t k = 0; k < 4; ++k) rec(fmt::format("mem-init (tid 0) (address {:#x}) (size 1000)", base + k * 0x1000));
    for (uint64_t k = 0; k < 3; ++k) {
      rec(fmt::format("mem-write (tid 0) (mem-order plain) (address {:#x}) (value {:#x})", base + k * 0x1000,
                      base + (k + 1) * 0x1000 + 3));
    }
    rec(fmt::format("hint (tid 0) (kind set_root_lock) (location {:#x}) (value {:#x})", base, base + 0x40));
    rec(fmt::format("sysreg-write (tid {}) (sysreg vttbr_el2) (value {:#x})", vm, (vm << 48) | base));
  }
  for (int i = 0; i < sections; ++i) {
    const uint64_t vm = 1 + i % 2, base = 0x10000000 * vm, entry = base + 0x3000 + ((i / 2) % 512) * 8;
    const uint64_t tid = vm;
    rec(fmt::format("lock (tid {}) (address {:#x})", tid, base + 0x40));
    rec(fmt::format("mem-write (tid {}) (mem-order plain) (address {:#x}) (value {:#x})", tid, entry,
                    0x80000000 + uint64_t(i) * 0x1000 + 0x7ff));
    if (i % 7 == 0) {
      rec(fmt::format("mem-write (tid {}) (mem-order plain) (address {:#x}) (value {:#x})", tid, entry,
                      0x90000000 + uint64_t(i) * 0x1000 + 0x7ff));
    }
    rec(fmt::format("barrier (tid {}) dsb (kind ish)", tid));
    if (i + 1 < sections) rec(fmt::format("unlock (tid {}) (address {:#x})", tid, base + 0x40));
    if (i % 11 == 0 && i + 1 < sections) {
      rec(fmt::format("mem-write (tid 3) (mem-order plain) (address {:#x}) (value 0)", entry));
    }
  }
  return t;
}

TEST(CasemateThreads, AGeneratedTraceOfManyBatchesChecksTheSameOnOneTwoAndFourThreads) {
  const std::string text = two_root_trace(6000);
  const std::string one = check(text, 1);
  EXPECT_NE(one.find("finding unlocked-write"), std::string::npos) << one.substr(0, 2000);
  EXPECT_NE(one.find("ok false"), std::string::npos);
  EXPECT_NE(one.find("open true"), std::string::npos);
  EXPECT_EQ(one, check(text, 2));
  EXPECT_EQ(one, check(text, 4));
}

TEST(CasemateThreads, AnErrorLateInTheTraceIsTheSameOnOneAndTwoThreads) {
  std::string text = two_root_trace(3000);
  text += "(unlock (id 1) (tid 2) (address 0x5) (src \"x:1\"))\n(lock 0 0 1 \"x:2\")\n";
  const std::string one = check(text, 1);
  EXPECT_EQ(one.rfind("error: ", 0), 0u) << one.substr(0, 200);
  EXPECT_EQ(one, check(text, 2));
  std::string bad = two_root_trace(3000) + "(lock (id 1) (tid 9) (address 1) (src \"x:1\"))\n";
  EXPECT_EQ(check(bad, 1).rfind("error: ", 0), 0u);
  EXPECT_EQ(check(bad, 1), check(bad, 2));
}

}  // namespace
}  // namespace ptx::armcheck
