// In a cluster, an SSE stream on one node must hear at once of an event another node wrote:
// the events table is the record, and PostgreSQL's LISTEN/NOTIFY the doorbell. Every event's
// transaction sends NOTIFY mcu_events (EventLog); this thread LISTENs on a connection of its
// own and rings `ring` (which wakes the node's waiting streams) for each. Without it a stream
// still finds the event at its next poll (500 ms); the doorbell only makes it prompt.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace mcu::store {

inline constexpr const char* kEventChannel = "mcu_events";

class EventDoorbell {
 public:
  EventDoorbell(std::string database_url, std::function<void()> ring)
      : url_(std::move(database_url)), ring_(std::move(ring)) {}
  EventDoorbell(const EventDoorbell&) = delete;
  EventDoorbell& operator=(const EventDoorbell&) = delete;
  ~EventDoorbell() { stop(); }

  void start();
  // Within about a second (the wait for a notification is bounded).
  void stop();

 private:
  void run();

  std::string url_;
  std::function<void()> ring_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace mcu::store
