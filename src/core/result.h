// A value or an error message: how remote calls report failure (errors are values
// at boundaries; no exception crosses a thread or an async handler).
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace nozzle {

template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  // NOLINTNEXTLINE(performance-unnecessary-value-param): moved below; clang-tidy 14 misses a move in a template
  static Result failure(std::string error) {
    Result r;
    r.error_ = std::move(error);
    return r;
  }

  [[nodiscard]] bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  Result() = default;
  std::optional<T> value_;
  std::string error_;
};

}  // namespace nozzle
