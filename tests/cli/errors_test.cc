// SPDX-License-Identifier: BSD-2-Clause
// Bad input: every case gives a clear message on stderr and exit status 2, and leaves no report
// (or trace) file, complete or partial, and no temporary file in the output directory.
#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"

namespace ptx::clitest {
namespace {

class CliErrors : public testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directory(dir_.path() / "out"); }

  // Runs `args` plus an output file in out/ and checks exit 2, that stderr holds every string of
  // `expected`, and that out/ is still empty.
  void expect_bad(std::vector<std::string> args, const std::vector<std::string>& expected,
                  bool add_output = true) {
    SCOPED_TRACE(testing::Message() << "ptx " << testing::PrintToString(args));
    if (!add_output) {
    } else if (!args.empty() && (args[0] == "run" || args[0] == "check")) {
      args.insert(args.end(), {"--report", dir_ / "out/report.json"});
    } else if (!args.empty() && args[0] == "record") {
      args.insert(args.end(), {"--out", dir_ / "out/trace.jsonl"});
    }
    const Result r = run_ptx(args, dir_);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    for (const std::string& e : expected) {
      EXPECT_NE(r.err.find(e), std::string::npos) << "stderr lacks '" << e << "'\n" << describe(r);
    }
    EXPECT_TRUE(r.out.find("verdict") == std::string::npos) << r.out;
    EXPECT_TRUE(dir_.list("out").empty()) << testing::PrintToString(dir_.list("out"));
  }

  std::string workload(const std::string& name, const std::string& text) {
    write_file(dir_ / name, text);
    return dir_ / name;
  }

  ScratchDir dir_;
};

TEST_F(CliErrors, CommandLine) {
  expect_bad({"run", "--bogus"}, {"--bogus"});
  expect_bad({}, {"subcommand"});
  expect_bad({"frobnicate"}, {"frobnicate"});
  expect_bad({"run", "--threads", "0"}, {"--threads"});
  expect_bad({"run", "--engine", "linux"}, {"--engine", "linux"});
  expect_bad({"record", "--engine", "bbm2"}, {"--engine", "bbm2"});
  expect_bad({"run", "--mode", "slow"}, {"--mode"});
  expect_bad({"run", "--compare", "bits"}, {"--compare"});
  expect_bad({"run", "--sections", "none"}, {"--sections"});
  expect_bad({"run", "--preset", "pc-q35"}, {"--preset"});
  expect_bad({"run", "--vms", "16"}, {"--vms"});
  expect_bad({"run", "--vms", "0"}, {"--vms"});
  const std::string w = workload("ok.txt", "map 1 0x40000000 3 0x80000007ff\n");
  expect_bad({"run", "--workload", w, "--vms", "2"}, {"--vms", "qemu-virt"});
  expect_bad({"run", "--workload", w, "--preset", "qemu-virt"}, {"excludes"});
  expect_bad({"run", "--workload", w, "--from-process", "1"}, {"excludes"});
  expect_bad({"record", "--ops", "200"}, {"--out"}, false);
  expect_bad({"check"}, {"TRACE"});
}

TEST_F(CliErrors, MissingFiles) {
  expect_bad({"run", "--workload", dir_ / "nope.txt"}, {"nope.txt", "cannot open"});
  expect_bad({"run", "--workload", dir_.path().string()}, {"directory"});
  expect_bad({"check", dir_ / "nope.jsonl"}, {"nope.jsonl", "cannot open"});
  expect_bad({"record", "--workload", dir_ / "nope.txt"}, {"nope.txt"});
  // An unwritable report location is refused before any work.
  const std::string w = workload("ok.txt", "map 1 0x40000000 3 0x80000007ff\n");
  const Result r = run_ptx({"run", "--workload", w, "--report", dir_ / "no/such/dir/r.json"}, dir_);
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("no/such/dir"), std::string::npos) << r.err;
}

