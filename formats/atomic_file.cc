// SPDX-License-Identifier: BSD-2-Clause
#include "formats/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace ptx::formats {
namespace {

std::string parent_dir(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

Status check_writable(const std::string& path, const std::string& what) {
  if (path.empty()) return bad_input("{}: empty file name", what);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return bad_input("{} {}: is a directory", what, path);
  }
  const std::string dir = parent_dir(path);
  if (::stat(dir.c_str(), &st) != 0) {
    return bad_input("{} {}: directory {}: {}", what, path, dir, std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return bad_input("{} {}: {} is not a directory", what, path, dir);
  if (::access(dir.c_str(), W_OK) != 0) {
    return bad_input("{} {}: directory {} is not writable: {}", what, path, dir, std::strerror(errno));
  }
  return ok_status();
}

Status AtomicFile::open() {
  std::vector<char> tmpl(path_.begin(), path_.end());
  const std::string suffix = ".tmp.XXXXXX";
  tmpl.insert(tmpl.end(), suffix.begin(), suffix.end());
  tmpl.push_back('\0');
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return io_error("cannot create a temporary file for {}: {}", path_, std::strerror(errno));
  temp_ = tmpl.data();
  // mkstemp creates 0600; give the file the usual permissions (0666 & ~umask).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  f_ = ::fdopen(fd, "w");
  if (f_ == nullptr) {
    ::close(fd);
    return fail("fdopen");
  }
  return ok_status();
}

AtomicFile::~AtomicFile() {
  if (f_ != nullptr) std::fclose(f_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

Status AtomicFile::fail(const char* what) {
  const int err = errno;
  if (f_ != nullptr) {
    std::fclose(f_);
    f_ = nullptr;
  }
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
  return io_error("writing {}: {}: {}", path_, what, std::strerror(err));
}

Status AtomicFile::write(std::string_view s) {
  if (f_ == nullptr) return io_error("writing {}: file is not open", path_);
  if (std::fwrite(s.data(), 1, s.size(), f_) != s.size()) return fail("write");
  return ok_status();
}

Status AtomicFile::commit() {
  if (f_ == nullptr) return io_error("writing {}: file is not open", path_);
  if (std::fflush(f_) != 0) return fail("flush");
  if (::fsync(::fileno(f_)) != 0) return fail("fsync");
  std::FILE* f = f_;
  f_ = nullptr;
  if (std::fclose(f) != 0) return fail("close");
  if (::rename(temp_.c_str(), path_.c_str()) != 0) return fail("rename");
  committed_ = true;
  const int dfd = ::open(parent_dir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // best effort: make the rename durable
    ::close(dfd);
  }
  return ok_status();
}

Status write_file_atomically(const std::string& path, std::string_view content) {
  AtomicFile f(path);
  PTX_RETURN_IF_ERROR(f.open());
  PTX_RETURN_IF_ERROR(f.write(content));
  return f.commit();
}

}  // namespace ptx::formats
