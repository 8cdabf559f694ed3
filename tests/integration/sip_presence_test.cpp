// The server answers OPTIONS over UDP and TCP (checked by sipp and by reading the raw reply),
// rejects a malformed request with 400 and keeps serving.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/integration/server_fixture.h"
#include "tests/support/eventually.h"
#include "tests/support/net.h"

namespace mcu::test {
namespace {

using namespace std::chrono_literals;
constexpr const char* kSipp = "/usr/bin/sipp";

class SipPresenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(db_.url());
    ASSERT_TRUE(server_->waitReady()) << server_->process().output();
  }
  std::string udp(const std::string& request) {
    return udpExchange(server_->sipPort(), request, 2s).value_or("");
  }
  std::string tcp(const std::string& request) {
    return tcpExchange(server_->sipPort(), request, 2s, "\r\n\r\n");
  }
  // sipp's own account of a failed call (-trace_err) is added to the output, so a failure says
  // what sipp saw, not only its exit code.
  CommandResult sippOptions(const std::string& transport) {
    const TempPath errors("sipp-options-errors");
    auto result = runCommand({kSipp, "-sf", std::string(MCU_SIPP_DIR) + "/options.xml", "-t",
                              transport, "-i", "127.0.0.1", "-p", "0", "-m", "2", "-timeout", "10s",
                              "-timeout_error", "-nostdin", "-trace_err", "-error_file",
                              errors.path(), "127.0.0.1:" + std::to_string(server_->sipPort())},
                             20s);
    result.output += "\nsipp errors:\n" + readFile(errors.path());
    return result;
  }

  TestDatabase db_;
  std::unique_ptr<ServerProcess> server_;
};

TEST(SipConnectionsTest, IdleTcpConnectionsAreClosed) {
  TestDatabase db;
  ServerProcess server(db.url(), {{"MCU_SIP_TCP_IDLE_S", "1"}});
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  // 300 connections that each asked once and went quiet. (A connection that never sends
  // anything is not timed out by sofia-sip 1.12.11: it arms the idle timer at the first
  // message. Left open in issue 11.)
  std::vector<int> fds;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server.sipPort());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < 300; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << i;
    const std::string options = optionsRequest(static_cast<std::uint16_t>(1000 + i), "TCP");
    ASSERT_EQ(::send(fd, options.data(), options.size(), 0), static_cast<ssize_t>(options.size()));
    fds.push_back(fd);
  }
  // Each must see the server close it (read returns 0) within a few idle periods.
  const auto until = std::chrono::steady_clock::now() + 15s;
  std::size_t closed = 0;
  for (const int fd : fds) {
    std::array<char, 4096> buf{};
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        break;
      }
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) {
        ++closed;
        break;
      }  // the OPTIONS' 200: read on
    }
    ::close(fd);
  }
  EXPECT_EQ(closed, fds.size()) << "idle TCP connections are closed by the server";
  EXPECT_EQ(statusLine(udpExchange(server.sipPort(), optionsRequest(9, "UDP"), 2s).value_or("")),
            "SIP/2.0 200 OK")
      << "and the server goes on";
}

// Whether the server has closed `fd` (read returns 0 or an error) within `timeout`; the OPTIONS
// answers a connection may get first are read past.
bool closedByServer(int fd, std::chrono::steady_clock::time_point until) {
  std::array<char, 4096> buf{};
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    // Past the deadline, what has already arrived still counts.
    const auto left =
        std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                      until - std::chrono::steady_clock::now())
                                      .count());
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) {
      return false;
    }
    if (::recv(fd, buf.data(), buf.size(), 0) <= 0) {
      return true;
    }
  }
}

