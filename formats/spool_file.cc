// SPDX-License-Identifier: BSD-2-Clause
#include "formats/spool_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace ptx::formats {

namespace {
constexpr size_t kBufferBytes = size_t{1} << 20;
}  // namespace

SpoolFile::~SpoolFile() {
  if (file_ != nullptr) std::fclose(file_);
}

Status SpoolFile::append(std::string_view text) {
  buffer_ += text;
  return buffer_.size() >= kBufferBytes ? flush() : ok_status();
}

Status SpoolFile::flush() {
  if (buffer_.empty()) return ok_status();
  if (file_ == nullptr) {
    file_ = std::tmpfile();
    if (file_ == nullptr) return io_error("cannot create a temporary file for the {}: {}", what_, std::strerror(errno));
  }
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    return io_error("writing a temporary {} file: {}", what_, std::strerror(errno));
  }
  buffer_.clear();
  return ok_status();
}

Status SpoolFile::copy_to(AtomicFile& out, size_t skip) {
  if (file_ != nullptr) {
    if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) {
      return io_error("reading a temporary {} file: {}", what_, std::strerror(errno));
    }
    std::vector<char> chunk(kBufferBytes);
    for (size_t n; (n = std::fread(chunk.data(), 1, chunk.size(), file_)) > 0;) {
      const size_t skipped = std::min(skip, n);
      skip -= skipped;
      PTX_RETURN_IF_ERROR(out.write(std::string_view(chunk.data() + skipped, n - skipped)));
    }
    if (std::ferror(file_)) return io_error("reading a temporary {} file: {}", what_, std::strerror(errno));
    if (std::fseek(file_, 0, SEEK_END) != 0) return io_error("reading a temporary {} file: {}", what_, std::strerror(errno));
  }
  return out.write(std::string_view(buffer_).substr(std::min(skip, buffer_.size())));
}

Status SpoolFile::for_each_record(const std::vector<size_t>& sizes,
                                  const std::function<Status(std::string_view)>& each) {
  PTX_RETURN_IF_ERROR(flush());
  if (file_ == nullptr) return ok_status();  // nothing appended
  const auto failed = [this] { return io_error("reading a temporary {} file: {}", what_, std::strerror(errno)); };
  if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) return failed();
  std::string record;
  for (const size_t n : sizes) {
    record.resize(n);
    if (n > 0 && std::fread(record.data(), 1, n, file_) != n) return failed();
    PTX_RETURN_IF_ERROR(each(record));
  }
  if (std::fseek(file_, 0, SEEK_END) != 0) return failed();
  return ok_status();
}

}  // namespace ptx::formats
