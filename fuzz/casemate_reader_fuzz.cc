// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target: feeds arbitrary bytes through CasemateReader until the end of the trace or the
// first error, and checks that its fast path and its token-by-token path read the same events and
// end alike. Any crash, sanitizer report, leak or hang is a bug; inputs that found one belong in
// tests/fuzz/regressions/casemate_reader/ (replayed by tests/armtrace/fuzz_regressions_test.cc).
//
//   CC=clang CXX=clang++ cmake -S . -B build-fuzz -DPTX_FUZZ=ON -DPTX_BUILD_BENCH=OFF
//   cmake --build build-fuzz --target casemate_reader_fuzz
//   mkdir -p build-fuzz/corpus
//   build-fuzz/fuzz/casemate_reader_fuzz -dict=fuzz/casemate.dict -max_total_time=60 \
//       build-fuzz/corpus tests/fuzz/corpus/casemate_reader
// (add -max_len=140000 -len_control=0 to reach the 64 KiB line and record limits).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "armtrace/casemate_reader.h"
#include "armtrace/casemate_writer.h"

namespace {

// The reader's token-by-token path alone (CasemateReader::set_fast_path(false)) over the input:
// its events and its end (the error's text, or "").
std::pair<std::vector<ptx::armtrace::Event>, std::string> read_slowly(const std::string& text) {
  std::istringstream in(text);
  ptx::armtrace::CasemateReader reader(in, "fuzz");
  reader.set_fast_path(false);
  std::vector<ptx::armtrace::Event> events;
  ptx::armtrace::Event e;
  for (size_t n = 0; n <= text.size(); ++n) {
    const ptx::StatusOr<bool> more = reader.next(&e);
    if (!more.ok()) return {events, more.status().to_string()};
    if (!*more) return {events, ""};
    events.push_back(e);
  }
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The fast path (armtrace/casemate_fast.h) reads what the token-by-token path reads.
  const auto [slow_events, slow_end] = read_slowly(text);
  size_t read = 0;
  std::istringstream in(text);
  ptx::armtrace::CasemateReader reader(in, "fuzz");
  ptx::armtrace::Event e;
  // Each record takes at least 2 bytes, so more records than bytes would mean a loop.
  for (size_t n = 0; n <= size; ++n) {
    const ptx::StatusOr<bool> more = reader.next(&e);
    if (!more.ok()) {
      if (more.status().code() != ptx::StatusCode::kBadInput) std::abort();
      if (read != slow_events.size() || more.status().to_string() != slow_end) std::abort();
      return 0;
    }
    if (!*more) {
      if (read != slow_events.size() || !slow_end.empty()) std::abort();
      return 0;
    }
    if (read >= slow_events.size() || !(slow_events[read++] == e)) std::abort();
    // Whatever the reader accepts, the writer can write and the reader re-reads equal, except a
    // src with bytes that are not printable ASCII, which the writer refuses by design.
    const ptx::Status valid = ptx::armtrace::validate_event(e);
    if (!valid.ok()) {
      if (valid.message().find("not printable ASCII") == std::string::npos) std::abort();
      continue;
    }
    std::istringstream again(ptx::armtrace::format_casemate(e, n % 2 == 1));
    ptx::armtrace::CasemateReader reread(again, "again");
    ptx::armtrace::Event f;
    const ptx::StatusOr<bool> got = reread.next(&f);
    if (!got.ok() || !*got || !ptx::armtrace::same_event(e, f)) std::abort();
  }
  std::abort();  // next() never reported the end
}
