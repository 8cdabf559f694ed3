#include "mcu/sip/message_body.h"

#include <gtest/gtest.h>

namespace mcu::sip {
namespace {

TEST(MessageBodyTest, PlainSdpAndAMissingContentTypeAreSdp) {
  EXPECT_EQ(sdpInBody("application/sdp", "v=0\r\n").sdp, "v=0\r\n");
  EXPECT_EQ(sdpInBody("Application/SDP; charset=utf-8", "v=0\r\n").kind, BodyKind::kSdp);
  EXPECT_EQ(sdpInBody("", "v=0\r\n").kind, BodyKind::kSdp);
  EXPECT_EQ(sdpInBody("application/sdp", "").kind, BodyKind::kNone);
}

TEST(MessageBodyTest, TheSdpPartOfAMultipartIsFound) {
  const std::string body =
      "preamble\r\n--b1\r\nContent-Type: application/ISUP;version=itu-t92+\r\n\r\nxx\r\n"
      "--b1\r\ncontent-type: application/sdp\r\n\r\nv=0\r\nm=audio 4 RTP/AVP 0\r\n\r\n--b1--\r\n";
  const auto found = sdpInBody("multipart/mixed; boundary=\"b1\"", body);
  EXPECT_EQ(found.kind, BodyKind::kSdp);
  EXPECT_EQ(found.sdp, "v=0\r\nm=audio 4 RTP/AVP 0\r\n");
}

TEST(MessageBodyTest, OtherBodiesAreUnsupported) {
  EXPECT_EQ(sdpInBody("application/x-private", "x").kind, BodyKind::kUnsupported);
  EXPECT_EQ(sdpInBody("application/sdpx", "x").kind, BodyKind::kUnsupported);
  EXPECT_EQ(sdpInBody("multipart/mixed;boundary=b",
                      "--b\r\nContent-Type: text/plain\r\n\r\nhi"
                      "\r\n--b--")
                .kind,
            BodyKind::kUnsupported);
  EXPECT_EQ(sdpInBody("multipart/mixed", "no boundary").kind, BodyKind::kUnsupported);
}

}  // namespace
}  // namespace mcu::sip
