// Bearer-token authentication and roles for /v1: no or unknown token → 401 with
// WWW-Authenticate, a viewer token on a write → 403. Failed attempts are counted per client
// address; past the limit the address gets 429 until its window passes, so guessing tokens
// over the network is slow.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "mcu/common/rate_window.h"
#include "mcu/store/token_store.h"

namespace mcu::api {

enum class Role { kViewer, kAdmin };

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

 private:
  bool limited(const std::string& address, std::chrono::steady_clock::time_point now);
  void recordFailure(const std::string& address, std::chrono::steady_clock::time_point now);

  store::TokenStore& tokens_;
  AuthLimits limits_;
  // Shared by the HTTP worker threads: a short critical section per request, no I/O under it.
  std::mutex mutex_;
  RateWindow failures_;
};

}  // namespace mcu::api
