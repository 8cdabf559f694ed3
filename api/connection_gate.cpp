#include "api/connection_gate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <sstream>

#include "api/connection_io.h"
#include "api/problem.h"
#include "mcu/common/log.h"
#include "mcu/common/thread_priority.h"

namespace mcu::api {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kComponent = "http";
constexpr auto kSweepEvery = std::chrono::milliseconds(100);
constexpr int kWaitMs = 100;
constexpr std::size_t kReadChunk = std::size_t{16} * 1024;

std::string_view titleOf(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Service Unavailable";
  }
}

// A whole response the gate writes itself before closing: problem+json, like every error.
std::string rejection(int status, const std::string& detail) {
  const std::string body = problemBody(status, "http-error", titleOf(status), detail);
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  out += titleOf(status);
  out += "\r\nContent-Type: ";
  out += kProblemContentType;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n";
  if (status == 503) {
    out += "Retry-After: 2\r\n";
  }
  out += "\r\n" + body;
  return out;
}

// Best effort, never waiting: the response fits in an empty socket buffer.
void sendNow(HttpConnection& conn, std::string_view bytes) {
  writeAll(conn, bytes.data(), bytes.size(), std::chrono::milliseconds(0));
}

void addressOf(const sockaddr_storage& ss, std::string& ip, int& port) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (ss.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
    ::inet_ntop(AF_INET6, &a.sin6_addr, text.data(), text.size());
    port = ntohs(a.sin6_port);
  } else {
    const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
    ::inet_ntop(AF_INET, &a.sin_addr, text.data(), text.size());
    port = ntohs(a.sin_port);
  }
  ip = text.data();
}

std::size_t readCap(const FramingLimits& f) { return f.max_head + f.max_body + 4; }

}  // namespace

ConnectionGate::ConnectionGate(GateLimits limits, Dispatch dispatch, const TlsServerContext* tls)
    : limits_(limits), dispatch_(std::move(dispatch)), tls_(tls) {}

ConnectionGate::~ConnectionGate() { stop(); }

Result<void> ConnectionGate::start() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    return Error{"cannot create the HTTP connection poller"};
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { run(); });
  return {};
}

void ConnectionGate::stop() {
  if (!thread_.joinable()) {
    return;
  }
  stopping_ = true;
  wake();
  thread_.join();
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

void ConnectionGate::wake() const {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void ConnectionGate::adopt(int fd) {
  auto conn = std::make_shared<HttpConnection>();
  conn->fd = fd;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  addressOf(ss, conn->peer_ip, conn->peer_port);
  len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  addressOf(ss, conn->local_ip, conn->local_port);
  {
    const std::lock_guard lock(mutex_);
    const bool total_full = open_ >= limits_.max_connections;
    std::size_t& from_source = by_source_[conn->peer_ip];
    if (total_full || from_source >= limits_.max_per_source) {
      if (from_source == 0) {
        by_source_.erase(conn->peer_ip);
      }
      ++(total_full ? counters_.refused_total_cap : counters_.refused_source_cap);
      // Over TLS the client sees a failed handshake instead: there is no session yet, and
      // making one is the cost this refusal avoids.
      if (tls_ == nullptr) {
        sendNow(*conn, rejection(503, total_full ? "too many connections; try again shortly"
                                                 : "too many connections from " + conn->peer_ip));
      }
      closeConnection(*conn);
      return;
    }
    ++from_source;
    ++open_;
    ++counters_.accepted;
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (tls_ != nullptr) {
      conn->tls = tls_->newSession(fd);
    }
    conn->deadline = Clock::now() + limits_.request_timeout;
    inbox_.push_back(std::move(conn));
  }
  wake();
}

void ConnectionGate::resume(std::shared_ptr<HttpConnection> conn) {
  conn->continue_sent = false;
  conn->deadline =
      Clock::now() + (conn->buffer.empty() ? limits_.idle_timeout : limits_.request_timeout);
  {
    const std::lock_guard lock(mutex_);
    if (!stopping_) {
      inbox_.push_back(std::move(conn));
    }
  }
  if (conn) {  // not taken: the gate is stopping
    close(conn);
    return;
  }
  wake();
}

void ConnectionGate::close(const std::shared_ptr<HttpConnection>& conn) {
  if (conn->fd < 0) {
    return;
  }
  closeConnection(*conn);
  const std::lock_guard lock(mutex_);
  --open_;
  const auto it = by_source_.find(conn->peer_ip);
  if (it != by_source_.end() && --it->second == 0) {
    by_source_.erase(it);
  }
}

std::size_t ConnectionGate::openConnections() const {
  const std::lock_guard lock(mutex_);
  return open_;
}

void ConnectionGate::run() {
  runBelowMediaPriority();
  std::array<epoll_event, 64> events{};
  auto next_sweep = Clock::now() + kSweepEvery;
  while (!stopping_) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), kWaitMs);
    for (int i = 0; i < n; ++i) {
      const int fd = events.at(static_cast<std::size_t>(i)).data.fd;
      if (fd == wake_fd_) {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &count, sizeof count);
        takeInbox();
      } else {
        onReadable(fd);
      }
    }
    const auto now = Clock::now();
    if (now >= next_sweep) {
      sweep(now);
      next_sweep = now + kSweepEvery;
    }
  }
  takeInbox();
  for (auto& [fd, conn] : waiting_) {
    close(conn);
  }
  waiting_.clear();
}