long serverRssKb(ChildProcess& process) {
  std::ifstream status("/proc/" + std::to_string(process.pid()) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

// sofia keeps a connection that never sends for good (its idle timer starts at the first
// message); the server's own sweep closes them, and their memory goes with them.
TEST(SipConnectionsTest, ConnectionsThatNeverSendAreClosedAndTheirMemoryFreed) {
  TestDatabase db;
  ServerProcess server(db.url(), {{"MCU_SIP_TCP_SILENT_S", "1"}});
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  const long rss_before = serverRssKb(server.process());
  std::vector<int> fds;
  for (int i = 0; i < 1000; ++i) {  // 20 addresses, 50 each: under the per-source cap
    const int fd = tcpConnectFrom("127.0.4." + std::to_string(1 + i % 20), server.sipPort());
    ASSERT_GE(fd, 0) << i;
    fds.push_back(fd);
  }
  const auto until = std::chrono::steady_clock::now() + 20s;
  std::size_t closed = 0;
  for (const int fd : fds) {
    closed += closedByServer(fd, until) ? 1U : 0U;
    ::close(fd);
  }
  EXPECT_EQ(closed, fds.size());
  // sofia frees its transports a moment after the close.
  long rss_after = 0;
  EXPECT_TRUE(test::eventually(
      [&] {
        rss_after = serverRssKb(server.process());
        return rss_after < rss_before + 20 * 1024;
      },
      10s, 100ms))
      << "before " << rss_before << " kB, after " << rss_after << " kB";
  const auto metrics = server.get("/metrics").body;
  EXPECT_NE(metrics.find("mcu_sip_tcp_closed_silent_total 1000"), std::string::npos) << metrics;
  EXPECT_EQ(statusLine(udpExchange(server.sipPort(), optionsRequest(9, "UDP"), 2s).value_or("")),
            "SIP/2.0 200 OK");
}

// A burst of connections waits in the listener's backlog, not in SYN retries: sofia-sip
// listens with 64, and 1,000 connections took 14 s to be accepted. With the server stopped
// (SIGSTOP) nothing is accepted, so the handshakes the kernel completes are exactly what the
// backlog holds; the SYNs beyond it are dropped and their connects stay pending.
TEST(SipConnectionsTest, ABurstOfConnectionsWaitsInADeepBacklog) {
  TestDatabase db;
  ServerProcess server(db.url());
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  server.process().signal(SIGSTOP);
  constexpr int kBurst = 300;
  std::vector<pollfd> connecting;
  for (int i = 0; i < kBurst; ++i) {
    const int fd = tcpConnectFrom("127.0.6." + std::to_string(1 + i % 10), server.sipPort(),
                                  ConnectMode::kStart);
    EXPECT_GE(fd, 0) << i;
    connecting.push_back({fd, POLLOUT, 0});
  }
  // Handshakes on loopback complete at once; a dropped SYN is retried after 1 s, and dropped
  // again while the queue is full.
  const auto until = std::chrono::steady_clock::now() + 2s;
  std::size_t established = 0;
  for (auto& p : connecting) {
    const auto left =
        std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                      until - std::chrono::steady_clock::now())
                                      .count());
    int error = -1;
    socklen_t len = sizeof error;
    if (::poll(&p, 1, static_cast<int>(left)) == 1 &&
        ::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0) {
      ++established;
    }
  }
  server.process().signal(SIGCONT);
  for (const auto& p : connecting) {
    if (p.fd >= 0) {
      ::close(p.fd);
    }
  }
  EXPECT_EQ(established, static_cast<std::size_t>(kBurst))
      << "the backlog held " << established << " (sofia's own is 64)";
  EXPECT_EQ(statusLine(udpExchange(server.sipPort(), optionsRequest(9, "UDP"), 5s).value_or("")),
            "SIP/2.0 200 OK");
}

