// SPDX-License-Identifier: BSD-2-Clause
// Streaming a ptx trace (formats/trace_stream.h): index_trace + one TraceCursor per VM give the
// sections and lines read_trace gives, for traces as `record` writes them, with VMs interleaved,
// and with lines that do not start as `record` writes them; a VM out of seq order makes the trace
// not streamable; every error is positioned as read_trace positions it.
#include "formats/trace_stream.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "tests/formats/scratch_dir.h"

namespace ptx::formats {
namespace {

using test::ScratchDir;

// The trace's lines as `record` writes them: header, then each VM's sections in seq order.
std::vector<std::string> RecordedLines(const std::vector<uint32_t>& vms, size_t per_vm, const ScratchDir& dir) {
  Stage2Engine e(SectionPolicy::kBatched);
  TraceWriter w;
  for (uint32_t vm : vms) {
    for (size_t k = 0; k < per_vm; ++k) {
      CriticalSection cs;
      EXPECT_EQ(e.open_section(vm, &cs), NptError::kOk);
      for (size_t j = 0; j <= k % 3; ++j) {
        EXPECT_EQ(cs.set_npt(0x40000000 + (k * 3 + j) * 37 * PAGE_SIZE, 3, (vm * 0x100000000ULL + k * PAGE_SIZE) | 0x7FF),
                  NptError::kOk);
      }
      EXPECT_TRUE(w.add(cs.close()).ok());
    }
  }
  const std::string path = dir / "recorded.trace";
  EXPECT_TRUE(w.commit(path, TraceHeader{"test", "", SectionPolicy::kBatched, 0, 0}).ok());
  return test::split_lines(test::read_file(path));
}

std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

// Every VM's sections through cursors (VMs read in turn, a few sections at a time, as the runner
// does), in the shape of read_trace's Trace; or the first error.
StatusOr<Trace> ReadByCursors(const std::string& path) {
  PTX_ASSIGN_OR_RETURN(const TraceIndex index, index_trace(path));
  if (!index.streamable()) return bad_input("not streamable");
  Trace t{path, index.header, {}};
  std::vector<std::unique_ptr<TraceCursor>> cursors;
  for (uint32_t v = 0; v < kVmCount; ++v) cursors.push_back(std::make_unique<TraceCursor>(index, v));
  uint64_t ops = 0;
  for (bool any = true; any;) {
    any = false;
    for (uint32_t v = 0; v < kVmCount; ++v) {
      for (int k = 0; k < 3; ++k) {
        const uint64_t expected_line = cursors[v]->next_line();
        TraceSection ts;
        PTX_ASSIGN_OR_RETURN(const bool more, cursors[v]->next(&ts));
        if (!more) break;
        EXPECT_EQ(ts.line, expected_line) << "next_line() announces the line next() reads";
        t.vms[v].push_back(std::move(ts));
        any = true;
      }
    }
  }
  for (const auto& c : cursors) ops += c->ops();
  PTX_RETURN_IF_ERROR(check_op_count(index, ops));
  return t;
}

void ExpectSameAsReadTrace(const std::string& path) {
  const StatusOr<Trace> whole = read_trace(path);
  ASSERT_TRUE(whole.ok()) << whole.status().to_string();
  const StatusOr<Trace> streamed = ReadByCursors(path);
  ASSERT_TRUE(streamed.ok()) << streamed.status().to_string();
  for (uint32_t v = 0; v < kVmCount; ++v) {
    ASSERT_EQ(streamed->vms[v].size(), whole->vms[v].size()) << "vm " << v;
    for (size_t i = 0; i < whole->vms[v].size(); ++i) {
      EXPECT_EQ(streamed->vms[v][i].section, whole->vms[v][i].section) << "vm " << v << " seq " << i;
      EXPECT_EQ(streamed->vms[v][i].line, whole->vms[v][i].line) << "vm " << v << " seq " << i;
    }
  }
}

TEST(TraceStream, RecordedTraceStreamsLikeReadTrace) {
  ScratchDir dir;
  RecordedLines({1, 2, 7}, 40, dir);
  ExpectSameAsReadTrace(dir / "recorded.trace");
}

TEST(TraceStream, InterleavedVmsAndBlankLinesStreamLikeReadTrace) {
  ScratchDir dir;
  std::vector<std::string> lines = RecordedLines({1, 2, 3}, 30, dir);
  // A random interleaving that keeps each VM's order; a blank line here and there.
  std::vector<std::string> body(lines.begin() + 1, lines.end());
  std::vector<std::vector<std::string>> per_vm(kVmCount);
  for (const std::string& l : body) per_vm[nlohmann::json::parse(l)["vmid"].get<uint32_t>()].push_back(l);
  std::mt19937 rng(5);
  std::vector<std::string> out = {lines[0]};
  std::vector<size_t> next(kVmCount, 0);
  for (size_t left = body.size(); left > 0; --left) {
    uint32_t v;
    do v = 1 + rng() % 3;
    while (next[v] == per_vm[v].size());
    out.push_back(per_vm[v][next[v]++]);
    if (rng() % 7 == 0) out.push_back("");
  }
  test::write_file(dir / "t.trace", Join(out));
  ExpectSameAsReadTrace(dir / "t.trace");
}

TEST(TraceStream, LinesWithOtherKeyOrdersAreParsedWhole) {
  ScratchDir dir;
  std::vector<std::string> lines = RecordedLines({4, 5}, 10, dir);
  for (size_t i = 1; i < lines.size(); i += 2) lines[i] = nlohmann::json::parse(lines[i]).dump();  // sorted keys
  test::write_file(dir / "t.trace", Join(lines));
  EXPECT_FALSE(peek_section_key(lines[1]).has_value());
  ExpectSameAsReadTrace(dir / "t.trace");
}

TEST(TraceStream, AVmOutOfSeqOrderIsNotStreamable) {
  ScratchDir dir;
  std::vector<std::string> lines = RecordedLines({1, 2}, 5, dir);
  std::swap(lines[2], lines[3]);  // vm 1 seq 1 before seq 0
  test::write_file(dir / "t.trace", Join(lines));
  const StatusOr<TraceIndex> index = index_trace(dir / "t.trace");
  ASSERT_TRUE(index.ok()) << index.status().to_string();
  EXPECT_FALSE(index->streamable());
  EXPECT_FALSE(index->vms[1].in_order);
  EXPECT_TRUE(index->vms[2].in_order);
  EXPECT_TRUE(read_trace(dir / "t.trace").ok()) << "read whole, the order does not matter";
}

TEST(TraceStream, PeekReadsOnlyTheRecordedPrefix) {
  const std::optional<SectionKey> k = peek_section_key(R"({"vmid":12,"seq":345,"ops":[]})");
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->vmid, 12u);
  EXPECT_EQ(k->seq, 345u);
  for (const char* no : {R"({"seq":1,"vmid":2,"ops":[]})", R"({"vmid":01,"seq":1,)", R"({"vmid":1,"seq":,)",
                         R"({"vmid":1,"seq":2})", R"({"vmid":-1,"seq":2,)", R"({"vmid":1,"seq":2)",
                         R"({"vmid":1234567890123456789,"seq":2,)", ""}) {
    EXPECT_FALSE(peek_section_key(no).has_value()) << no;
  }
}

// ---- errors --------------------------------------------------------------------------------------

Status IndexOrCursorError(const std::string& path) {
  StatusOr<Trace> t = ReadByCursors(path);
  return t.ok() ? ok_status() : t.status();
}

TEST(TraceStream, AMissingSectionIsACountMismatch) {
  ScratchDir dir;
  std::vector<std::string> lines = RecordedLines({1, 2}, 5, dir);
  lines.pop_back();  // vm 2's last section: still in order, one short
  test::write_file(dir / "t.trace", Join(lines));
  const Status s = IndexOrCursorError(dir / "t.trace");
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("the header announces 10 sections, the file has 9 (truncated or edited trace)"),
            std::string::npos) << s.to_string();
}

