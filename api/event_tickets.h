// Short-lived, single-use tickets that open an event stream. A browser's EventSource cannot send
// an Authorization header, and a long-lived API token must never sit in a URL (proxy and access
// logs keep URLs). So the console trades its token for a ticket (POST /v1/events/tickets, with
// the header) and opens the stream with ?ticket=: the ticket is worth one stream opening within
// its lifetime and nothing else, so a logged URL is worth nothing. Kept in memory as hashes; a
// restart forgets them, which only makes the console ask again.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "api/role.h"

namespace mcu::api {

class EventTickets {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kLifetime = std::chrono::seconds(30);
  // Outstanding tickets at most: a token holder cannot grow our memory without bound.
  static constexpr std::size_t kMaxOutstanding = 1024;

  // A new ticket carrying `role`, or nullopt when too many are outstanding.
  std::optional<std::string> issue(Role role, Clock::time_point now);
  // The role of a live, unused ticket, which is then spent; nullopt for anything else.
  std::optional<Role> redeem(const std::string& ticket, Clock::time_point now);

 private:
  struct Entry {
    Clock::time_point expires;
    Role role;
  };
  void dropExpired(Clock::time_point now);

  std::mutex mutex_;  // HTTP worker threads issue and redeem
  std::map<std::string, Entry> by_hash_;
};

}  // namespace mcu::api
