// SPDX-License-Identifier: BSD-2-Clause
#include "base/line_reader.h"

#include <cstring>

namespace ptx {

namespace {
constexpr size_t kChunkBytes = 64 * 1024;
}  // namespace

LineReader::LineReader(std::istream& in, uint64_t max_bytes, uint64_t first_line, uint64_t offset)
    : in_(in), max_bytes_(max_bytes), buffer_(kChunkBytes), next_line_(first_line), next_offset_(offset) {}

bool LineReader::fill() {
  if (!in_.good()) return false;
  in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  begin_ = 0;
  end_ = static_cast<size_t>(in_.gcount());
  return end_ > 0;
}

StatusOr<bool> LineReader::next(std::string* line) {
  line->clear();
  line_ = next_line_;
  line_offset_ = next_offset_;
  bool any = false;  // a byte (or the '\n') of this line was read
  for (;;) {
    if (begin_ == end_ && !fill()) {
      if (in_.bad()) return io_error("read error");
      if (!any) return false;
      break;  // the last line, without a '\n'
    }
    any = true;
    const char* start = buffer_.data() + begin_;
    const void* nl = std::memchr(start, '\n', end_ - begin_);
    const size_t take = nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - start) : end_ - begin_;
    if (line->size() + take > max_bytes_) {
      return bad_input("line is longer than {} bytes (the limit for one line of this input)", max_bytes_);
    }
    line->append(start, take);
    begin_ += take;
    if (nl != nullptr) {
      ++begin_;  // the '\n'
      next_offset_ += 1;
      break;
    }
  }
  next_offset_ += line->size();
  ++next_line_;
  return true;
}

}  // namespace ptx
