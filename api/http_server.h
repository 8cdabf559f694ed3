// The REST listener (cpp-httplib, its own small thread pool): /healthz, /readyz and /metrics
// open; the /v1 resources behind bearer tokens. Handlers never touch SIP or media state: they
// go through the stores (database worker) and ConferenceClient (control loop).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "api/api_context.h"
#include "api/readiness.h"
#include "mcu/common/host_port.h"

namespace mcu::api {

class HttpServer {
 public:
  HttpServer(HostPort listen, ReadinessProbe readiness, ApiContext context);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // Binds and starts serving on a thread; returns the problem if the address cannot be bound.
  std::optional<std::string> start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcu::api
