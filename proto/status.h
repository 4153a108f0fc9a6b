// Status and Result: expected failures travel as values, never as exceptions.
// Exceptions are used only at start-up (config errors), as in LevelDB.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sb {

enum class Code : unsigned char {
  kOk = 0,
  kInvalidArgument,  // malformed input from a client or platform
  kNotFound,
  kUnauthenticated,  // bad signature, missing or unknown key
  kPermissionDenied,
  kConflict,
  kTooLarge,
  kUnavailable,        // overloaded or not ready; the caller may retry
  kResourceExhausted,  // a per-tenant limit is reached; the caller may retry later
  kIoError,            // storage could not read or write
  kCorruption,         // stored bytes that do not decode
  kInternal,
};

std::string_view code_name(Code code);

// A Status is cheap to pass when ok (empty message) and carries a short
// human-readable reason otherwise. Thread-compatible value type.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status invalid(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
  static Status not_found(std::string m) { return {Code::kNotFound, std::move(m)}; }
  static Status unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
  static Status io_error(std::string m) { return {Code::kIoError, std::move(m)}; }
  static Status corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }

  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string to_string() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Result<T>: either a value or a non-ok Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<1>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sb
