// Bearer-token authentication and roles for /v1: no or unknown token → 401 with
// WWW-Authenticate, a viewer token on a write → 403. Failed attempts are counted per client
// address; past the limit the address gets 429 until its window passes, so guessing tokens
// over the network is slow. Event streams also take a single-use ticket (event_tickets.h) in
// place of the header, because a browser's EventSource cannot send one.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "api/event_tickets.h"
#include "api/role.h"
#include "mcu/common/rate_window.h"
#include "mcu/store/token_store.h"

namespace mcu::api {

struct AuthLimits {
  int max_failures = 10;
  std::chrono::seconds window{60};
};

class Authenticator {
 public:
  explicit Authenticator(store::TokenStore& tokens, AuthLimits limits = {})
      : tokens_(tokens), limits_(limits), failures_(limits.max_failures, limits.window) {}
  // The handler, run only for a request whose token has at least `role`.
  httplib::Server::Handler protect(Role role, httplib::Server::Handler handler);
  // The same, telling the handler the caller's role.
  using RoleHandler = std::function<void(const httplib::Request&, httplib::Response&, Role caller)>;
  httplib::Server::Handler protect(Role role, RoleHandler handler);
  // For event streams: a `ticket` query parameter from `tickets` is accepted instead of the
  // header (and spent); every other route takes the header only.
  httplib::Server::Handler protectStream(Role role, EventTickets& tickets,
                                         httplib::Server::Handler handler);
  // Before the routes are registered: asked after a protected request is authorized (its body
  // read); true when it answered the request itself (a cluster's node forwarding a command on
  // a room that lives on another node).
  using Forwarder = std::function<bool(const httplib::Request&, httplib::Response&)>;
  void setForwarder(Forwarder forwarder) { forwarder_ = std::move(forwarder); }

 private:
  // The caller's role if it has at least `needed`, or nullopt with the refusal written.
  std::optional<Role> authorize(Role needed, const httplib::Request& req, httplib::Response& res,
                                EventTickets* tickets);
  // The caller's role from its token (or ticket), or nullopt with the refusal written.
  std::optional<Role> identify(const httplib::Request& req, httplib::Response& res,
                               EventTickets* tickets);
  bool limited(const std::string& address, std::chrono::steady_clock::time_point now);
  void recordFailure(const std::string& address, std::chrono::steady_clock::time_point now);

  store::TokenStore& tokens_;
  AuthLimits limits_;
  Forwarder forwarder_;
  // Shared by the HTTP worker threads: a short critical section per request, no I/O under it.
  std::mutex mutex_;
  RateWindow failures_;
};

}  // namespace mcu::api
