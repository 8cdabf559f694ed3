// A request to the database worker that someone waits for (an HTTP handler): the job runs on
// the worker thread like every other, and the caller waits for its result at most `timeout`.
// Store-internal (it sees DbSession); the public store classes wrap it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "mcu/store/db_result.h"
#include "mcu/store/db_session.h"
#include "mcu/store/db_worker.h"

namespace mcu::store {

// Empty when the queue is full or the worker did not answer in time (PostgreSQL away): the
// caller says 503. A job whose caller gave up does nothing when it finally runs, so a request
// answered 503 does not take effect later. Other exceptions reach the caller from get().
template <typename T>
std::optional<T> requestFromDb(DbWorker& worker, std::string what, std::function<T(DbSession&)> fn,
                               std::chrono::milliseconds timeout) {
  struct Shared {
    std::promise<T> promise;
    std::atomic<bool> abandoned{false};
  };
  auto shared = std::make_shared<Shared>();
  auto future = shared->promise.get_future();
  const bool queued =
      worker.submitUrgent({std::move(what), [shared, fn = std::move(fn)](DbSession& s) {
                             if (shared->abandoned) {
                               return;
                             }
                             try {
                               shared->promise.set_value(fn(s));
                             } catch (const pqxx::broken_connection&) {
                               throw;  // the worker reconnects and runs it again
                             } catch (...) {
                               shared->promise.set_exception(std::current_exception());
                             }
                           }});
  if (!queued) {
    return std::nullopt;
  }
  if (future.wait_for(timeout) != std::future_status::ready) {
    shared->abandoned = true;
    return std::nullopt;
  }
  return future.get();
}

// A waited-for answer that may find nothing: unavailable, `absent`, or the value.
template <typename T>
DbResult<T> resultOf(std::optional<std::optional<T>> answer, DbOutcome absent) {
  if (!answer) {
    return {};
  }
  if (!*answer) {
    return {absent, {}};
  }
  return {DbOutcome::kOk, std::move(**answer)};
}

// Timestamps leave PostgreSQL as RFC 3339 UTC with milliseconds.
inline constexpr const char* kIsoFormat = R"('YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')";

}  // namespace mcu::store
