// SPDX-License-Identifier: BSD-2-Clause
// Litmus-derived traces (TLB-MODEL.md §8 item 2): the writer side of each relaxed-VM litmus test
// named in TLB-MODEL.md §1.2 (Simner et al., ESOP 2022), as a casemate-format trace in
// tests/tlb/data/litmus/ (described, with the tests that have no trace, in tests/tlb/data/README.md).
// An outcome Armv8-A forbids (the writer's maintenance is complete) must leave the TLB pass clean;
// an allowed one (maintenance missing or incomplete) must give exactly the expected finding, with
// its verdict, cause and line. The TPT (transactional) result must not change with the pass on.
#include <cctype>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/tlb/tlb_util.h"

namespace ptx::tlb {
namespace {

using testing::check_file;
using testing::describe;
using testing::reported;

enum class Outcome : uint8_t { kForbidden, kAllowed };  // the litmus outcome on Armv8-A (TLB-MODEL.md §1.2)

struct LitmusCase {
  const char* test;  // the litmus test's name = the trace's file stem
  Outcome outcome;
  bool finding;  // ptx reports exactly one finding, (verdict, cause, line); else the TLB pass is clean
  Verdict verdict = Verdict::kStaleMapping;
  Cause cause = Cause::kNone;
  uint64_t line = 0;
  uint64_t transient_faults = 0;        // TPT: the walks that may fault inside the section
  const char* untlbied = "";            // without the TLBIs: the findings besides the stale mapping
  const char* inexpressible = nullptr;  // why ptx's answer differs from the litmus outcome, by design
  const char* skip = nullptr;           // a discrepancy with the model (the test keeps the model's answer)
};

std::string trace_name(const LitmusCase& c) { return std::string("litmus/") + c.test + ".trace"; }

std::ostream& operator<<(std::ostream& os, const LitmusCase& c) { return os << c.test; }

using enum Outcome;
constexpr auto kStale = Verdict::kStaleMapping;
constexpr const char* kIsb =
    "the litmus outcome hangs on the issuer's ISB before its own translation; ptx models TLB contents, not the "
    "issuer's instruction stream (TLB-MODEL.md §6: isb ignored), and a local TLBI never reaches ⊤";

// Stage-1 tests (EL1 in the litmus) use EL2 stage 1 (TTBR0_EL2, `vae2is` for TLBI VAE1IS, the local
// `alle2` for the local TLBI VAE1), stage-2 tests use VMID 1; see tests/tlb/data/README.md. A
// section with a break has one transient fault (the walks see the invalid entry); every trace
// unlocks at its last record but RBS, which unlocks at 17 and then frees and reuses the page.
const LitmusCase kCases[] = {
    {"BBM+dsb-tlbiis-dsb", kForbidden, false, {}, {}, 0, 1, "tlb-conflict"},
    {"MP.BBM1+dsb-tlbiis-dsb-dsb+dsb-isb", kForbidden, false, {}, {}, 0, 1, "tlb-conflict"},
    {"MP.RT.EL1+dsb-tlbiis-dsb+dsb-isb", kForbidden, false},
    {"MP.RT.EL1+dsb-tlbi-dsb+dsb-isb", kAllowed, true, kStale, Cause::kLocalTlbi, 18},
    {"MP.RT.EL2+dsb-tlbiipais-dsb+dsb-isb", kAllowed, true, kStale, Cause::kNoStage1Tlbi, 18},
    {"MP.RT.EL2+dsb-tlbiipais-dsb-tlbiis-dsb+dsb-isb", kForbidden, false},
    {"CoWinvT.EL1+dsb-tlbi-dsb", kAllowed, true, kStale, Cause::kLocalTlbi, 17},
    {"CoWinvT.EL1+dsb-tlbi-dsb-isb", kForbidden, true, kStale, Cause::kLocalTlbi, 18, 0, "", kIsb},
    {"RBS+dsb-tlbiis-dsb", kForbidden, false, {}, {}, 0, 0, "freed-while-cached"},
};

class LitmusTest : public ::testing::TestWithParam<LitmusCase> {};

TEST_P(LitmusTest, TlbVerdictIsTheModelsAnswer) {
  const LitmusCase& c = GetParam();
  if (c.skip != nullptr) GTEST_SKIP() << c.skip;
  // Forbidden => clean, allowed => a finding; except where the litmus distinction is not expressible.
  EXPECT_TRUE(c.inexpressible != nullptr || c.finding == (c.outcome == kAllowed)) << c.test;
  const testing::TlbRun r = check_file(trace_name(c));
  const std::vector<TlbFinding> fs = reported(r);
  if (!c.finding) {
    EXPECT_TRUE(fs.empty()) << c.test << " (forbidden outcome: TLB clean)\n" << describe(fs);
    EXPECT_EQ(verdict_suffix(r.summary), "TLB: clean");
    EXPECT_EQ(r.stale_left, 0u) << c.test;
    return;
  }
  ASSERT_EQ(fs.size(), 1u) << c.test << "\n" << describe(r.findings);
  EXPECT_EQ(enum_name(kVerdictNames, fs[0].verdict), enum_name(kVerdictNames, c.verdict)) << describe(fs);
  EXPECT_EQ(enum_name(kCauseNames, fs[0].cause), enum_name(kCauseNames, c.cause)) << describe(fs);
  EXPECT_EQ(fs[0].line, c.line) << describe(fs);
  EXPECT_EQ(fs[0].ia, 0x40000000u);
  EXPECT_EQ(fs[0].level, 3);
  EXPECT_EQ(fs[0].src, std::string(c.test) + ":" + std::to_string(c.line));
}

TEST_P(LitmusTest, TptResultIsUnchangedByTheTlbPass) {
  const LitmusCase& c = GetParam();
  std::ifstream in(testing::tlb_data(trace_name(c)), std::ios::binary);
  armcheck::CheckOptions o;
  o.explore.parallel = false;
  StatusOr<armcheck::CasemateRun> plain = armcheck::check_casemate(in, c.test, o, {});
  ASSERT_TRUE(plain.ok()) << plain.status().to_string();
  const armcheck::CheckResult& a = plain->result;
  const armcheck::CheckResult b = check_file(trace_name(c)).result;
  EXPECT_EQ(a.totals.sections, 1u);
  EXPECT_EQ(a.totals.transient_faults, c.transient_faults);
  EXPECT_EQ(a.totals.wrong_translations, 0u);
  EXPECT_EQ(a.totals.ops, b.totals.ops);
  EXPECT_EQ(a.totals.sections, b.totals.sections);
  EXPECT_EQ(a.totals.updates, b.totals.updates);
  EXPECT_EQ(a.totals.sequences, b.totals.sequences);
  EXPECT_EQ(a.totals.address_classes, b.totals.address_classes);
  EXPECT_EQ(a.totals.violations, b.totals.violations);
  EXPECT_EQ(a.totals.violating_sections, b.totals.violating_sections);
  EXPECT_EQ(a.totals.transient_faults, b.totals.transient_faults);
  EXPECT_EQ(a.totals.wrong_translations, b.totals.wrong_translations);
  EXPECT_EQ(a.totals.findings, b.totals.findings);
  EXPECT_EQ(a.kept.size(), b.kept.size());
  ASSERT_EQ(a.findings.size(), b.findings.size());
  for (size_t i = 0; i < a.findings.size(); ++i) EXPECT_TRUE(a.findings[i] == b.findings[i]) << a.findings[i].detail;
}

// The clean answers are not vacuous: the same writer without its TLBI records leaves the unmapped
// (or broken) leaf cached, which is reported at the unlock with cause no-tlbi (besides, for the
// BBM writers, a tlb-conflict at the make, and for RBS, freed-while-cached at the free).
TEST_P(LitmusTest, WithoutItsTlbisTheWriterIsReported) {
  const LitmusCase& c = GetParam();
  std::ifstream in(testing::tlb_data(trace_name(c)), std::ios::binary);
  std::string text, line;
  uint64_t n = 0, unlock = 0;
  while (std::getline(in, line)) {
    if (line.rfind("(tlbi ", 0) == 0) continue;
    text += line + "\n";
    ++n;
    if (line.rfind("(unlock ", 0) == 0) unlock = n;
  }
  const testing::TlbRun r = testing::check_text(text);
  std::vector<TlbFinding> stale;
  std::string others;
  for (const TlbFinding& f : reported(r)) {
    if (f.verdict == Verdict::kStaleMapping) {
      stale.push_back(f);
    } else {
      others += std::string(others.empty() ? "" : ",") + std::string(enum_name(kVerdictNames, f.verdict));
    }
  }
  EXPECT_EQ(others, c.untlbied) << describe(r.findings);
  ASSERT_EQ(stale.size(), 1u) << c.test << "\n" << describe(r.findings);
  EXPECT_EQ(enum_name(kCauseNames, stale[0].cause), "no-tlbi") << describe(stale);
  EXPECT_EQ(stale[0].line, unlock) << describe(stale);
  EXPECT_EQ(stale[0].ia, 0x40000000u);
}

std::string param_name(const ::testing::TestParamInfo<LitmusCase>& info) {
  std::string s;
  for (const char* p = info.param.test; *p != '\0'; ++p) {
    s += (std::isalnum(static_cast<unsigned char>(*p)) != 0) ? *p : '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(Esop22, LitmusTest, ::testing::ValuesIn(kCases), param_name);

}  // namespace
}  // namespace ptx::tlb