TEST(TraceStream, AMalformedSectionIsAnErrorAtItsLine) {
  ScratchDir dir;
  std::vector<std::string> lines = RecordedLines({1, 2}, 5, dir);
  const std::string bad = R"({"vmid":2,"seq":1,"ops":"not an array","updates":[]})";
  lines[7] = bad;  // line 8: vm 2 seq 1, peekable, so found by the cursor that reads it
  test::write_file(dir / "t.trace", Join(lines));
  const Status s = IndexOrCursorError(dir / "t.trace");
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_EQ(s.position().line, 8u) << s.to_string();
  EXPECT_EQ(s.message(), read_trace(dir / "t.trace").status().message()) << "read_trace's message";
  lines[7] = "{\"vmid\":2,";  // not peekable: parsed whole by the index
  test::write_file(dir / "t.trace", Join(lines));
  const StatusOr<TraceIndex> index = index_trace(dir / "t.trace");
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().position().line, 8u);
}

TEST(TraceStream, OpCountMismatchIsFoundAfterTheCursors) {
  ScratchDir dir;
  std::vector<std::string> lines = RecordedLines({3}, 4, dir);
  nlohmann::json head = nlohmann::json::parse(lines[0]);
  head["ops"] = head["ops"].get<uint64_t>() + 1;
  lines[0] = head.dump();
  test::write_file(dir / "t.trace", Join(lines));
  const Status s = IndexOrCursorError(dir / "t.trace");
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_EQ(s.message(), read_trace(dir / "t.trace").status().message());
}

TEST(TraceStream, FileErrorsAndOverlongLines) {
  ScratchDir dir;
  EXPECT_EQ(index_trace(dir / "missing.trace").status().code(), StatusCode::kIoError);
  EXPECT_NE(index_trace(dir.path().string()).status().message().find("is a directory"), std::string::npos);
  test::write_file(dir / "empty.trace", "\n\n");
  EXPECT_NE(index_trace(dir / "empty.trace").status().message().find("empty trace"), std::string::npos);
  std::vector<std::string> lines = RecordedLines({1}, 2, dir);
  lines.push_back(std::string(kMaxTraceLineBytes + 1, ' '));
  test::write_file(dir / "long.trace", Join(lines));
  const Status s = index_trace(dir / "long.trace").status();
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_EQ(s.position().line, 4u);
  EXPECT_NE(s.message().find("line is longer than"), std::string::npos) << s.to_string();
  EXPECT_EQ(read_trace(dir / "long.trace").status().message(), s.message()) << "read_trace has the same limit";
}

}  // namespace
}  // namespace ptx::formats
