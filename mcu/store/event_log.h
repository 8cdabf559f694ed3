// The event log behind GET /v1/events: what happened (room created, participant joined,
// talking...) appended to the events table through the database worker, in order, and read
// back by id so a client that reconnects with Last-Event-ID misses nothing. Readers wait on
// waitForNewer() instead of polling PostgreSQL in a loop.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "mcu/store/db_result.h"
#include "mcu/store/db_worker.h"

namespace mcu::store {

struct EventRecord {
  std::int64_t id = 0;
  std::string at;
  std::string type;
  std::string room;
  std::string payload_json = "{}";
};

class EventLog {
 public:
  EventLog(DbWorker& worker, std::chrono::milliseconds timeout)
      : worker_(worker), timeout_(timeout) {}

  // Any thread; returns at once. Written in the order appended, even across an outage.
  void append(const std::string& type, const std::string& room, const std::string& payload_json);
  // `settled_only` (a cluster, where other nodes write too): only events no transaction still
  // running can precede (migration 0012), so a stream's cursor never passes one yet to commit.
  DbResult<std::vector<EventRecord>> after(std::int64_t id, int limit, bool settled_only = false);
  // The id of the newest event (0 if none).
  DbResult<std::int64_t> latestId();
  // Blocks until an event newer than `seen_generation` is written, the timeout passes or
  // wakeAll() is called; returns the current generation.
  std::uint64_t waitForNewer(std::uint64_t seen_generation, std::chrono::milliseconds timeout);
  std::uint64_t generation() const;
  void wakeAll();
  // Another node wrote an event (EventDoorbell): the waiting streams look again. Any thread.
  void ring() { written(); }
  // Deletes events older than `retention` (a queued job).
  void prune(std::chrono::hours retention);
  std::uint64_t dropped() const { return dropped_.load(); }

 private:
  void written();

  DbWorker& worker_;
  std::chrono::milliseconds timeout_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t generation_ = 0;  // guarded by mutex_: bumped per written event
  bool woken_ = false;            // guarded by mutex_
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace mcu::store
