// SPDX-License-Identifier: BSD-2-Clause
// The report format is stable: `ptx run --report-all` on small qemu-virt presets writes, byte for
// byte, the reports in tests/data/ (regenerated when qemu-virt gained its balloon and hot-unplug
// step and the report its ops' kind and engine; before, made by the ptx of before the architecture
// change, commit 363d671; a deliberate change regenerates them with scripts/regenerate_golden.sh
// and says so in its commit).
#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"
#include "tests/support/test_paths.h"

namespace ptx::clitest {
namespace {

void expect_golden(const std::vector<std::string>& args, const std::string& golden) {
  ScratchDir dir;
  std::vector<std::string> a = args;
  a.insert(a.end(), {"--report-all", "--quiet", "--report", dir / "r.json"});
  for (const std::string threads : {"1", "2"}) {
    std::vector<std::string> t = a;
    t.insert(t.end(), {"--threads", threads});
    const Result r = run_ptx(t, dir);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const std::string want = read_file(::ptx::test::source_dir() + "/tests/data/" + golden);
    ASSERT_FALSE(want.empty()) << golden;
    const std::string got = read_file(dir / "r.json");
    if (got == want) continue;
    size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
    FAIL() << golden << ": differs at byte " << i << " (" << got.size() << " vs " << want.size()
           << " bytes)\n got: " << got.substr(i > 80 ? i - 80 : 0, 160) << "\nwant: " << want.substr(i > 80 ? i - 80 : 0, 160);
  }
}

TEST(GoldenReport, QemuVirtTwoVmsSekvm) {
  expect_golden({"run", "--vms", "2", "--ops", "200"}, "qemu_virt_2x200_report_all.json");
}

TEST(GoldenReport, QemuVirtTwoVmsBatchedTranslation) {
  expect_golden({"run", "--vms", "2", "--ops", "200", "--sections", "batched", "--compare", "translation"},
                "qemu_virt_2x200_batched_translation_report_all.json");
}

}  // namespace
}  // namespace ptx::clitest
