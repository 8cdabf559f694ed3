// The one way a function that can fail says so: its value, or an Error whose text a person
// reads (a log line's problem, a config message, a command's output). The shape of C++23's
// std::expected, which GCC 12 offers only under -std=c++23 while the project is C++20.
// Not for a database answer that may be absent (store::DbResult: "absent" and "unavailable"
// are answers an HTTP handler turns into 404 and 503, not failures), nor for a configuration
// problem (config::ConfigError names the key and where it was set), nor for broken invariants
// (MCU_CHECK ends the process).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "mcu/common/check.h"

namespace mcu {

struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit both ways, as std::expected: `return value;` and `return Error{...};`.
  Result(T value)  // NOLINT(google-explicit-constructor)
      : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error)  // NOLINT(google-explicit-constructor)
      : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() {
    MCU_CHECK(ok());
    return std::get<0>(state_);
  }
  const T& value() const {
    MCU_CHECK(ok());
    return std::get<0>(state_);
  }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const std::string& error() const {
    MCU_CHECK(!ok());
    return std::get<1>(state_).message;
  }

 private:
  std::variant<T, Error> state_;
};

// Success carries nothing: start() and the like.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error)  // NOLINT(google-explicit-constructor)
      : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const std::string& error() const {
    MCU_CHECK(!ok());
    return error_->message;
  }

 private:
  std::optional<Error> error_;
};

}  // namespace mcu
