// SPDX-License-Identifier: BSD-2-Clause
// Helpers shared by the fuzz targets (fuzz/*_fuzz.cc) and their oracles (fuzz/*_oracle.h), which
// the regression tests in tests/<library>/fuzz_regressions_test.cc include too. Header-only.
#ifndef PTX_FUZZ_FUZZ_UTIL_H_
#define PTX_FUZZ_FUZZ_UTIL_H_

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"

namespace ptx::fuzz {

// The fuzzer's bytes as text.
inline std::string_view as_text(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// Lines in `text` as std::getline counts them (a final '\n' does not start another line).
inline uint64_t line_count(std::string_view text) {
  uint64_t n = 0;
  for (char c : text) n += c == '\n';
  return n + (!text.empty() && text.back() != '\n');
}

// "" when `st` is an error a parser of `text` labelled `name` may return: kBadInput or kIoError,
// a message, and a position (when it has one) naming `name` and a line of `text`.
inline std::string check_parse_error(const Status& st, std::string_view text, const std::string& name) {
  if (st.code() != StatusCode::kBadInput && st.code() != StatusCode::kIoError) {
    return "error code is " + std::string(status_code_name(st.code())) + ": " + st.to_string();
  }
  if (st.message().empty()) return "error without a message";
  const InputPosition& at = st.position();
  if (at.line == 0) return "";
  if (at.source != name) return "error names source '" + at.source + "', not '" + name + "'";
  if (at.line > line_count(text)) return "error at line " + std::to_string(at.line) + " past the input";
  return "";
}

// What a fuzz target does with an oracle's verdict: nothing when it is "", else print and abort.
inline int verdict(const char* target, const std::string& problem) {
  if (problem.empty()) return 0;
  std::fprintf(stderr, "%s: contract broken: %s\n", target, problem.c_str());
  std::abort();
}

// A scratch directory for targets that go through files: $PTX_FUZZ_SCRATCH when set (its owner,
// e.g. scripts/fuzz.sh, removes it), else one made once per process under /dev/shm (tmpfs: no
// disk traffic, fsync is free) or $TMPDIR and removed at a normal exit (not after a crash).
inline const std::string& scratch_dir() {
  // Never destroyed, so that the atexit handler may still read it.
  static const std::string* const dir = [] {
    namespace fs = std::filesystem;
    if (const char* given = ::getenv("PTX_FUZZ_SCRATCH"); given != nullptr && fs::is_directory(given)) {
      return new std::string(given);
    }
    const char* tmp = ::getenv("TMPDIR");
    const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::path(tmp ? tmp : "/tmp");
    std::string tmpl = (base / "ptx_fuzz_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return new std::string(tmpl);
  }();
  return *dir;
}

}  // namespace ptx::fuzz

#endif  // PTX_FUZZ_FUZZ_UTIL_H_
