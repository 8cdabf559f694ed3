// The REST listener: /healthz, /readyz and /metrics open; the /v1 resources behind bearer
// tokens. A ConnectionGate (one epoll thread) holds connections until a request is whole; then
// a worker answers it with cpp-httplib's routing. Health probes have their own two workers, so
// a busy or stuck API never makes a load balancer think the node is dead. Handlers never touch SIP
// or media state: they go through the stores (database worker) and ConferenceClient (control loop).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "api/api_context.h"
#include "api/connection_gate.h"
#include "api/readiness.h"
#include "mcu/common/host_port.h"
#include "mcu/common/result.h"

namespace mcu::api {

class HttpServer {
 public:
  // With `tls` (kept alive by the caller) the listener speaks HTTPS only.
  HttpServer(HostPort listen, ReadinessProbe readiness, ApiContext context, GateLimits limits = {},
             const TlsServerContext* tls = nullptr);
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // Binds and starts serving on a thread; returns the problem if the address cannot be bound.
  Result<void> start();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcu::api
