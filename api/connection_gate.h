// The front of the HTTP listener: one epoll thread holds every connection while its next
// request arrives, and hands a worker only requests that are complete. A client that drips a
// header byte every few seconds (slowloris) costs a buffer here, never a worker, and is
// closed with 408 when its request deadline passes; idle keep-alive connections are closed
// after their idle time; connections are capped in total and per source address.
// Why not cpp-httplib's own loop: it gives each connection a pooled thread from accept to
// close, so 8 slow clients froze the whole API (issue 11).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/http_connection.h"
#include "api/request_framing.h"
#include "api/tls_server_context.h"
#include "mcu/common/result.h"

namespace mcu::api {

struct GateLimits {
  std::chrono::milliseconds request_timeout{10'000};  // first byte to last byte of a request
  std::chrono::milliseconds idle_timeout{30'000};     // keep-alive wait for the next request
  std::size_t max_connections = 4096;
  std::size_t max_per_source = 64;
  FramingLimits framing;
};

struct GateCounters {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused_total_cap{0};
  std::atomic<std::uint64_t> refused_source_cap{0};
  std::atomic<std::uint64_t> request_timeouts{0};
  std::atomic<std::uint64_t> idle_closed{0};
  std::atomic<std::uint64_t> rejected{0};  // framing errors: 400, 411, 413, 431
  std::atomic<std::uint64_t> failed_handshakes{0};
};

class ConnectionGate {
 public:
  // Runs on the gate thread with a connection whose buffer starts with one whole request.
  using Dispatch = std::function<void(std::shared_ptr<HttpConnection>, const RequestFraming&)>;

  // With `tls`, every connection is HTTPS; its handshake counts against the request deadline.
  ConnectionGate(GateLimits limits, Dispatch dispatch, const TlsServerContext* tls = nullptr);
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;
  ~ConnectionGate();

  Result<void> start();
  void stop();

  // Any thread. A socket just accepted: kept, or answered 503 and closed when over a cap.
  void adopt(int fd);
  // Any thread. A worker answered a request and the connection stays open for the next one.
  void resume(std::shared_ptr<HttpConnection> conn);
  // Any thread. The connection is done with.
  void close(const std::shared_ptr<HttpConnection>& conn);

  const GateLimits& limits() const { return limits_; }
  std::size_t openConnections() const;
  const GateCounters& counters() const { return counters_; }
  std::string renderMetrics() const;

 private:
  void run();
  void takeInbox();
  void admit(const std::shared_ptr<HttpConnection>& conn);
  void onReadable(int fd);
  // True when the connection left the gate (dispatched or closed).
  bool advance(const std::shared_ptr<HttpConnection>& conn);
  void sweep(std::chrono::steady_clock::time_point now);
  void forget(int fd);
  void refuse(const std::shared_ptr<HttpConnection>& conn, int status, const std::string& detail);
  void drop(const std::shared_ptr<HttpConnection>& conn);
  void wake() const;

  GateLimits limits_;
  Dispatch dispatch_;
  const TlsServerContext* tls_;
  GateCounters counters_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  mutable std::mutex mutex_;  // guards the inbox and the counts by source
  std::vector<std::shared_ptr<HttpConnection>> inbox_;
  std::map<std::string, std::size_t, std::less<>> by_source_;
  std::size_t open_ = 0;

  // Gate thread only: connections waiting for (the rest of) a request.
  std::unordered_map<int, std::shared_ptr<HttpConnection>> waiting_;
};

}  // namespace mcu::api
