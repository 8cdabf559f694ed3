// The REST listener (cpp-httplib, its own small thread pool). Serves /healthz and /readyz now;
// the /v1 resources of the REST issue register here. Handlers never touch SIP or media state:
// they read probes or post to the control loop.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "api/readiness.h"
#include "mcu/common/host_port.h"

namespace mcu::api {

class HttpServer {
 public:
  HttpServer(HostPort listen, ReadinessProbe readiness);
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