TEST_F(CliErrors, MalformedLinesNameFileAndLine) {
  struct Case {
    std::string line;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"map 1 0x40000000 3", {"malformed map"}},
      {"map 1 0x40000000 3 0x7ff 9", {"malformed map"}},
      {"map 1 0xZZ 3 0x80000007ff", {"malformed ipa '0xZZ'", "hexadecimal"}},
      {"map one 0x40000000 3 0x80000007ff", {"malformed vmid 'one'"}},
      {"map 1 0x40000000 3 0x1ffffffffffffffff", {"malformed descriptor"}},
      {"mapp 1 0x40000000 3 0x80000007ff", {"unknown keyword 'mapp'"}},
      {"end", {"end without begin"}},
      {"map 17 0x40000000 3 0x80000007ff", {"invalid vmid 17", "valid_vmid"}},
      {"map 1 0x1000000000000 3 0x80000007ff", {"invalid ipa 0x1000000000000", "valid_addr"}},
      {"map 1 0x40000800 3 0x80000007ff", {"invalid ipa 0x40000800", "aligned"}},
      {"map 1 0x40001000 2 0x80000007fd", {"invalid ipa 0x40001000", "2 MiB"}},
      {"map 1 0x40000000 4 0x80000007ff", {"invalid level 4"}},
      {"map 1 0x40000000 1 0x80000007ff", {"a level-1 map is a block, not a table"}},
      {"map 1 0x40000000 1 0x80000007fd", {"the sekvm engine maps 2 MiB blocks and 4 KiB pages, not a level-1"}},
      {"wrprotect 1 0x40000000 0x200000", {"the sekvm engine has no call for wrprotect", "linux-NAME"}},
      {"split 1 0x40000000 0x1000 0x5", {"malformed split"}},
      {"age 1 0x40000000 0x800", {"invalid size 0x800", "multiple of 4 KiB"}},
      {"map 1 0x40000000 3 0", {"invalid descriptor 0", "non-zero"}},
      {"map 1 0x40000000 2 0x80000003", {"invalid descriptor 0x80000003", "pmd_table"}},
      {"unmap 1 0x40000000 3 0x7ff", {"malformed unmap"}},
      {"unmap 1 0x40000800 3", {"invalid ipa 0x40000800", "unmap's ipa must be aligned"}},
  };
  for (const Case& c : cases) {
    const std::string path = workload("bad.txt", "# line 1\nmap 1 0x0 3 0x80000007ff\n\n" + c.line + "\n");
    std::vector<std::string> expected = c.expected;
    expected.push_back("bad.txt:4: ");
    expect_bad({"run", "--workload", path}, expected);
  }
}

TEST_F(CliErrors, Sections) {
  const std::string begin = workload("begin.txt", "map 1 0x0 3 0x80000007ff\nbegin\nmap 1 0x1000 3 0x80000017ff\nend\n");
  expect_bad({"run", "--workload", begin}, {"begin.txt:2: ", "--sections batched"});
  expect_bad({"record", "--workload", begin}, {"begin.txt:2: ", "--sections batched"});
  const std::string open = workload("open.txt", "begin\nmap 1 0x0 3 0x80000007ff\n");
  expect_bad({"run", "--workload", open, "--sections", "batched"}, {"open.txt:1: ", "begin without end"});
  const std::string mixed = workload("mixed.txt", "begin\nmap 1 0x0 3 0x80000007ff\nmap 2 0x0 3 0x80000007ff\nend\n");
  expect_bad({"run", "--workload", mixed, "--sections", "batched"}, {"mixed.txt:3: ", "vmid 2"});
  const std::string nested = workload("nested.txt", "begin\nbegin\n");
  expect_bad({"run", "--workload", nested, "--sections", "batched"}, {"nested.txt:2: "});
  const std::string empty = workload("empty.txt", "begin\nend\n");
  expect_bad({"run", "--workload", empty, "--sections", "batched"}, {"empty.txt:2: ", "empty section"});
}

// 257 level-2 maps under 257 distinct root entries: the level-1 pool has 256 pages.
std::string exhaust(int vmid) {
  std::string w;
  for (uint64_t i = 0; i <= 256; ++i) {
    w += "map " + std::to_string(vmid) + " " + std::to_string(i << 39) + " 2 0x80000007fd\n";
  }
  return w;
}

TEST_F(CliErrors, EngineRefusalsNameTheOp) {
  expect_bad({"run", "--workload", workload("pool.txt", exhaust(1))},
             {"pool.txt:257: ", "exhausted", "(pool-exhausted)"});
  expect_bad({"record", "--workload", workload("pool.txt", exhaust(1))},
             {"pool.txt:257: ", "(pool-exhausted)"});
  const std::string under = workload("under.txt", "map 1 0x40000000 2 0x80000007fd\nmap 1 0x40001000 3 0x80000017ff\n");
  expect_bad({"run", "--workload", under}, {"under.txt:2: ", "(map-under-block)"});
  const std::string over = workload("over.txt", "map 1 0x40001000 3 0x80000017ff\nmap 1 0x40000000 2 0x80000007fd\n");
  expect_bad({"run", "--workload", over}, {"over.txt:2: ", "(level-2-over-table)"});
  const std::string nothing = workload("nothing.txt", "map 1 0x40001000 3 0x80000017ff\nunmap 1 0x40000000 3\n");
  expect_bad({"run", "--workload", nothing, "--engine", "dirty-reuse"}, {"nothing.txt:2: ", "(not-mapped)"});
  const std::string block = workload("block.txt", "map 1 0x40000000 2 0x80000007fd\nunmap 1 0x40001000 3\n");
  expect_bad({"record", "--workload", block}, {"block.txt:2: ", "(unmap-under-block)"});
}

