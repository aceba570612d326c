// SPDX-License-Identifier: BSD-2-Clause
#include "armtrace/casemate_lexer.h"

#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace ptx::armtrace {

namespace {

bool is_space(int c) { return c == ' ' || c == '\t' || c == '\n'; }  // §1.1: CR is not

bool ends_word(int c) { return c < 0 || is_space(c) || c == '(' || c == ')'; }

}  // namespace

CasemateLexer::CasemateLexer(std::istream& in, std::string source)
    : in_(in.rdbuf()), buf_(new char[kBufferBytes]), eof_(in_ == nullptr), source_(std::move(source)) {}

bool CasemateLexer::fill() {
  if (eof_) return false;
  std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
  end_ -= pos_;
  pos_ = 0;
  const std::streamsize got = in_->sgetn(buf_.get() + end_, static_cast<std::streamsize>(kBufferBytes - end_));
  if (got <= 0) {
    eof_ = true;
    return false;
  }
  end_ += static_cast<size_t>(got);
  return true;
}

std::string_view CasemateLexer::refill_window() {
  if (!error_.ok()) return {};
  while (end_ - pos_ <= kMaxLineBytes && fill()) {
  }
  return {buf_.get() + pos_, end_ - pos_};
}

void CasemateLexer::consume(size_t bytes) {
  pos_ += bytes;
  offset_ += bytes;
  column_ += bytes;
}

Status CasemateLexer::error_at(uint64_t line, uint64_t column, std::string message) const {
  return Status(StatusCode::kBadInput, std::move(message)).at(source_, line, column);
}

Status CasemateLexer::fail(uint64_t line, uint64_t column, std::string message) {
  if (error_.ok()) error_ = error_at(line, column, std::move(message));
  return error_;
}

int CasemateLexer::peek_raw() {
  if (pos_ == end_ && !fill()) return kEof;
  return static_cast<unsigned char>(buf_[pos_]);
}

int CasemateLexer::get() {
  if (!error_.ok()) return kFailed;
  const int c = peek_raw();
  if (c == kEof) return kEof;
  std::string problem;
  if (c == '\r') {
    problem = "CR character (casemate traces use LF line ends, §1.1)";
  } else if (c != '\n' && column_ > kMaxLineBytes) {
    problem = fmt::format("line {} is longer than {} bytes (a limit of this reader)", line_,
                          kMaxLineBytes);
  } else if (in_record_ && offset_ - record_offset_ >= kMaxRecordBytes) {
    problem = fmt::format("the record that starts at line {} column {} is longer than {} bytes "
                          "(a limit of this reader)",
                          record_line_, record_column_, kMaxRecordBytes);
  }
  if (!problem.empty()) {
    error_ = error_at(line_, column_, std::move(problem));
    return kFailed;
  }
  advance(c);
  return c;
}

Status CasemateLexer::skip_space() {
  while (is_space(peek_raw())) {
    if (get() == kFailed) return error_;
  }
  return error_;
}

StatusOr<int> CasemateLexer::peek_byte() {
  PTX_RETURN_IF_ERROR(skip_space());
  return peek_raw();
}

StatusOr<CasemateLexer::Token> CasemateLexer::next() {
  PTX_RETURN_IF_ERROR(skip_space());
  Token t;
  t.line = line_;
  t.column = column_;
  t.offset = offset_;
  const int c = peek_raw();
  if (c == kEof) {
    if (!in_record_) return t;  // kEnd
    return fail(line_, column_,
                fmt::format("end of file inside the record that starts at line {} column {} "
                            "(reached end of file unexpectedly, §5)",
                            record_line_, record_column_));
  }
  if (c == '(' || c == ')') {
    if (get() == kFailed) return error_;
    t.type = c == '(' ? Token::Type::kOpen : Token::Type::kClose;
    return t;
  }
  PTX_RETURN_IF_ERROR(c == '"' ? read_string(&t) : read_word(&t));
  return t;
}

Status CasemateLexer::read_string(Token* t) {
  t->type = Token::Type::kString;
  if (get() == kFailed) return error_;  // the opening '"'
  for (;;) {
    const int c = get();
    if (c == kFailed) return error_;
    if (c == kEof) {
      return fail(t->line, t->column,
                  "unterminated string (reached end of file unexpectedly, §1.2, §5)");
    }
    if (c == '"') return ok_status();
    if (t->text.size() == kMaxTokenBytes) {
      return fail(t->line, t->column,
                  fmt::format("string longer than {} bytes (§1.2; is its closing '\"' missing?)",
                              kMaxTokenBytes));
    }
    t->text += static_cast<char>(c);
  }
}

Status CasemateLexer::read_word(Token* t) {
  t->type = Token::Type::kWord;
  while (!ends_word(peek_raw())) {
    const int c = get();
    if (c == kFailed) return error_;
    if (t->text.size() == kMaxTokenBytes) {
      return fail(t->line, t->column,
                  fmt::format("word longer than {} bytes (§1.2)", kMaxTokenBytes));
    }
    t->text += static_cast<char>(c);
  }
  return ok_status();
}

void CasemateLexer::begin_record(const Token& open) {
  in_record_ = true;
  record_offset_ = open.offset;
  record_line_ = open.line;
  record_column_ = open.column;
}

StatusOr<std::string> CasemateLexer::read_line_after_byte() {
  if (get() == kFailed) return error_;
  if (peek_raw() == ' ' && get() == kFailed) return error_;
  std::string text;
  for (int c = peek_raw(); c != kEof && c != '\n'; c = peek_raw()) {
    if (get() == kFailed) return error_;
    text += static_cast<char>(c);
  }
  return text;
}

std::optional<std::pair<uint64_t, uint64_t>> CasemateLexer::find_text_after() {
  for (int c = peek_raw(); c != kEof; c = peek_raw()) {
    if (!is_space(c)) return std::make_pair(line_, column_);
    advance(c);
  }
  return std::nullopt;
}

}  // namespace ptx::armtrace
