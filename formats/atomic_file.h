// SPDX-License-Identifier: BSD-2-Clause
// AtomicFile: writes a file so that readers see either the old file (or none) or the complete
// new one, never a partial one: the content goes to FILE.tmp.XXXXXX in the same directory, which
// is flushed, fsync'ed and renamed over FILE by commit(). If commit() is not reached (an error,
// an early return), the destructor removes the temporary file, so nothing is left behind.
//
//   AtomicFile f(path);
//   PTX_RETURN_IF_ERROR(f.open());
//   PTX_RETURN_IF_ERROR(f.write(text));
//   PTX_RETURN_IF_ERROR(f.commit());
#ifndef PTX_FORMATS_ATOMIC_FILE_H_
#define PTX_FORMATS_ATOMIC_FILE_H_

#include <cstdio>
#include <string>
#include <string_view>

#include "base/status.h"

namespace ptx::formats {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path) : path_(std::move(path)) {}
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Creates the temporary file. Errors: kIoError "cannot create a temporary file for PATH: why".
  Status open();
  // Appends. Errors: kIoError "writing PATH: write: why" (the temporary file is then removed, and
  // every later call fails). REQUIRES: open() succeeded.
  Status write(std::string_view s);
  // Flushes, fsyncs and renames into place (then fsyncs the directory, best effort). Errors:
  // kIoError naming PATH and the failing step (the temporary file is then removed).
  Status commit();

  const std::string& path() const { return path_; }

 private:
  Status fail(const char* what);
  std::string path_;
  std::string temp_;
  std::FILE* f_ = nullptr;
  bool committed_ = false;
};

// Writes `content` to `path` atomically (open, write, commit).
Status write_file_atomically(const std::string& path, std::string_view content);

// Checks, before any work is done, that `path` can later be written by AtomicFile: its directory
// exists and is writable and `path` is not a directory. `what` names the option in messages
// ("--report"). Errors: kBadInput naming `what`, `path` and the reason.
Status check_writable(const std::string& path, const std::string& what);

}  // namespace ptx::formats

#endif  // PTX_FORMATS_ATOMIC_FILE_H_
