// SPDX-License-Identifier: BSD-2-Clause
#include "base/line_reader.h"

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ptx {
namespace {

struct Line {
  std::string text;
  uint64_t number, offset;
  friend bool operator==(const Line&, const Line&) = default;
};

std::vector<Line> read_all(const std::string& text, uint64_t max, Status* error = nullptr) {
  std::istringstream in(text);
  LineReader r(in, max);
  std::vector<Line> lines;
  std::string line;
  for (;;) {
    StatusOr<bool> more = r.next(&line);
    if (!more.ok()) {
      if (error != nullptr) *error = std::move(more).status().at("input", r.line());
      break;
    }
    if (!*more) break;
    lines.push_back({line, r.line(), r.offset()});
  }
  return lines;
}

TEST(LineReader, SplitsAtNewlinesWithNumbersAndOffsets) {
  EXPECT_EQ(read_all("ab\n\ncde\nf", 10),
            (std::vector<Line>{{"ab", 1, 0}, {"", 2, 3}, {"cde", 3, 4}, {"f", 4, 8}}));
  EXPECT_EQ(read_all("ab\n", 10), (std::vector<Line>{{"ab", 1, 0}}));  // no empty line after the last '\n'
  EXPECT_TRUE(read_all("", 10).empty());
  EXPECT_EQ(read_all("x\r\n", 10), (std::vector<Line>{{"x\r", 1, 0}}));  // CR kept for the caller
}

TEST(LineReader, LinesLongerThanAChunkAreWhole) {
  const std::string big(200000, 'x');
  const std::vector<Line> lines = read_all(big + "\n" + big + "y", 300000);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, big);
  EXPECT_EQ(lines[1].text, big + "y");
  EXPECT_EQ(lines[1].offset, big.size() + 1);
}

TEST(LineReader, ALineAtTheLimitIsReadOnePastItIsAnError) {
  EXPECT_EQ(read_all("abcd\nabc", 4).size(), 2u);
  Status e;
  const std::vector<Line> lines = read_all("abcd\nabcde\nx", 4, &e);
  EXPECT_EQ(lines.size(), 1u);
  EXPECT_EQ(e.code(), StatusCode::kBadInput);
  EXPECT_EQ(e.to_string(), "input:2: line is longer than 4 bytes (the limit for one line of this input)");
  // Past the limit the reader stops without holding the rest of the line.
  Status huge;
  read_all(std::string(1 << 22, 'z'), 1000, &huge);
  EXPECT_EQ(huge.code(), StatusCode::kBadInput);
}

TEST(LineReader, StartsMidInputWithTheGivenNumbers) {
  std::istringstream in("skip\nab\ncd\n");
  in.seekg(5);
  LineReader r(in, 10, 2, 5);
  std::string line;
  ASSERT_TRUE(*r.next(&line));
  EXPECT_EQ(line, "ab");
  EXPECT_EQ(r.line(), 2u);
  EXPECT_EQ(r.offset(), 5u);
  ASSERT_TRUE(*r.next(&line));
  EXPECT_EQ(r.offset(), 8u);
  EXPECT_FALSE(*r.next(&line));
}

}  // namespace
}  // namespace ptx
