// What a store request waited for by a caller gives back.
#pragma once

namespace mcu::store {

enum class DbOutcome {
  kOk,
  kNotFound,
  kConflict,     // a unique name already taken
  kStale,        // the version the caller named is not the current one
  kUnavailable,  // PostgreSQL away or too slow: try again later
};

template <typename T>
struct DbResult {
  DbOutcome outcome = DbOutcome::kUnavailable;
  T value{};
};

}  // namespace mcu::store
