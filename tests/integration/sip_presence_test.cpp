// The server answers OPTIONS over UDP and TCP (checked by sipp and by reading the raw reply),
// rejects a malformed request with 400 and keeps serving.
#include <gtest/gtest.h>

#include "tests/integration/server_fixture.h"
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
  CommandResult sippOptions(const std::string& transport) {
    return runCommand(
        {kSipp, "-sf", std::string(MCU_SOURCE_DIR) + "/tests/sipp/options.xml", "-t", transport,
         "-i", "127.0.0.1", "-p", "0", "-m", "2", "-timeout", "10s", "-timeout_error", "-nostdin",
         "-trace_err", "127.0.0.1:" + std::to_string(server_->sipPort())},
        20s);
  }

  TestDatabase db_;
  std::unique_ptr<ServerProcess> server_;
};

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
              "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, PRACK");
    EXPECT_EQ(headerValue(reply, "Accept"), "application/sdp");
    EXPECT_EQ(headerCount(reply, "Accept"), 1);
    EXPECT_EQ(headerValue(reply, "Supported"), "timer, 100rel");
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
