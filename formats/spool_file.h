// SPDX-License-Identifier: BSD-2-Clause
// SpoolFile: text appended in order while a run makes it, held in an anonymous temporary file
// (tmpfile(3): removed by the system whatever happens, even on a crash), then copied in one piece
// into an AtomicFile. A trace's or a report's lines of millions of sections go through one, so
// that no output is held in memory whole. Appends are buffered (1 MiB).
#ifndef PTX_FORMATS_SPOOL_FILE_H_
#define PTX_FORMATS_SPOOL_FILE_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <functional>
#include <vector>

#include "base/status.h"
#include "formats/atomic_file.h"

namespace ptx::formats {

class SpoolFile {
 public:
  // `what` names the output in messages ("trace", "report").
  explicit SpoolFile(std::string what) : what_(std::move(what)) {}
  ~SpoolFile();
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  // Appends `text`. Errors: kIoError "cannot create a temporary file for the <what>: why" or
  // "writing a temporary <what> file: why" (e.g. ENOSPC in the temporary directory).
  Status append(std::string_view text);
  // Copies everything appended, in order, to `out` (which reports its own write errors), leaving
  // out its first `skip` bytes. Errors: kIoError "reading a temporary <what> file: why".
  Status copy_to(AtomicFile& out, size_t skip = 0);
  // Reads everything appended back as consecutive records of `sizes` bytes (the sizes of the
  // appends, in order) and calls `each` with each record's text; stops at `each`'s first error.
  // REQUIRES: the sizes add up to what was appended. Errors: `each`'s, or kIoError "reading a
  // temporary <what> file: why".
  Status for_each_record(const std::vector<size_t>& sizes, const std::function<Status(std::string_view)>& each);
  bool empty() const { return file_ == nullptr && buffer_.empty(); }

 private:
  Status flush();
  std::string what_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
};

}  // namespace ptx::formats

#endif  // PTX_FORMATS_SPOOL_FILE_H_
