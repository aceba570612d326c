// SPDX-License-Identifier: BSD-2-Clause
// Helpers for the CLI tests (tests/cli_*_test.cc): run the `ptx` binary (test::ptx_binary()) with
// arguments, capture its exit status, stdout and stderr, and manage a scratch directory.
#ifndef PTX_TESTS_CLI_UTIL_H_
#define PTX_TESTS_CLI_UTIL_H_

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_paths.h"

extern char** environ;

namespace ptx::clitest {

struct Result {
  int exit_code = -1;  // the exit status, or 128 + signal
  std::string out;
  std::string err;
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

inline nlohmann::json read_json(const std::filesystem::path& p) {
  return nlohmann::json::parse(read_file(p));
}

// A fresh directory under testing::TempDir(), removed with its content at the end.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::path(testing::TempDir()) / "ptx_cli_XXXXXX").string();
    const char* d = ::mkdtemp(tmpl.data());
    EXPECT_NE(d, nullptr);
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  // Names of the directory's entries, sorted.
  std::vector<std::string> list(const std::string& sub = "") const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(sub.empty() ? path_ : path_ / sub)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::filesystem::path path_;
};

// Runs the `ptx` binary with `args`; stdout and stderr go through files in `scratch`.
// In a forked child: replaces the process with the `ptx` binary `args` (stdout/stderr as the caller set
// them); exits 127 when exec fails. Never returns.
[[noreturn]] inline void exec_ptx(const std::vector<std::string>& args) {
  std::vector<std::string> a = {::ptx::test::ptx_binary()};
  a.insert(a.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : a) argv.push_back(s.data());
  argv.push_back(nullptr);
  ::execv(::ptx::test::ptx_binary().c_str(), argv.data());
  ::_exit(127);
}

inline Result run_ptx(const std::vector<std::string>& args, const ScratchDir& scratch) {
  static int counter = 0;
  const std::string out_path = scratch / ("stdout." + std::to_string(counter));
  const std::string err_path = scratch / ("stderr." + std::to_string(counter++));
  std::vector<std::string> argv_s = {::ptx::test::ptx_binary()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  Result r;
  const int rc = posix_spawn(&pid, ::ptx::test::ptx_binary().c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  EXPECT_EQ(rc, 0) << "cannot start " << ::ptx::test::ptx_binary();
  if (rc != 0) return r;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return r;
}

inline std::string describe(const Result& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err;
}

// A test of the kernel engines' commands: skipped when ptx was built without linux-6.12.
class KernelEngineCli : public testing::Test {
 protected:
  void SetUp() override {
    const Result help = run_ptx({"run", "--help"}, dir_);
    if (help.out.find("linux-6.12") == std::string::npos) GTEST_SKIP() << "no linux-6.12 engine built in";
  }
  ScratchDir dir_;
};

}  // namespace ptx::clitest

#endif  // PTX_TESTS_CLI_UTIL_H_
