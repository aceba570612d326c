// SPDX-License-Identifier: BSD-2-Clause
// AtomicFile (formats/atomic_file.h): a committed file has its content and mode 0666 & ~umask; an
// uncommitted one leaves nothing behind (no file, no FILE.tmp.*) and never replaces a good file;
// check_writable's errors.
#include "formats/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/formats/scratch_dir.h"

namespace ptx::formats {
namespace {

using test::read_file;
using test::ScratchDir;

// Sets the umask for the scope.
class Umask {
 public:
  explicit Umask(mode_t m) : old_(::umask(m)) {}
  ~Umask() { ::umask(old_); }

 private:
  mode_t old_;
};

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

void ExpectIoErrorNaming(const Status& st, const std::string& path, const std::string& phrase) {
  EXPECT_EQ(st.code(), StatusCode::kIoError) << st.to_string();
  EXPECT_NE(st.message().find(path), std::string::npos) << st.to_string();
  EXPECT_NE(st.message().find(phrase), std::string::npos) << st.to_string();
}

TEST(AtomicFile, CommitWritesTheContentWithTheUsualMode) {
  for (mode_t mask : {mode_t{022}, mode_t{077}, mode_t{0}}) {
    Umask u(mask);
    ScratchDir dir;
    const std::string path = dir / "out.json";
    AtomicFile f(path);
    ASSERT_TRUE(f.open().ok());
    ASSERT_TRUE(f.write("hello, ").ok());
    ASSERT_TRUE(f.write("world\n").ok());
    ASSERT_TRUE(f.write("").ok());
    EXPECT_FALSE(std::filesystem::exists(path)) << "nothing at PATH before commit";
    ASSERT_TRUE(f.commit().ok());
    EXPECT_EQ(read_file(path), "hello, world\n");
    EXPECT_EQ(ModeOf(path), 0666 & ~mask) << "umask " << std::oct << mask;
    EXPECT_EQ(dir.list(), std::vector<std::string>{"out.json"}) << "no temporary file left";
    EXPECT_EQ(f.path(), path);
  }
}

TEST(AtomicFile, WithoutCommitNothingIsLeft) {
  ScratchDir dir;
  const std::string path = dir / "out.txt";
  {
    AtomicFile f(path);
    ASSERT_TRUE(f.open().ok());
    ASSERT_TRUE(f.write(std::string(100000, 'x')).ok());
    // The content is in FILE.tmp.XXXXXX beside the target while it is written.
    const std::vector<std::string> names = dir.list();
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0].rfind("out.txt.tmp.", 0), 0u) << names[0];
  }
  EXPECT_TRUE(dir.list().empty());
  {
    AtomicFile opened_only(path);
    ASSERT_TRUE(opened_only.open().ok());
  }
  EXPECT_TRUE(dir.list().empty());
  { AtomicFile never_opened(path); }
  EXPECT_TRUE(dir.list().empty());
}

TEST(AtomicFile, AnExistingFileSurvivesAnUncommittedWriteAndIsReplacedByACommit) {
  ScratchDir dir;
  const std::string path = dir / "report.json";
  ASSERT_TRUE(write_file_atomically(path, "good\n").ok());
  {
    AtomicFile f(path);
    ASSERT_TRUE(f.open().ok());
    ASSERT_TRUE(f.write("partial").ok());
    EXPECT_EQ(read_file(path), "good\n") << "readers see the old file while the new one is written";
  }
  EXPECT_EQ(read_file(path), "good\n");
  EXPECT_EQ(dir.list(), std::vector<std::string>{"report.json"});
  AtomicFile f(path);
  ASSERT_TRUE(f.open().ok());
  ASSERT_TRUE(f.write("new").ok());
  EXPECT_EQ(read_file(path), "good\n");
  ASSERT_TRUE(f.commit().ok());
  EXPECT_EQ(read_file(path), "new");
  EXPECT_EQ(dir.list(), std::vector<std::string>{"report.json"});
}

TEST(AtomicFile, CallsOutOfOrderFailWithoutWriting) {
  ScratchDir dir;
  const std::string path = dir / "f";
  AtomicFile f(path);
  ExpectIoErrorNaming(f.write("x"), path, "not open");
  ExpectIoErrorNaming(f.commit(), path, "not open");
  ASSERT_TRUE(f.open().ok());
  ASSERT_TRUE(f.commit().ok());
  EXPECT_EQ(read_file(path), "");
  ExpectIoErrorNaming(f.commit(), path, "not open");  // once committed, it is closed
  EXPECT_EQ(dir.list(), std::vector<std::string>{"f"});
}

