// SipStack in this process, real sofia-sip on loopback: refusal of calls while draining
// (503 with Retry-After), and a clean stop.
#include "mcu/sip/sip_stack.h"

#include <gtest/gtest.h>

#include "tests/integration/server_fixture.h"
#include "tests/support/net.h"

namespace mcu::sip {
namespace {

using namespace std::chrono_literals;

std::string invite() {
  return test::sipRequest(
      "INVITE sip:standup@127.0.0.1 SIP/2.0\n"
      "Via: SIP/2.0/{transport} 127.0.0.1:{port};rport;branch={branch}\n"
      "Max-Forwards: 70\n"
      "From: <sip:alice@127.0.0.1>;tag=a1\n"
      "To: <sip:standup@127.0.0.1>\n"
      "Call-ID: {callid}\n"
      "CSeq: 1 INVITE\n"
      "Contact: <sip:alice@127.0.0.1:{port};transport=tcp>\n"
      "Content-Length: 0\n"
      "\n",
      9, "TCP");
}

TEST(SipStackTest, DrainingRefusesNewCallsWith503AndRetryAfter) {
  const std::uint16_t port = test::freeUdpTcpPort();
  SipStack stack({HostPort{"127.0.0.1", port}, std::nullopt, "", 7, "", 120});
  ASSERT_TRUE(stack.start().ok());
  EXPECT_TRUE(stack.transportsBound());
  EXPECT_EQ(test::finalStatus(test::tcpExchange(port, invite(), 2s, "SIP/2.0 480")).substr(0, 11),
            "SIP/2.0 480");
  stack.beginDrain();
  const std::string stream = test::tcpExchange(port, invite(), 2s, "SIP/2.0 503");
  const std::string refusal = test::responseWithStatus(stream, "SIP/2.0 503");
  ASSERT_FALSE(refusal.empty()) << stream;
  EXPECT_EQ(test::headerValue(refusal, "Retry-After"), "7");
  // OPTIONS still answered while draining: monitoring keeps working until the end.
  EXPECT_EQ(
      test::statusLine(test::udpExchange(port, test::optionsRequest(9, "UDP"), 2s).value_or("")),
      "SIP/2.0 200 OK");
  stack.stop();
  EXPECT_FALSE(stack.transportsBound());
  EXPECT_FALSE(test::udpExchange(port, test::optionsRequest(9, "UDP"), 300ms).has_value());
}

TEST(SipStackTest, BindingAnAddressInUseFailsWithAReason) {
  const std::uint16_t port = test::freeUdpTcpPort();
  SipStack first({HostPort{"127.0.0.1", port}, std::nullopt, "", 30, "", 120});
  ASSERT_TRUE(first.start().ok());
  SipStack second({HostPort{"127.0.0.1", port}, std::nullopt, "", 30, "", 120});
  const auto started = second.start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().find(std::to_string(port)), std::string::npos) << started.error();
}

TEST(SipStackTest, ControlLoopRunsPostedTasksOnItsOwnThread) {
  const std::uint16_t port = test::freeUdpTcpPort();
  SipStack stack({HostPort{"127.0.0.1", port}, std::nullopt, "", 30, "", 120});
  ASSERT_TRUE(stack.start().ok());
  std::promise<bool> on_loop;
  stack.controlLoop().post([&] { on_loop.set_value(stack.controlLoop().isInLoopThread()); });
  auto result = on_loop.get_future();
  ASSERT_EQ(result.wait_for(2s), std::future_status::ready);
  EXPECT_TRUE(result.get());
  EXPECT_FALSE(stack.controlLoop().isInLoopThread());
}

}  // namespace
}  // namespace mcu::sip
