// SPDX-License-Identifier: BSD-2-Clause
// `--html DIR`: one self-contained page per violation group and an index, for engine runs and
// casemate traces; the page's data replays the witness step by step to the observed mapping.
#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"
#include "tests/support/test_paths.h"

namespace ptx::clitest {
namespace {

// The JSON data element of a page.
nlohmann::json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"ptx-data\">";
  const size_t b = html.find(open);
  const size_t e = html.find("</script>", b);
  EXPECT_NE(b, std::string::npos);
  return nlohmann::json::parse(html.substr(b + open.size(), e - b - open.size()));
}

TEST(CliHtml, APagePerSignatureOccurrenceAndAnIndexOfSignatures) {
  ScratchDir dir;
  write_file(dir / "remap.txt", "begin\nmap 1 0x40000000 3 0x80000747\nmap 1 0x40000000 3 0x90000747\nend\n");
  const Result r = run_ptx({"run", "--workload", dir / "remap.txt", "--sections", "batched", "--html", dir / "out"}, dir);
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("html: 1 pages"), std::string::npos) << r.out;
  const std::vector<std::string> files = dir.list("out");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[1], "index.html");
  const std::string file = files[0];  // "<signature id>-vm1-s0.html"
  EXPECT_EQ(file.substr(9), "-vm1-s0.html");
  EXPECT_NE(r.out.find("signature " + file.substr(0, 9) + ":"), std::string::npos) << r.out;
  const std::string page = read_file(dir.path() / "out" / file);
  EXPECT_NE(page.find("id=\"signature\""), std::string::npos);  // its signature, a link to the index
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  const nlohmann::json d = page_data(page);
  EXPECT_EQ(d["verdict_class"], "wrong-translation");
  ASSERT_EQ(d["steps"].size(), d["witness"].size() + 1);
  EXPECT_EQ(d["steps"].back()["mapping"], "0x80000747");  // the witness ends at the observed page
  EXPECT_EQ(d["after"]["mapping"], "0x90000747");
  EXPECT_EQ(d["before"]["result"], "no mapping (fault)");
  const std::string index = read_file(dir.path() / "out" / "index.html");
  EXPECT_NE(index.find("href=\"" + file + "\""), std::string::npos);
  EXPECT_NE(index.find("<table id=\"signatures\">"), std::string::npos);
}

TEST(CliHtml, CasemateTracesToo) {
  ScratchDir dir;
  const Result r = run_ptx({"check", ::ptx::test::source_dir() + "/tests/data/casemate/spec_bbm_example.trace",
                            "--html", dir / "out"}, dir);
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  const std::vector<std::string> files = dir.list("out");
  ASSERT_EQ(files.size(), 2u) << testing::PrintToString(files);
  const nlohmann::json d = page_data(read_file(dir.path() / "out" / files[0]));  // [page, index.html]
  EXPECT_EQ(d["steps"].back()["mapping"], "0x80600401");  // the block the section mapped first
  EXPECT_EQ(d["steps"].back()["path"].size(), 2u);        // a 39-bit IPA: the walk starts at level 1
}

TEST(CliHtml, AnUnwritableDirectoryIsBadInput) {
  ScratchDir dir;
  write_file(dir / "file", "map 1 0x40000000 3 0x80000747\n");
  const Result r = run_ptx({"run", "--workload", dir / "file", "--html", dir / "file/sub"}, dir);
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("--html"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ptx::clitest