void ConnectionGate::takeInbox() {
  std::vector<std::shared_ptr<HttpConnection>> arrived;
  {
    const std::lock_guard lock(mutex_);
    arrived.swap(inbox_);
  }
  for (const auto& conn : arrived) {
    if (stopping_) {
      close(conn);
    } else {
      admit(conn);
    }
  }
}

void ConnectionGate::admit(const std::shared_ptr<HttpConnection>& conn) {
  if (tls_ != nullptr && conn->tls == nullptr) {
    ++counters_.failed_handshakes;
    close(conn);
    return;
  }
  // A pipelined request may already be whole in the buffer.
  if (advance(conn)) {
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = conn->fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, conn->fd, &ev) != 0) {
    close(conn);
    return;
  }
  waiting_[conn->fd] = conn;
  // Decrypted bytes already held by the TLS session raise no epoll event.
  if (hasBufferedInput(*conn)) {
    onReadable(conn->fd);
  }
}

void ConnectionGate::forget(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  waiting_.erase(fd);
}

void ConnectionGate::onReadable(int fd) {
  const auto it = waiting_.find(fd);
  if (it == waiting_.end()) {
    return;
  }
  const std::shared_ptr<HttpConnection> conn = it->second;
  bool failed = false;
  if (!advanceHandshake(*conn, failed)) {
    if (failed) {
      ++counters_.failed_handshakes;
      drop(conn);
    }
    return;
  }
  std::array<char, kReadChunk> chunk{};
  bool closed_by_peer = false;
  const std::size_t cap = readCap(limits_.framing);
  while (conn->buffer.size() < cap) {
    const std::size_t want = std::min(chunk.size(), cap - conn->buffer.size());
    const IoResult got = readSome(*conn, chunk.data(), want);
    if (got.state != IoState::kData) {
      closed_by_peer = got.state == IoState::kClosed;
      break;
    }
    if (conn->buffer.empty()) {
      conn->deadline = Clock::now() + limits_.request_timeout;
    }
    conn->buffer.append(chunk.data(), got.bytes);
  }
  // A client may send its request and half-close: the request is still answered.
  if (advance(conn) || !closed_by_peer) {
    return;
  }
  drop(conn);
}

void ConnectionGate::drop(const std::shared_ptr<HttpConnection>& conn) {
  forget(conn->fd);
  close(conn);
}

bool ConnectionGate::advance(const std::shared_ptr<HttpConnection>& conn) {
  const RequestFraming framing = frameRequest(conn->buffer, limits_.framing);
  switch (framing.state) {
    case RequestFraming::State::kComplete:
      forget(conn->fd);
      dispatch_(conn, framing);
      return true;
    case RequestFraming::State::kRejected:
      ++counters_.rejected;
      forget(conn->fd);
      refuse(conn, framing.status, framing.detail);
      return true;
    case RequestFraming::State::kNeedMore:
      if (framing.expects_continue && !conn->continue_sent) {
        sendNow(*conn, "HTTP/1.1 100 Continue\r\n\r\n");
        conn->continue_sent = true;
      }
      return false;
  }
  return false;
}

void ConnectionGate::sweep(Clock::time_point now) {
  std::vector<std::shared_ptr<HttpConnection>> expired;
  for (const auto& [fd, conn] : waiting_) {
    if (now >= conn->deadline) {
      expired.push_back(conn);
    }
  }
  for (const auto& conn : expired) {
    forget(conn->fd);
    if (conn->buffer.empty()) {
      ++counters_.idle_closed;
      close(conn);
    } else {
      ++counters_.request_timeouts;
      log::debug(kComponent, "http_request_timeout").kv("source", conn->peer_ip);
      refuse(conn, 408,
             "the request did not arrive whole within " +
                 std::to_string(limits_.request_timeout.count() / 1000) + " s");
    }
  }
}

void ConnectionGate::refuse(const std::shared_ptr<HttpConnection>& conn, int status,
                            const std::string& detail) {
  if (conn->tls == nullptr || conn->handshake_done) {
    sendNow(*conn, rejection(status, detail));
  }
  close(conn);
}

std::string ConnectionGate::renderMetrics() const {
  std::ostringstream out;
  out << "# HELP mcu_http_connections_open HTTP connections open now.\n"
      << "# TYPE mcu_http_connections_open gauge\n"
      << "mcu_http_connections_open " << openConnections() << "\n"
      << "# HELP mcu_http_connections_refused_total Connections answered 503 and closed at"
         " accept, by the cap they hit.\n"
      << "# TYPE mcu_http_connections_refused_total counter\n"
      << "mcu_http_connections_refused_total{cap=\"total\"} " << counters_.refused_total_cap << "\n"
      << "mcu_http_connections_refused_total{cap=\"source\"} " << counters_.refused_source_cap
      << "\n"
      << "# HELP mcu_http_connections_closed_total Connections the server closed, by reason.\n"
      << "# TYPE mcu_http_connections_closed_total counter\n"
      << "mcu_http_connections_closed_total{reason=\"request_timeout\"} "
      << counters_.request_timeouts << "\n"
      << "mcu_http_connections_closed_total{reason=\"idle\"} " << counters_.idle_closed << "\n"
      << "mcu_http_connections_closed_total{reason=\"bad_framing\"} " << counters_.rejected << "\n";
  return out.str();
}

}  // namespace mcu::api
