// collector/status.h: Status and Result<T>, driftwatch's error values.
//
// No exception crosses a module boundary; functions that can fail return a
// Status or a Result<T>, whose API is a subset of std::expected. Messages name
// the action and the object: "open trace /tmp/x.dwt: No such file or directory".
#ifndef DRIFTWATCH_COLLECTOR_STATUS_H_
#define DRIFTWATCH_COLLECTOR_STATUS_H_

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace dw {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,   // the caller's input is wrong (bad flag, unknown workload)
  kNotFound,          // a file, cgroup or workload does not exist
  kPermissionDenied,  // no permission (BPF, files)
  kCorrupt,           // a file's content is damaged or truncated
  kVersion,           // a file or database from an unsupported version
  kUnavailable,       // a kernel capability is missing
  kIo,                // read/write failed (disk full, I/O error)
  kInternal,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  // A Status from errno value `err`, e.g. Errno("open /x", ENOENT) gives
  // "open /x: No such file or directory" with a code that fits the errno.
  static Status Errno(const std::string& action, int err) {
    ErrorCode code = ErrorCode::kIo;
    if (err == ENOENT) code = ErrorCode::kNotFound;
    if (err == EACCES || err == EPERM) code = ErrorCode::kPermissionDenied;
    if (err == EINVAL) code = ErrorCode::kInvalidArgument;
    return Status(code, action + ": " + std::strerror(err));
  }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Returns a copy whose message is prefixed with `context`: "context: message".
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// Holds a T or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}     // NOLINT: implicit by design

  bool has_value() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // The error; Status::Ok() when a value is held.
  Status error() const { return has_value() ? Status::Ok() : std::get<Status>(v_); }
  Status status() const { return error(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace dw

#define DW_CONCAT_INNER(a, b) a##b
#define DW_CONCAT(a, b) DW_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function when it is not ok.
#define RETURN_IF_ERROR(expr)                 \
  do {                                        \
    ::dw::Status dw_status_ = (expr);         \
    if (!dw_status_.ok()) return dw_status_;  \
  } while (0)

// `lhs = value of rexpr`, or returns its error from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, rexpr) ASSIGN_OR_RETURN_IMPL(DW_CONCAT(dw_result_, __LINE__), lhs, rexpr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                          \
  if (!tmp.has_value()) return tmp.error();    \
  lhs = std::move(tmp).value()

#endif  // DRIFTWATCH_COLLECTOR_STATUS_H_
