#include "api/request_framing.h"

#include <gtest/gtest.h>

#include <string>

namespace mcu::api {
namespace {

using State = RequestFraming::State;

TEST(RequestFramingTest, AHeadWithoutItsBlankLineNeedsMore) {
  const auto f = frameRequest("GET /healthz HTTP/1.1\r\nHost: x\r\n", {});
  EXPECT_EQ(f.state, State::kNeedMore);
  EXPECT_FALSE(f.head_complete);
}

TEST(RequestFramingTest, ABodylessRequestEndsAtTheBlankLineAndNamesItsPath) {
  const std::string one = "GET /v1/rooms?limit=5 HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto f = frameRequest(one + "GET /next", {});
  ASSERT_EQ(f.state, State::kComplete);
  EXPECT_EQ(f.size, one.size()) << "a pipelined request after it is not part of it";
  EXPECT_EQ(f.path, "/v1/rooms");
}

TEST(RequestFramingTest, ABodyIsWaitedForByItsContentLength) {
  const std::string head = "POST /v1/rooms HTTP/1.1\r\ncontent-LENGTH: 10\r\n\r\n";
  const auto partial = frameRequest(head + "12345", {});
  EXPECT_EQ(partial.state, State::kNeedMore);
  EXPECT_TRUE(partial.head_complete);
  const auto whole = frameRequest(head + "1234567890", {});
  ASSERT_EQ(whole.state, State::kComplete);
  EXPECT_EQ(whole.size, head.size() + 10);
}

TEST(RequestFramingTest, AClientWaitingForContinueIsNoticed) {
  const auto f = frameRequest(
      "PUT /v1/rooms/a HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", {});
  EXPECT_EQ(f.state, State::kNeedMore);
  EXPECT_TRUE(f.expects_continue);
}

TEST(RequestFramingTest, OversizedHeadsAndBodiesAreRefusedBeforeTheyArrive) {
  const FramingLimits limits{.max_head = 64, .max_body = 100};
  const auto endless = frameRequest("GET / HTTP/1.1\r\nX: " + std::string(80, 'a'), limits);
  EXPECT_EQ(endless.state, State::kRejected);
  EXPECT_EQ(endless.status, 431);
  const auto big = frameRequest("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", limits);
  EXPECT_EQ(big.state, State::kRejected);
  EXPECT_EQ(big.status, 413);
}

TEST(RequestFramingTest, UnframeableBodiesAreRefused) {
  EXPECT_EQ(frameRequest("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", {}).status, 411);
  EXPECT_EQ(frameRequest("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", {}).status, 400);
  EXPECT_EQ(frameRequest("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", {}).status, 400);
  // Two lengths that disagree are a request-smuggling attempt (RFC 9112 §6.3).
  EXPECT_EQ(frameRequest("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", {})
                .status,
            400);
}

}  // namespace
}  // namespace mcu::api
