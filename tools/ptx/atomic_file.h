// AtomicFile: writes a file so that readers see either the old file (or none) or the complete
// new one, never a partial one: the content goes to FILE.tmp.XXXXXX in the same directory, which
// is flushed, fsync'ed and renamed over FILE by commit(). If commit() is not reached (an error, an
// exception), the destructor removes the temporary file, so nothing is left behind.
#ifndef PTX_TOOLS_PTX_ATOMIC_FILE_H_
#define PTX_TOOLS_PTX_ATOMIC_FILE_H_

#include <cstdio>
#include <string>
#include <string_view>

namespace ptx::cli {

class AtomicFile {
 public:
  // Creates the temporary file. Throws BadInput when it cannot.
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Appends. Throws BadInput on a write error.
  void write(std::string_view s);
  // Flushes, fsyncs and renames into place (then fsyncs the directory). Throws BadInput on error
  // (the temporary file is then removed).
  void commit();

  const std::string& path() const { return path_; }

 private:
  void fail(const std::string& what);
  std::string path_;
  std::string temp_;
  std::FILE* f_ = nullptr;
  bool committed_ = false;
};

// Checks, before any work is done, that `path` can later be written by AtomicFile: its directory
// exists and is writable and `path` is not a directory. Throws BadInput otherwise.
void check_writable(const std::string& path, const std::string& what);

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_ATOMIC_FILE_H_
