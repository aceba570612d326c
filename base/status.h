// SPDX-License-Identifier: BSD-2-Clause
// Status: the one error type of ptx's libraries.
//
// Every call that can fail on its input (parsers, the section checker, Geometry::validate, the
// faithful explorer's size limit, Graphviz rendering, file output) returns a Status, or a
// StatusOr<T> holding either a value or a non-OK Status. A Status has
//   * a code: what kind of failure it is, which decides the CLI's exit status (kBadInput,
//     kIoError and kUnsupported exit 2; kInterrupted exits 128 + signal; kInternal exits 3);
//   * a message: one sentence naming the input and the rule it broke, e.g.
//     "invalid vmid 17: vmid must be 0..16 (valid_vmid)";
//   * an optional position in the input (source name, line, column), printed in front of the
//     message as "SOURCE:LINE:COL: " (parts that are 0 or empty are left out).
// Libraries never throw on bad input and never print: they return a Status; the CLI alone turns
// one into a message on stderr and an exit code (tools/ptx). The SeKVM engine's own hot path
// keeps its compact NptError codes (pagetable/npt_error.h), which npt_status() turns into a
// Status where a caller needs one.
#ifndef PTX_BASE_STATUS_H_
#define PTX_BASE_STATUS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace ptx {

enum class StatusCode : uint8_t {
  kOk = 0,
  kBadInput,     // the input breaks a rule of its format or of the model
  kIoError,      // a file could not be read or written
  kUnsupported,  // well-formed input that ptx cannot handle (e.g. a geometry it cannot walk)
  kInterrupted,  // the run was stopped by SIGINT or SIGTERM
  kInternal,     // a bug in ptx
};

// "ok", "bad-input", "io-error", "unsupported", "interrupted", "internal".
std::string_view status_code_name(StatusCode c);

struct InputPosition {
  std::string source;  // file name or other label ("qemu-virt", "pid 123"); empty when unknown
  uint64_t line = 0;   // 1-based; 0 when unknown
  uint64_t column = 0; // 1-based; 0 when unknown

  friend bool operator==(const InputPosition&, const InputPosition&) = default;
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const InputPosition& position() const { return position_; }

  // Sets where in the input the problem is (replacing any earlier position).
  Status& at(std::string source, uint64_t line = 0, uint64_t column = 0) & {
    position_ = InputPosition{std::move(source), line, column};
    return *this;
  }
  Status&& at(std::string source, uint64_t line = 0, uint64_t column = 0) && {
    return std::move(at(std::move(source), line, column));
  }
  // Prefixes the message with `context` ("context: message"), keeping code and position.
  Status&& with_context(const std::string& context) && {
    message_ = context + ": " + message_;
    return std::move(*this);
  }

  // "SOURCE:LINE:COL: message", or just the message when there is no position; "ok" when OK.
  std::string to_string() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  InputPosition position_;
};

inline Status ok_status() { return Status(); }

// Shorthands with fmt formatting: bad_input("invalid vmid {}: {}", v, rule).
template <class... Args>
Status bad_input(fmt::format_string<Args...> f, Args&&... args) {
  return Status(StatusCode::kBadInput, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
Status io_error(fmt::format_string<Args...> f, Args&&... args) {
  return Status(StatusCode::kIoError, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
Status unsupported(fmt::format_string<Args...> f, Args&&... args) {
  return Status(StatusCode::kUnsupported, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
Status internal_error(fmt::format_string<Args...> f, Args&&... args) {
  return Status(StatusCode::kInternal, fmt::format(f, std::forward<Args>(args)...));
}

// A value or the Status that explains why there is none.
// REQUIRES: value()/operator* only when ok(); the Status constructor only with a non-OK Status.
template <class T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}             // NOLINT: implicit, like absl
  StatusOr(Status status) : v_(std::move(status)) {}      // NOLINT
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const& {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  Status status() && { return ok() ? Status() : std::get<Status>(std::move(v_)); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace ptx

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define PTX_RETURN_IF_ERROR(expr)                 \
  do {                                            \
    ::ptx::Status ptx_status_ = (expr);           \
    if (!ptx_status_.ok()) return ptx_status_;    \
  } while (0)

#define PTX_STATUS_CONCAT_INNER(a, b) a##b
#define PTX_STATUS_CONCAT(a, b) PTX_STATUS_CONCAT_INNER(a, b)
// PTX_ASSIGN_OR_RETURN(auto x, f()): declares x from f()'s value, or returns its Status.
#define PTX_ASSIGN_OR_RETURN(decl, expr) \
  PTX_ASSIGN_OR_RETURN_IMPL(PTX_STATUS_CONCAT(ptx_statusor_, __LINE__), decl, expr)
#define PTX_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).status();   \
  decl = std::move(tmp).value()

#endif  // PTX_BASE_STATUS_H_
