#include "tools/ptx/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "tools/ptx/bad_input.h"

namespace ptx::cli {
namespace {

std::string parent_dir(const std::string& path) {
  const std::filesystem::path p(path);
  const std::filesystem::path parent = p.parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

void check_writable(const std::string& path, const std::string& what) {
  if (path.empty()) throw BadInput(fmt::format("{}: empty file name", what));
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw BadInput(fmt::format("{} {}: is a directory", what, path));
  }
  const std::string dir = parent_dir(path);
  if (::stat(dir.c_str(), &st) != 0) {
    throw BadInput(fmt::format("{} {}: directory {}: {}", what, path, dir, std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) throw BadInput(fmt::format("{} {}: {} is not a directory", what, path, dir));
  if (::access(dir.c_str(), W_OK) != 0) {
    throw BadInput(fmt::format("{} {}: directory {} is not writable: {}", what, path, dir,
                               std::strerror(errno)));
  }
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  std::vector<char> tmpl(path_.begin(), path_.end());
  const std::string suffix = ".tmp.XXXXXX";
  tmpl.insert(tmpl.end(), suffix.begin(), suffix.end());
  tmpl.push_back('\0');
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    throw BadInput(fmt::format("cannot create a temporary file for {}: {}", path_, std::strerror(errno)));
  }
  temp_ = tmpl.data();
  // mkstemp creates 0600; give the file the usual permissions (0666 & ~umask).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  f_ = ::fdopen(fd, "w");
  if (f_ == nullptr) {
    ::close(fd);
    fail("fdopen");
  }
}

AtomicFile::~AtomicFile() {
  if (f_ != nullptr) std::fclose(f_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::fail(const std::string& what) {
  const int err = errno;
  if (f_ != nullptr) {
    std::fclose(f_);
    f_ = nullptr;
  }
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
  throw BadInput(fmt::format("writing {}: {}: {}", path_, what, std::strerror(err)));
}

void AtomicFile::write(std::string_view s) {
  if (f_ == nullptr) throw BadInput(fmt::format("writing {}: file is closed", path_));
  if (std::fwrite(s.data(), 1, s.size(), f_) != s.size()) fail("write");
}

void AtomicFile::commit() {
  if (f_ == nullptr) throw BadInput(fmt::format("writing {}: file is closed", path_));
  if (std::fflush(f_) != 0) fail("flush");
  if (::fsync(::fileno(f_)) != 0) fail("fsync");
  std::FILE* f = f_;
  f_ = nullptr;
  if (std::fclose(f) != 0) fail("close");
  if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("rename");
  committed_ = true;
  const int dfd = ::open(parent_dir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // best effort: make the rename durable
    ::close(dfd);
  }
}

}  // namespace ptx::cli
