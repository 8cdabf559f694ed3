#include "mcu/store/event_doorbell.h"

#include <chrono>
#include <pqxx/pqxx>

#include "mcu/common/log.h"

namespace mcu::store {
namespace {

class Ringer final : public pqxx::notification_receiver {
 public:
  Ringer(pqxx::connection_base& c, const std::function<void()>& ring)
      : notification_receiver(c, kEventChannel), ring_(ring) {}
  void operator()(const std::string&, int) override { ring_(); }

 private:
  const std::function<void()>& ring_;
};

}  // namespace

void EventDoorbell::start() {
  thread_ = std::thread([this] { run(); });
}

void EventDoorbell::stop() {
  stopping_ = true;
  if (thread_.joinable()) {
    thread_.join();
  }
}

void EventDoorbell::run() {
  auto retry = std::chrono::milliseconds(100);
  while (!stopping_) {
    try {
      pqxx::connection conn(url_);
      Ringer ringer(conn, ring_);
      // Whatever was written while the connection was away is read at the streams' next poll;
      // one ring now makes that prompt too.
      ring_();
      retry = std::chrono::milliseconds(100);
      while (!stopping_) {
        conn.await_notification(1, 0);  // bounded, so stop() is seen within a second
      }
    } catch (const std::exception& e) {
      log::warn("db", "event_doorbell_lost").kv("problem", e.what());
      for (auto waited = std::chrono::milliseconds(0); waited < retry && !stopping_;
           waited += std::chrono::milliseconds(100)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      retry = std::min(retry * 2, std::chrono::milliseconds(10'000));
    }
  }
}

}  // namespace mcu::store
