// SPDX-License-Identifier: BSD-2-Clause
// `ptx run --from-process PID` on a process the test starts: its present pages become VM 1's
// memory; the run explores them (exit 0, ops > 0), and record/check agrees with it.
#include <signal.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"

namespace ptx::clitest {
namespace {

class Child {
 public:
  Child() {
    char sleep_arg[] = "sleep";
    char secs[] = "30";
    char* argv[] = {sleep_arg, secs, nullptr};
    EXPECT_EQ(posix_spawnp(&pid_, "sleep", nullptr, nullptr, argv, environ), 0);
    // Wait until it sleeps: mapped libc is not enough (the loader still touches pages after it,
    // and a run and a record of the process then saw different present pages on a loaded
    // machine). Asleep, with the same resident size twice 20 ms apart.
    std::string last;
    for (int i = 0; i < 200; ++i) {
      const std::string now = sleeping_rss();
      if (!now.empty() && now == last) break;
      last = now;
      ::usleep(20000);
    }
  }
  ~Child() {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  // The VmRSS line of /proc/PID/status when the process is sleeping (state S), else "".
  std::string sleeping_rss() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line, state, rss;
    while (std::getline(status, line)) {
      if (line.rfind("State:", 0) == 0) state = line;
      if (line.rfind("VmRSS:", 0) == 0) rss = line;
    }
    return state.find("S (sleeping)") != std::string::npos ? rss : "";
  }

  pid_t pid_ = 0;
};

TEST(CliFromProcess, ExploresALiveProcess) {
  ScratchDir dir;
  Child child;
  const std::string pid = std::to_string(child.pid());
  const Result r = run_ptx({"run", "--from-process", pid, "--threads", "2", "--report",
                            dir / "r.json", "--report-all"},
                           dir);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("process " + pid), std::string::npos) << r.out;
  const nlohmann::json j = read_json(dir / "r.json");
  EXPECT_GT(j["summary"]["ops"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["summary"]["violations"], 0);
  ASSERT_FALSE(j["sections"].empty());
  for (const nlohmann::json& s : j["sections"]) {
    ASSERT_EQ(s["vmid"], 1);
    ASSERT_EQ(s["ops"].size(), 1u);
    const int level = s["ops"][0]["level"];
    ASSERT_TRUE(level == 2 || level == 3);
  }
}

TEST(CliFromProcess, BatchedSectionsAndRecordCheck) {
  ScratchDir dir;
  Child child;
  const std::string pid = std::to_string(child.pid());
  // The process's pages do not change while it sleeps, so a live run and a recorded trace of it
  // give the same report.
  Result r = run_ptx({"run", "--from-process", pid, "--sections", "batched", "--report",
                      dir / "live.json", "--report-all"},
                     dir);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  r = run_ptx({"record", "--from-process", pid, "--sections", "batched", "--out", dir / "t.jsonl"}, dir);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  r = run_ptx({"check", dir / "t.jsonl", "--report", dir / "checked.json", "--report-all"}, dir);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const nlohmann::json live = read_json(dir / "live.json");
  const nlohmann::json checked = read_json(dir / "checked.json");
  EXPECT_EQ(live["summary"], checked["summary"]);
  EXPECT_GT(live["summary"]["ops"].get<uint64_t>(), live["summary"]["sections"].get<uint64_t>());
}

}  // namespace
}  // namespace ptx::clitest