TEST(SipConnectionsTest, OneAddressHoldsAtMostItsCapOfConnections) {
  TestDatabase db;
  ServerProcess server(db.url(), {{"MCU_SIP_TCP_MAX_PER_SOURCE", "20"}});
  ASSERT_TRUE(server.waitReady()) << server.process().output();
  std::vector<int> fds;
  for (int i = 0; i < 30; ++i) {  // each asks once, so none is silent
    const int fd = tcpConnectFrom("127.0.5.1", server.sipPort());
    ASSERT_GE(fd, 0);
    const std::string options = optionsRequest(static_cast<std::uint16_t>(3000 + i), "TCP");
    ASSERT_EQ(::send(fd, options.data(), options.size(), 0), static_cast<ssize_t>(options.size()));
    fds.push_back(fd);
  }
  // The ten beyond the cap are closed...
  std::vector<bool> closed(fds.size(), false);
  std::size_t closed_count = 0;
  const auto until = std::chrono::steady_clock::now() + 8s;
  while (closed_count < 10 && std::chrono::steady_clock::now() < until) {
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!closed[i] && closedByServer(fds[i], std::chrono::steady_clock::now())) {
        closed[i] = true;
        ++closed_count;
      }
    }
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(closed_count, 10U) << "the ten beyond the cap";
  // ...and only those: every other one is still served (rather than waiting to see no close).
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (!closed[i]) {
      // Past the first answer, still open; then a second request is answered.
      EXPECT_FALSE(closedByServer(fds[i], std::chrono::steady_clock::now())) << i;
      const std::string again = optionsRequest(static_cast<std::uint16_t>(3100 + i), "TCP");
      ASSERT_EQ(::send(fds[i], again.data(), again.size(), MSG_NOSIGNAL),
                static_cast<ssize_t>(again.size()))
          << i;
      EXPECT_EQ(statusLine(readUntil(fds[i], 5s, "\r\n\r\n")), "SIP/2.0 200 OK") << i;
    }
    ::close(fds[i]);
  }
  const int other = tcpConnectFrom("127.0.5.2", server.sipPort());
  ASSERT_GE(other, 0);
  const std::string options = optionsRequest(4000, "TCP");
  ASSERT_EQ(::send(other, options.data(), options.size(), 0), static_cast<ssize_t>(options.size()));
  EXPECT_EQ(statusLine(readUntil(other, 5s, "\r\n\r\n")), "SIP/2.0 200 OK");
  ::close(other);
}

TEST_F(SipPresenceTest, SippOptionsOverUdpGets200WithCapabilities) {
  ASSERT_TRUE(requireTool(kSipp)) << "sipp is missing: install sip-tester (deploy/install-deps)";
  const auto result = sippOptions("u1");
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST_F(SipPresenceTest, SippOptionsOverTcpGets200WithCapabilities) {
  ASSERT_TRUE(requireTool(kSipp)) << "sipp is missing: install sip-tester (deploy/install-deps)";
  const auto result = sippOptions("t1");
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST_F(SipPresenceTest, OptionsReplyHeadersAreExactOverUdpAndTcp) {
  for (const auto& [transport, reply] : {std::pair{"UDP", udp(optionsRequest(9, "UDP"))},
                                         std::pair{"TCP", tcp(optionsRequest(9, "TCP"))}}) {
    SCOPED_TRACE(transport);
    EXPECT_EQ(statusLine(reply), "SIP/2.0 200 OK") << reply;
    EXPECT_EQ(headerValue(reply, "Allow"),
              "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, PRACK, REFER, SUBSCRIBE, NOTIFY");
    EXPECT_EQ(headerValue(reply, "Allow-Events"), "conference");
    EXPECT_EQ(headerValue(reply, "Accept"), "application/sdp");
    EXPECT_EQ(headerCount(reply, "Accept"), 1);
    EXPECT_EQ(headerValue(reply, "Supported"), "timer, 100rel, norefersub, replaces");
    EXPECT_EQ(headerValue(reply, "Call-ID").rfind("test-", 0), 0U);
  }
}

TEST_F(SipPresenceTest, MalformedRequestGets400AndServerKeepsServing) {
  // CSeq must be a number followed by the method (RFC 3261 §20.16).
  const std::string malformed = sipRequest(
      "OPTIONS sip:conference@127.0.0.1 SIP/2.0\n"
      "Via: SIP/2.0/{transport} 127.0.0.1:{port};rport;branch={branch}\n"
      "Max-Forwards: 70\n"
      "From: <sip:probe@127.0.0.1>;tag=bad1\n"
      "To: <sip:conference@127.0.0.1>\n"
      "Call-ID: {callid}\n"
      "CSeq: not-a-number OPTIONS\n"
      "Content-Length: 0\n"
      "\n",
      9, "UDP");
  const std::string reply = udp(malformed);
  EXPECT_EQ(statusLine(reply).substr(0, 11), "SIP/2.0 400") << reply;
  std::string tcp_malformed = malformed;
  tcp_malformed.replace(tcp_malformed.find("SIP/2.0/UDP"), 11, "SIP/2.0/TCP");
  EXPECT_EQ(statusLine(tcp(tcp_malformed)).substr(0, 11), "SIP/2.0 400");
  EXPECT_TRUE(server_->process().running());
  EXPECT_EQ(statusLine(udp(optionsRequest(9, "UDP"))), "SIP/2.0 200 OK");
}

}  // namespace
}  // namespace mcu::test
