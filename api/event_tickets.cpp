#include "api/event_tickets.h"

#include <iterator>

#include "mcu/common/secret.h"

namespace mcu::api {

void EventTickets::dropExpired(Clock::time_point now) {
  std::erase_if(by_hash_, [now](const auto& entry) { return entry.second.expires <= now; });
}

std::optional<std::string> EventTickets::issue(Role role, Clock::time_point now) {
  // 32 random bytes: a ticket cannot be guessed within its 30 s, whatever the request rate.
  std::string ticket = secret::randomHex(32);
  const std::lock_guard lock(mutex_);
  if (by_hash_.size() >= kMaxOutstanding) {
    dropExpired(now);
    if (by_hash_.size() >= kMaxOutstanding) {
      return std::nullopt;
    }
  }
  by_hash_[secret::sha256Hex(ticket)] = {now + kLifetime, role};
  return ticket;
}

std::optional<Role> EventTickets::redeem(const std::string& ticket, Clock::time_point now) {
  const std::string hash = secret::sha256Hex(ticket);
  const std::lock_guard lock(mutex_);
  const auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) {
    return std::nullopt;
  }
  const Entry entry = it->second;
  by_hash_.erase(it);  // spent, whether or not it was still live
  if (entry.expires <= now) {
    return std::nullopt;
  }
  return entry.role;
}

}  // namespace mcu::api