TEST(AtomicFile, OpenInAMissingDirectoryIsIoError) {
  ScratchDir dir;
  const std::string path = dir / "no/such/dir/f";
  AtomicFile f(path);
  ExpectIoErrorNaming(f.open(), path, "cannot create a temporary file for");
  ExpectIoErrorNaming(write_file_atomically(path, "x"), path, "cannot create a temporary file for");
  EXPECT_TRUE(dir.list().empty());
}

// rename(2) over a directory fails: commit names PATH and the step, and removes the temporary.
TEST(AtomicFile, FailedRenameRemovesTheTemporaryFile) {
  ScratchDir dir;
  const std::string path = dir / "taken";
  std::filesystem::create_directory(path);
  AtomicFile f(path);
  ASSERT_TRUE(f.open().ok());
  ASSERT_TRUE(f.write("data").ok());
  ExpectIoErrorNaming(f.commit(), path, "rename");
  EXPECT_EQ(dir.list(), std::vector<std::string>{"taken"});
  EXPECT_TRUE(std::filesystem::is_directory(path));
}

TEST(AtomicFile, WriteFileAtomicallyWritesLargeContent) {
  ScratchDir dir;
  std::string content;
  for (int i = 0; content.size() < (3u << 20); ++i) content += std::to_string(i) + "\n";
  const std::string path = dir / "big";
  ASSERT_TRUE(write_file_atomically(path, content).ok());
  EXPECT_EQ(read_file(path), content);
  ASSERT_TRUE(write_file_atomically(path, "small").ok());
  EXPECT_EQ(read_file(path), "small");
}

TEST(AtomicFile, RelativePathsWriteInTheCurrentDirectory) {
  ScratchDir dir;
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  const Status check = check_writable("rel.txt", "--out");
  const Status st = write_file_atomically("rel.txt", "here");
  std::filesystem::current_path(cwd);
  EXPECT_TRUE(check.ok()) << check.to_string();
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_EQ(read_file(dir / "rel.txt"), "here");
}

// ---- check_writable ---------------------------------------------------------------------------

void ExpectBadInput(const Status& st, const std::vector<std::string>& phrases) {
  EXPECT_EQ(st.code(), StatusCode::kBadInput) << st.to_string();
  for (const std::string& p : phrases) EXPECT_NE(st.message().find(p), std::string::npos) << st.to_string();
}

TEST(CheckWritable, AcceptsNewAndExistingFilesInAWritableDirectory) {
  ScratchDir dir;
  EXPECT_TRUE(check_writable(dir / "new.json", "--report").ok());
  test::write_file(dir / "old.json", "{}");
  EXPECT_TRUE(check_writable(dir / "old.json", "--report").ok());
  EXPECT_TRUE(dir.list() == std::vector<std::string>{"old.json"}) << "checking creates nothing";
}

TEST(CheckWritable, RefusesWhatAtomicFileCouldNotWrite) {
  ScratchDir dir;
  std::filesystem::create_directory(dir / "sub");
  test::write_file(dir / "plain", "x");
  ExpectBadInput(check_writable("", "--report"), {"--report", "empty file name"});
  ExpectBadInput(check_writable(dir / "missing/r.json", "--report"), {"--report", dir / "missing/r.json", "directory"});
  ExpectBadInput(check_writable(dir / "sub", "--out"), {"--out", dir / "sub", "is a directory"});
  ExpectBadInput(check_writable(dir / "plain/r.json", "--out"), {"--out", dir / "plain", "is not a directory"});
}

TEST(CheckWritable, RefusesAnUnwritableDirectory) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can write into any directory";
  ScratchDir dir;
  const std::string ro = dir / "ro";
  std::filesystem::create_directory(ro);
  std::filesystem::permissions(ro, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  ExpectBadInput(check_writable(ro + "/r.json", "--report"), {"--report", ro, "is not writable"});
  AtomicFile f(ro + "/r.json");
  EXPECT_EQ(f.open().code(), StatusCode::kIoError);
  std::filesystem::permissions(ro, std::filesystem::perms::owner_all);
}

}  // namespace
}  // namespace ptx::formats