// Which error is reported does not depend on the threads: the first in input order.
TEST_F(CliErrors, FirstErrorInInputOrderWhateverTheThreads) {
  const std::string under_first =
      workload("a.txt", "map 2 0x40000000 2 0x80000007fd\nmap 2 0x40001000 3 0x80000017ff\n" + exhaust(1));
  const std::string pool_first =
      workload("b.txt", exhaust(1) + "map 2 0x40000000 2 0x80000007fd\nmap 2 0x40001000 3 0x80000017ff\n");
  for (const std::string threads : {"1", "2", "4"}) {
    expect_bad({"run", "--workload", under_first, "--threads", threads}, {"a.txt:2: ", "(map-under-block)"});
    expect_bad({"run", "--workload", pool_first, "--threads", threads}, {"b.txt:257: ", "(pool-exhausted)"});
  }
}

TEST_F(CliErrors, FaithfulModeRefusesLargeSections) {
  std::string w = "begin\n";
  for (int i = 0; i < 8; ++i) w += "map 1 " + std::to_string(0x40000000 + i * 0x1000) + " 3 0x80000007ff\n";
  w += "end\n";  // 4 + 7 = 11 updates
  const std::string path = workload("big.txt", w);
  expect_bad({"run", "--workload", path, "--sections", "batched", "--mode", "faithful"},
             {"big.txt:2: ", "11 updates", "faithful"});
  // Fast mode takes it.
  const Result r = run_ptx({"run", "--workload", path, "--sections", "batched"}, dir_);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

TEST_F(CliErrors, FromProcess) {
  expect_bad({"run", "--from-process", "abc"}, {"--from-process"});
  expect_bad({"run", "--from-process", "0"}, {"--from-process 0"});
  // Above the largest possible pid_max (2^22): no such process.
  expect_bad({"run", "--from-process", "4194305"}, {"4194305"});
}

class CliTraceErrors : public CliErrors {
 protected:
  void SetUp() override {
    CliErrors::SetUp();
    // vm 1 maps a page, vm 2 maps one, vm 1 changes its page's permissions (one write; old value:
    // the first descriptor).
    const std::string w = workload("w.txt",
                                   "map 1 0x40000000 3 0x80000007ff\nmap 2 0x40000000 3 0x80000007ff\n"
                                   "map 1 0x40000000 3 0x800000077f\n");
    const Result r = run_ptx({"record", "--workload", w, "--out", dir_ / "t.jsonl"}, dir_);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    std::istringstream in(read_file(dir_ / "t.jsonl"));
    for (std::string l; std::getline(in, l);) lines_.push_back(l);
    ASSERT_EQ(lines_.size(), 4u);  // header, vm 1 seq 0, vm 1 seq 1, vm 2 seq 0
  }
  std::string trace(const std::vector<std::string>& lines) {
    std::string t;
    for (const std::string& l : lines) t += l + "\n";
    write_file(dir_ / "bad.jsonl", t);
    return dir_ / "bad.jsonl";
  }
  std::vector<std::string> lines_;
};

TEST_F(CliTraceErrors, BadTraces) {
  // The recorded trace itself is fine.
  Result r = run_ptx({"check", dir_ / "t.jsonl"}, dir_);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  expect_bad({"check", trace({})}, {"bad.jsonl", "empty trace"});
  expect_bad({"check", trace({lines_[1]})}, {"bad.jsonl:1: ", "not a ptx trace"});
  expect_bad({"check", trace({lines_[0], lines_[1], "{not json", lines_[3]})},
             {"bad.jsonl:3: ", "malformed trace line"});
  expect_bad({"check", trace({lines_[0], lines_[1], lines_[2]})}, {"bad.jsonl", "truncated"});
  expect_bad({"check", trace({lines_[0], lines_[1], lines_[1], lines_[3]})},
             {"bad.jsonl:3: ", "appears twice"});
  std::string bad_vmid = lines_[1];
  bad_vmid.replace(bad_vmid.find("\"vmid\":1"), 8, "\"vmid\":17");
  expect_bad({"check", trace({lines_[0], bad_vmid, lines_[2], lines_[3]})}, {"bad.jsonl:2: ", "vmid 17"});
  // Out of lock order: seq 1 holds seq 0's writes and vice versa.
  std::string s0 = lines_[1], s1 = lines_[2];
  s0.replace(s0.find("\"seq\":0"), 7, "\"seq\":1");
  s1.replace(s1.find("\"seq\":1"), 7, "\"seq\":0");
  expect_bad({"check", trace({lines_[0], s0, s1, lines_[3]})}, {"bad.jsonl:3: ", "lock order"});
  // A corrupted old value.
  std::string corrupt = lines_[1];
  corrupt.replace(corrupt.find("\"0x0\""), 5, "\"0x5\"");
  expect_bad({"check", trace({lines_[0], corrupt, lines_[2], lines_[3]})}, {"bad.jsonl:2: ", "0x5"});
  // A second op in a section of a sekvm trace.
  std::string two = lines_[3];
  two.replace(two.find("\"ops\":["), 7, "\"ops\":[[\"0x0\",3,\"0x7ff\"],");
  expect_bad({"check", trace({lines_[0], lines_[1], lines_[2], two})}, {"bad.jsonl:4: ", "sekvm"});
}

}  // namespace
}  // namespace ptx::clitest
