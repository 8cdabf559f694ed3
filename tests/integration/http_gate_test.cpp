// The HTTP listener against hostile clients: slow requests hold no worker, deadlines close
// them with 408, idle keep-alive connections are closed, connections are capped per source,
// and pipelining and "Expect: 100-continue" still work through the gate.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_fixture.h"
#include "tests/support/net.h"
#include "tests/support/tls_stream.h"

namespace mcu::test {
namespace {

using namespace std::chrono_literals;

// Half a request: the head never ends, as a slowloris client sends it.
constexpr std::string_view kHalfRequest = "GET /healthz HTTP/1.1\r\nHost: mcu\r\nX-Drip: a";

struct Connections {
  std::vector<int> fds;
  ~Connections() {
    for (const int fd : fds) {
      ::close(fd);
    }
  }
};

int openSlow(const std::string& source, std::uint16_t port) {
  const int fd = tcpConnectFrom(source, port);
  if (fd >= 0) {
    ::send(fd, kHalfRequest.data(), kHalfRequest.size(), MSG_NOSIGNAL);
  }
  return fd;
}

std::string exchangeOn(int fd, const std::string& bytes, const std::string& stop_after,
                       bool* closed = nullptr) {
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  return readUntil(fd, 10s, stop_after, closed);
}

TEST(HttpGateTest, SlowClientsHoldNoWorkerAndTheApiKeepsAnswering) {
  TestDatabase db;
  ServerProcess server(db.url());
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  // Twelve times the worker pool, from ten addresses (under the per-source cap).
  Connections slow;
  for (int i = 0; i < 100; ++i) {
    const int fd = openSlow("127.0.2." + std::to_string(1 + i % 10), server.httpPort());
    ASSERT_GE(fd, 0);
    slow.fds.push_back(fd);
  }
  // With a thread per connection these waited for the slow ones' read timeouts.
  EXPECT_EQ(server.get("/healthz").status, 200);
  EXPECT_EQ(server.get("/readyz").status, 200);
  const auto metrics = server.get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  const std::string gauge = "\nmcu_http_connections_open ";
  const auto at = metrics.body.find(gauge);
  ASSERT_NE(at, std::string::npos) << metrics.body;
  EXPECT_GE(std::stoi(metrics.body.substr(at + gauge.size())), 100) << "the slow ones are open";
  // A token-protected resource is served too (401 without a token: routed and answered).
  EXPECT_EQ(server.get("/v1/rooms").status, 401);
}

TEST(HttpGateTest, ARequestThatNeverEndsGets408AndAnIdleConnectionIsClosed) {
  TestDatabase db;
  ServerProcess server(db.url(),
                       {{"MCU_HTTP_REQUEST_TIMEOUT_S", "1"}, {"MCU_HTTP_IDLE_TIMEOUT_S", "1"}});
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  const int slow = openSlow("127.0.0.1", server.httpPort());
  ASSERT_GE(slow, 0);
  bool closed = false;
  const std::string reply = readUntil(slow, 10s, "never", &closed);
  ::close(slow);
  EXPECT_TRUE(closed) << "the slow connection is closed after its request deadline";
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 408 ")) << reply;
  EXPECT_NE(reply.find("application/problem+json"), std::string::npos) << reply;

  const int keep = tcpConnectFrom("127.0.0.1", server.httpPort());
  ASSERT_GE(keep, 0);
  const std::string first =
      exchangeOn(keep, "GET /healthz HTTP/1.1\r\nHost: mcu\r\n\r\n", "\"status\":\"ok\"}");
  EXPECT_TRUE(first.starts_with("HTTP/1.1 200 ")) << first;
  // Nothing more is sent: the keep-alive connection ends after its idle time.
  readUntil(keep, 10s, "never", &closed);
  ::close(keep);
  EXPECT_TRUE(closed) << "an idle keep-alive connection is closed";
  const auto metrics = server.get("/metrics").body;
  EXPECT_NE(metrics.find("mcu_http_connections_closed_total{reason=\"request_timeout\"} 1"),
            std::string::npos)
      << metrics;
}

TEST(HttpGateTest, ConnectionsAreCappedPerSourceAddress) {
  TestDatabase db;
  ServerProcess server(db.url(), {{"MCU_HTTP_MAX_CONNECTIONS_PER_SOURCE", "4"}});
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  Connections held;
  for (int i = 0; i < 4; ++i) {
    held.fds.push_back(openSlow("127.0.3.1", server.httpPort()));
    ASSERT_GE(held.fds.back(), 0);
  }
  // The gate counts a connection once it has taken it from the accept queue.
  const auto counted = std::chrono::steady_clock::now() + 10s;
  while (server.get("/metrics").body.find("\nmcu_http_connections_open 5") == std::string::npos &&
         std::chrono::steady_clock::now() < counted) {
    std::this_thread::sleep_for(50ms);
  }
  const int fifth = tcpConnectFrom("127.0.3.1", server.httpPort());
  ASSERT_GE(fifth, 0);
  bool closed = false;
  const std::string refused = readUntil(fifth, 10s, "never", &closed);
  ::close(fifth);
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503 ")) << refused;
  EXPECT_NE(refused.find("Retry-After: "), std::string::npos) << refused;
  EXPECT_TRUE(closed);
  // Another address is not affected.
  const int other = tcpConnectFrom("127.0.3.2", server.httpPort());
  ASSERT_GE(other, 0);
  const std::string ok =
      exchangeOn(other, "GET /healthz HTTP/1.1\r\nHost: mcu\r\n\r\n", "\"status\":\"ok\"}");
  ::close(other);
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 200 ")) << ok;
}

TEST(HttpGateTest, PipelinedRequestsContinueAndUnframeableBodies) {
  TestDatabase db;
  ServerProcess server(db.url());
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  const int fd = tcpConnectFrom("127.0.0.1", server.httpPort());
  ASSERT_GE(fd, 0);
  // Two requests in one write get two answers, in order.
  const std::string two = exchangeOn(fd,
                                     "GET /healthz HTTP/1.1\r\nHost: mcu\r\n\r\n"
                                     "GET /nope HTTP/1.1\r\nHost: mcu\r\n\r\n",
                                     "no resource at /nope");
  EXPECT_TRUE(two.starts_with("HTTP/1.1 200 ")) << two;
  EXPECT_NE(two.find("HTTP/1.1 404 "), std::string::npos) << two;
  // A client that waits for "100 Continue" before its body is told to go on.
  const std::string interim = exchangeOn(fd,
                                         "POST /v1/rooms HTTP/1.1\r\nHost: mcu\r\n"
                                         "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n",
                                         "\r\n\r\n");
  EXPECT_TRUE(interim.starts_with("HTTP/1.1 100 Continue")) << interim;
  const std::string final_reply = exchangeOn(fd, "{}", "}");
  EXPECT_NE(final_reply.find("HTTP/1.1 401 "), std::string::npos) << final_reply;
  ::close(fd);
  const std::string chunked = tcpExchange(
      server.httpPort(), "POST /v1/rooms HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 10s, "}");
  EXPECT_TRUE(chunked.starts_with("HTTP/1.1 411 ")) << chunked;
}

TEST(HttpGateTest, HttpsServesTheApiAndAStalledHandshakeIsClosed) {
  const std::string pem = std::string(MCU_SOURCE_DIR) + "/tests/data/tls/agent.pem";
  TestDatabase db;
  ServerProcess server(
      db.url(),
      {{"MCU_HTTP_TLS_CERT", pem}, {"MCU_HTTP_TLS_KEY", pem}, {"MCU_HTTP_REQUEST_TIMEOUT_S", "1"}});
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  std::string error;
  auto tls = TlsStream::connect(server.httpPort(),
                                std::string(MCU_SOURCE_DIR) + "/tests/data/tls/cafile.pem", error);
  ASSERT_TRUE(tls) << error;
  // Two requests on one TLS connection (keep-alive through the gate).
  for (const char* path : {"/healthz", "/readyz"}) {
    ASSERT_TRUE(tls->write(std::string("GET ") + path + " HTTP/1.1\r\nHost: mcu\r\n\r\n"));
    const auto reply = tls->readMessage(10s);
    ASSERT_TRUE(reply) << path;
    EXPECT_TRUE(reply->starts_with("HTTP/1.1 200 ")) << *reply;
  }
  // Plain HTTP on the HTTPS port gets no HTTP answer.
  const std::string plain =
      tcpExchange(server.httpPort(), "GET /healthz HTTP/1.1\r\nHost: mcu\r\n\r\n", 10s, "}");
  EXPECT_EQ(plain.find("HTTP/1.1 200"), std::string::npos) << plain;
  // A client that connects and never starts its handshake is closed at the request deadline.
  const int silent = tcpConnectFrom("127.0.0.1", server.httpPort());
  ASSERT_GE(silent, 0);
  bool closed = false;
  readUntil(silent, 10s, "never", &closed);
  ::close(silent);
  EXPECT_TRUE(closed);
}

}  // namespace
}  // namespace mcu::test
